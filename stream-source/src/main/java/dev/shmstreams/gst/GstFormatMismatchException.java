package dev.shmstreams.gst;

import dev.shmstreams.transport.ShmException;

/**
 * A buffer's size is not the frame size of the configured video format: the shmsink pipeline
 * sends another format or resolution than the source was told (the protocol carries no caps, so
 * this is the only place a mismatch shows before pixels are misread).
 */
public final class GstFormatMismatchException extends ShmException
{
    private static final long serialVersionUID = 1L;

    public GstFormatMismatchException(final String message)
    {
        super(message);
    }
}
