package dev.shmstreams.gst;

import dev.shmstreams.transport.ShmException;

/**
 * The GStreamer peer sent a control message this side cannot accept: an unknown command type, a
 * message of the wrong size or cut short, an area name that is empty, too long, unterminated or
 * not a plain shm name, an area larger than its file, a buffer whose offset and size do not lie
 * inside its area, an unknown or already closed area id, or an acknowledgement of a buffer the
 * client was not given. Nothing was read outside a mapping; the stage fails and closes the socket.
 */
public class GstProtocolException extends ShmException
{
    private static final long serialVersionUID = 1L;

    public GstProtocolException(final String message)
    {
        super(message);
    }

    public GstProtocolException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}
