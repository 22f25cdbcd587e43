package dev.shmstreams.transport;

/**
 * The consumer cancelled the stream; a sink configured to fail on cancellation fails with this.
 */
public final class ConsumerCancelledException extends ShmException
{
    private static final long serialVersionUID = 1L;

    public ConsumerCancelledException(final String message)
    {
        super(message);
    }
}
