package dev.shmstreams.transport;

/**
 * The segment is valid but its geometry is not the one this side was configured to expect (slot
 * size, slot count), or its layout constants differ from this build's.
 */
public final class LayoutMismatchException extends ShmException
{
    private static final long serialVersionUID = 1L;

    public LayoutMismatchException(final String message)
    {
        super(message);
    }

    public LayoutMismatchException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}
