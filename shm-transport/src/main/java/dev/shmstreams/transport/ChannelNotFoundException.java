package dev.shmstreams.transport;

/**
 * No segment appeared at the channel's path within the attach timeout.
 */
public final class ChannelNotFoundException extends ShmException
{
    private static final long serialVersionUID = 1L;

    public ChannelNotFoundException(final String message)
    {
        super(message);
    }

    public ChannelNotFoundException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}
