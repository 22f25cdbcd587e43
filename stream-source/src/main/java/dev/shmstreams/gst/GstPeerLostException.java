package dev.shmstreams.gst;

import dev.shmstreams.transport.PeerLostException;

/**
 * The GStreamer peer went away without ending the stream cleanly: the socket was reset, closed in
 * the middle of a message, or closed while the peer's socket file stayed behind (a shmsink that
 * stops cleanly removes its socket; one killed with kill -9 or crashed cannot). Every buffer
 * announced before was delivered first.
 */
public final class GstPeerLostException extends PeerLostException
{
    private static final long serialVersionUID = 1L;

    public GstPeerLostException(final String message)
    {
        super(message);
    }

    public GstPeerLostException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}
