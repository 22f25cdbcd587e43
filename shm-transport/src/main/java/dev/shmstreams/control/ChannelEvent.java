package dev.shmstreams.control;

import java.nio.file.Path;

/**
 * Published by the control plane to subscribers of {@link ShmStreams#subscribe}.
 */
public sealed interface ChannelEvent
{
    /** @return the channel name. */
    String channel();

    /** This system opened a channel end. */
    record ChannelOpened(String channel, Path path, ChannelHandle.Role role) implements ChannelEvent
    {
    }

    /** This system closed a channel end. */
    record ChannelClosed(String channel, ChannelHandle.Role role) implements ChannelEvent
    {
    }

    /** The peer attached (or came back after a stall). */
    record PeerAttached(String channel, ChannelHandle.Role localRole) implements ChannelEvent
    {
    }

    /** The peer detached cleanly. */
    record PeerDetached(String channel, ChannelHandle.Role localRole) implements ChannelEvent
    {
    }

    /** The peer died while attached (its lock was released by the kernel). */
    record PeerLost(String channel, ChannelHandle.Role localRole) implements ChannelEvent
    {
    }

    /** The peer holds its lock but stopped writing its heartbeat (SIGSTOP, swapped out, frozen). */
    record PeerStalled(String channel, ChannelHandle.Role localRole) implements ChannelEvent
    {
    }

    /** Frames were lost to an overflow policy since the last event. */
    record Overrun(String channel, ChannelHandle.Role localRole, long droppedSinceLast, long droppedTotal)
        implements ChannelEvent
    {
    }
}
