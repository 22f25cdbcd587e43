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
 * Settings of a {@link dev.shmstreams.stream.javadsl.ShmSink}: the channel it creates and how it
 * behaves when the ring is full or the consumer goes away. Immutable; defaults from
 * {@code shm-streams.channel} and {@code shm-streams.sink} in reference.conf.
 *
 * <pre>{@code
 * ShmSinkSettings.create(system, "camera-1").withSlots(8).withSlotSize(12_441_600)
 * }</pre>
 */
public final class ShmSinkSettings
{
    private final ChannelSettings channel;
    private final OverflowPolicy overflowPolicy;
    private final PeerGoneAction onConsumerCancel;
    private final PeerGoneAction onConsumerLost;
    private final Duration drainTimeout;

    private ShmSinkSettings(
        final ChannelSettings channel,
        final OverflowPolicy overflowPolicy,
        final PeerGoneAction onConsumerCancel,
        final PeerGoneAction onConsumerLost,
        final Duration drainTimeout)
    {
        this.channel = channel;
        this.overflowPolicy = overflowPolicy;
        this.onConsumerCancel = onConsumerCancel;
        this.onConsumerLost = onConsumerLost;
        this.drainTimeout = drainTimeout;
    }

    /**
     * @param system  an actor system (typed or classic) whose configuration holds {@code shm-streams}.
     * @param channel the channel name.
     * @return settings from the system's configuration.
     */
    public static ShmSinkSettings create(final ClassicActorSystemProvider system, final String channel)
    {
        return create(system.classicSystem().settings().config(), channel);
    }

    /**
     * @param root    a configuration holding the {@code shm-streams} section.
     * @param channel the channel name.
     * @return settings from that configuration.
     */
    public static ShmSinkSettings create(final Config root, final String channel)
    {
        final Config section = root.getConfig(ShmStreamsSettings.SECTION);
        final Config sink = section.getConfig("sink");
        return new ShmSinkSettings(
            ShmStreamsSettings.channel(section, channel),
            OverflowPolicy.parse(sink.getString("overflow-policy")),
            PeerGoneAction.parse("shm-streams.sink.on-consumer-cancel", sink.getString("on-consumer-cancel")),
            PeerGoneAction.parse("shm-streams.sink.on-consumer-lost", sink.getString("on-consumer-lost")),
            sink.getDuration("drain-timeout"));
    }

    /** @return the channel settings the sink creates its segment with (drop-oldest mode per the policy). */
    public ChannelSettings channel()
    {
        return channel.withDropOldestUnread(overflowPolicy == OverflowPolicy.DROP_OLDEST_UNREAD);
    }

    public OverflowPolicy overflowPolicy()
    {
        return overflowPolicy;
    }

    public PeerGoneAction onConsumerCancel()
    {
        return onConsumerCancel;
    }

    public PeerGoneAction onConsumerLost()
    {
        return onConsumerLost;
    }

    public Duration drainTimeout()
    {
        return drainTimeout;
    }

    /** @param channel every channel setting at once. */
    public ShmSinkSettings withChannel(final ChannelSettings channel)
    {
        return new ShmSinkSettings(Objects.requireNonNull(channel, "channel"), overflowPolicy, onConsumerCancel,
            onConsumerLost, drainTimeout);
    }

    public ShmSinkSettings withDirectory(final Path directory)
    {
        return withChannel(channel.withDirectory(directory));
    }

    /** @param slots a power of two. */
    public ShmSinkSettings withSlots(final int slots)
    {
        return withChannel(channel.withSlotCount(slots));
    }

    /** @param slotSize the largest frame in bytes. */
    public ShmSinkSettings withSlotSize(final int slotSize)
    {
        return withChannel(channel.withSlotSize(slotSize));
    }

    public ShmSinkSettings withMetadata(final String metadata)
    {
        return withChannel(channel.withMetadata(metadata));
    }

    public ShmSinkSettings withWaitStrategy(final WaitStrategy waitStrategy)
    {
        return withChannel(channel.withWaitStrategy(waitStrategy));
    }

    public ShmSinkSettings withOverflowPolicy(final OverflowPolicy overflowPolicy)
    {
        return new ShmSinkSettings(channel, Objects.requireNonNull(overflowPolicy, "overflowPolicy"), onConsumerCancel,
            onConsumerLost, drainTimeout);
    }

    public ShmSinkSettings withOnConsumerCancel(final PeerGoneAction action)
    {
        return new ShmSinkSettings(channel, overflowPolicy, Objects.requireNonNull(action, "action"), onConsumerLost,
            drainTimeout);
    }

    public ShmSinkSettings withOnConsumerLost(final PeerGoneAction action)
    {
        return new ShmSinkSettings(channel, overflowPolicy, onConsumerCancel, Objects.requireNonNull(action, "action"),
            drainTimeout);
    }

    public ShmSinkSettings withDrainTimeout(final Duration drainTimeout)
    {
        return new ShmSinkSettings(channel, overflowPolicy, onConsumerCancel, onConsumerLost,
            Objects.requireNonNull(drainTimeout, "drainTimeout"));
    }

    @Override
    public String toString()
    {
        return "ShmSinkSettings{channel=" + channel + ", overflowPolicy=" + overflowPolicy + ", onConsumerCancel=" +
            onConsumerCancel + ", onConsumerLost=" + onConsumerLost + ", drainTimeout=" + drainTimeout + '}';
    }
}
