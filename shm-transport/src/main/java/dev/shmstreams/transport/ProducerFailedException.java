package dev.shmstreams.transport;

/**
 * The producer failed the stream; the message is the producer's.
 */
public final class ProducerFailedException extends ShmException
{
    private static final long serialVersionUID = 1L;

    public ProducerFailedException(final String message)
    {
        super(message);
    }
}
