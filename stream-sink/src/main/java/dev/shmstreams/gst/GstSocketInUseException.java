package dev.shmstreams.gst;

import dev.shmstreams.transport.ShmException;

/**
 * The sink's socket path is taken: a live server (another shmsink, another sink stage) accepts
 * connections on it, or the path holds something that is not a socket, or a socket of another
 * user. Nothing is removed. A socket file left by a crashed run (nobody accepts on it) is not an
 * error: the sink removes it and binds.
 */
public final class GstSocketInUseException extends ShmException
{
    private static final long serialVersionUID = 1L;

    public GstSocketInUseException(final String message)
    {
        super(message);
    }

    public GstSocketInUseException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}
