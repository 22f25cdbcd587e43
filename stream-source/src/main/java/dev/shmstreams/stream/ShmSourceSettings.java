package dev.shmstreams.stream;

import akka.actor.ClassicActorSystemProvider;
import com.typesafe.config.Config;
import dev.shmstreams.control.ShmStreamsSettings;
import dev.shmstreams.transport.ChannelSettings;
import dev.shmstreams.transport.WaitStrategy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of a {@link dev.shmstreams.stream.javadsl.ShmSource}. Immutable; defaults from
 * {@code shm-streams.channel} and {@code shm-streams.source} in reference.conf.
 */
public final class ShmSourceSettings
{
    private final ChannelSettings channel;
    private final int maxHeldFrames;
    private final Duration heldFramesTimeout;

    private ShmSourceSettings(final ChannelSettings channel, final int maxHeldFrames, final Duration heldFramesTimeout)
    {
        if (maxHeldFrames < 1)
        {
            throw new IllegalArgumentException("max-held-frames must be at least 1, was " + maxHeldFrames);
        }
        this.channel = channel;
        this.maxHeldFrames = maxHeldFrames;
        this.heldFramesTimeout = heldFramesTimeout;
    }

    /**
     * @param system  an actor system (typed or classic) whose configuration holds {@code shm-streams}.
     * @param channel the channel name.
     * @return settings from the system's configuration.
     */
    public static ShmSourceSettings create(final ClassicActorSystemProvider system, final String channel)
    {
        return create(system.classicSystem().settings().config(), channel);
    }

    /**
     * @param root    a configuration holding the {@code shm-streams} section.
     * @param channel the channel name.
     * @return settings from that configuration.
     */
    public static ShmSourceSettings create(final Config root, final String channel)
    {
        final Config section = root.getConfig(ShmStreamsSettings.SECTION);
        return new ShmSourceSettings(ShmStreamsSettings.channel(section, channel),
            section.getInt("source.max-held-frames"), section.getDuration("source.held-frames-timeout"));
    }

    public ChannelSettings channel()
    {
        return channel;
    }

    public int maxHeldFrames()
    {
        return maxHeldFrames;
    }

    /** @return after the source stopped, how long held frames keep the channel end open. */
    public Duration heldFramesTimeout()
    {
        return heldFramesTimeout;
    }

    public ShmSourceSettings withChannel(final ChannelSettings channel)
    {
        return new ShmSourceSettings(Objects.requireNonNull(channel, "channel"), maxHeldFrames, heldFramesTimeout);
    }

    public ShmSourceSettings withDirectory(final Path directory)
    {
        return withChannel(channel.withDirectory(directory));
    }

    public ShmSourceSettings withWaitStrategy(final WaitStrategy waitStrategy)
    {
        return withChannel(channel.withWaitStrategy(waitStrategy));
    }

    /** @param timeout how long to wait for the producer to create the channel. */
    public ShmSourceSettings withAttachTimeout(final Duration timeout)
    {
        return withChannel(channel.withAttachTimeout(timeout));
    }

    /** Refuse a channel whose geometry differs (0 = any). */
    public ShmSourceSettings withExpectedGeometry(final int slots, final int slotSize)
    {
        return withChannel(channel.withExpectedGeometry(slots, slotSize));
    }

    /** @param frames at most this many frames held (not released) downstream at once. */
    public ShmSourceSettings withMaxHeldFrames(final int frames)
    {
        return new ShmSourceSettings(channel, frames, heldFramesTimeout);
    }

    /**
     * @param timeout after the source stopped, frames still held keep the channel end open this long;
     *                then it detaches, leaving the memory mapped (never unmapped under a reader).
     */
    public ShmSourceSettings withHeldFramesTimeout(final Duration timeout)
    {
        return new ShmSourceSettings(channel, maxHeldFrames, Objects.requireNonNull(timeout, "timeout"));
    }

    @Override
    public String toString()
    {
        return "ShmSourceSettings{channel=" + channel + ", maxHeldFrames=" + maxHeldFrames + ", heldFramesTimeout=" +
            heldFramesTimeout + '}';
    }
}
