package dev.shmstreams.transport;

/**
 * The segment fails an access rule: a symlink at its path, an owner that is not trusted, a
 * world-accessible mode, or a mode this library refuses to create.
 */
public final class SegmentPermissionException extends ShmException
{
    private static final long serialVersionUID = 1L;

    public SegmentPermissionException(final String message)
    {
        super(message);
    }

    public SegmentPermissionException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}
