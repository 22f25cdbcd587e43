package dev.shmstreams.transport;

/**
 * The role asked for is held by a live process: a producer already owns the channel (including
 * losing an O_EXCL creation race), or the consumer entry is attached.
 */
public final class ChannelInUseException extends ShmException
{
    private static final long serialVersionUID = 1L;

    public ChannelInUseException(final String message)
    {
        super(message);
    }

    public ChannelInUseException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}
