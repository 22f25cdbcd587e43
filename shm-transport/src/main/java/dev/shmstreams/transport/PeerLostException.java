package dev.shmstreams.transport;

/**
 * The other side of the channel died (its file lock was released by the kernel while it was still
 * attached) or, at a higher layer, stayed silent past the configured timeout.
 */
public class PeerLostException extends ShmException
{
    private static final long serialVersionUID = 1L;

    public PeerLostException(final String message)
    {
        super(message);
    }

    public PeerLostException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}
