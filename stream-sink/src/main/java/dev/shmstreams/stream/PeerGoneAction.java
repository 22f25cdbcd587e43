package dev.shmstreams.stream;

/**
 * What a stage does when its peer cancels or dies. See {@code shm-streams.sink.on-consumer-*}.
 */
public enum PeerGoneAction
{
    /** Complete the stream. */
    COMPLETE,
    /** Fail the stream with a typed exception. */
    FAIL,
    /** Keep the channel open and wait (backpressure) for another peer to attach. */
    WAIT;

    static PeerGoneAction parse(final String key, final String value)
    {
        for (final PeerGoneAction action : values())
        {
            if (action.name().toLowerCase().equals(value))
            {
                return action;
            }
        }
        throw new IllegalArgumentException(key + " must be complete, fail or wait, was \"" + value + "\"");
    }
}
