package dev.shmstreams.transport;

/**
 * The segment does not fit: the file system holding it (normally /dev/shm) lacks the free space,
 * found before creation or when the pages were allocated.
 */
public final class InsufficientSpaceException extends ShmException
{
    private static final long serialVersionUID = 1L;

    public InsufficientSpaceException(final String message)
    {
        super(message);
    }

    public InsufficientSpaceException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}
