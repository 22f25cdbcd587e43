package dev.shmstreams.stream;

/**
 * What a ShmSink does with an element when the ring is full. See {@code shm-streams.sink.overflow-policy}.
 */
public enum OverflowPolicy
{
    /** Stop pulling until a slot is released. Nothing is lost. */
    BACKPRESSURE,
    /** Keep pulling; an element that does not fit is dropped and counted. */
    DROP_NEWEST,
    /** Reuse the slot of the oldest frame the consumer has not started reading. */
    DROP_OLDEST_UNREAD,
    /** Fail the stream with {@link dev.shmstreams.transport.RingFullException}. */
    FAIL;

    static OverflowPolicy parse(final String value)
    {
        for (final OverflowPolicy policy : values())
        {
            if (policy.name().toLowerCase().replace('_', '-').equals(value))
            {
                return policy;
            }
        }
        throw new IllegalArgumentException("shm-streams.sink.overflow-policy must be backpressure, drop-newest, " +
            "drop-oldest-unread or fail, was \"" + value + "\"");
    }
}
