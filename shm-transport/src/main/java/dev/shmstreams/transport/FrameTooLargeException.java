package dev.shmstreams.transport;

/**
 * A frame longer than the slot it must fit in.
 */
public final class FrameTooLargeException extends ShmException
{
    private static final long serialVersionUID = 1L;

    public FrameTooLargeException(final String message)
    {
        super(message);
    }

    public FrameTooLargeException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}
