package dev.shmstreams.transport;

/**
 * The file at the channel's path is not a shm-streams segment (wrong magic): it was created by
 * something else and is left untouched.
 */
public final class ForeignSegmentException extends ShmException
{
    private static final long serialVersionUID = 1L;

    public ForeignSegmentException(final String message)
    {
        super(message);
    }

    public ForeignSegmentException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}
