package dev.shmstreams.transport;

/**
 * A system call on the segment failed for a reason not covered by a more specific exception; the
 * message names the call, the path and the errno.
 */
public class ShmIOException extends ShmException
{
    private static final long serialVersionUID = 1L;

    public ShmIOException(final String message)
    {
        super(message);
    }

    public ShmIOException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}
