package dev.shmstreams.transport;

/**
 * The ring was full and the overflow policy is fail.
 */
public final class RingFullException extends ShmException
{
    private static final long serialVersionUID = 1L;

    public RingFullException(final String message)
    {
        super(message);
    }
}
