package dev.shmstreams.control;

import com.typesafe.config.Config;
import dev.shmstreams.transport.ChannelSettings;
import dev.shmstreams.transport.WaitStrategy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

/**
 * The {@code shm-streams} configuration section: the segment directory, the channel defaults and
 * the control plane's timings. Immutable.
 */
public final class ShmStreamsSettings
{
    public static final String SECTION = "shm-streams";

    private final Config config;
    private final Path directory;
    private final boolean sweepStaleOnStart;
    private final Duration watchdogInterval;
    private final Duration shutdownTimeout;

    private ShmStreamsSettings(final Config config)
    {
        this.config = config;
        this.directory = Path.of(config.getString("directory"));
        this.sweepStaleOnStart = config.getBoolean("control.sweep-stale-on-start");
        this.watchdogInterval = config.getDuration("control.watchdog-interval");
        this.shutdownTimeout = config.getDuration("control.shutdown-timeout");
    }

    /**
     * @param root a configuration containing the {@code shm-streams} section (e.g. the system's).
     * @return the settings.
     */
    public static ShmStreamsSettings create(final Config root)
    {
        return new ShmStreamsSettings(root.getConfig(SECTION));
    }

    /** @return the {@code shm-streams} section itself, for stage settings reading their own keys. */
    public Config config()
    {
        return config;
    }

    public Path directory()
    {
        return directory;
    }

    public boolean sweepStaleOnStart()
    {
        return sweepStaleOnStart;
    }

    public Duration watchdogInterval()
    {
        return watchdogInterval;
    }

    public Duration shutdownTimeout()
    {
        return shutdownTimeout;
    }

    /**
     * @param name channel name.
     * @return channel settings from {@code shm-streams.channel} and {@code shm-streams.directory}.
     */
    public ChannelSettings channel(final String name)
    {
        return channel(config, name);
    }

    /**
     * @param section the {@code shm-streams} section.
     * @param name    channel name.
     * @return channel settings with every {@code channel.*} key applied.
     */
    public static ChannelSettings channel(final Config section, final String name)
    {
        final Config channel = section.getConfig("channel");
        final long slotSize = channel.getBytes("slot-size");
        if (slotSize < 1 || slotSize > Integer.MAX_VALUE)
        {
            throw new IllegalArgumentException("shm-streams.channel.slot-size must be 1 byte to 1 GiB, was " + slotSize);
        }
        return ChannelSettings.create(name)
            .withDirectory(Path.of(section.getString("directory")))
            .withSlotCount(channel.getInt("slots"))
            .withSlotSize((int)slotSize)
            .withMode(parseMode(channel.getString("mode")))
            .withMetadata(channel.getString("metadata"))
            .withWaitStrategy(waitStrategy(channel.getString("wait-strategy")))
            .withSpinsBeforeBlocking(channel.getInt("spins-before-blocking"))
            .withMlock(channel.getBoolean("mlock"))
            .withHugePages(channel.getBoolean("huge-pages"))
            .withHeartbeatInterval(channel.getDuration("heartbeat-interval"))
            .withStallTimeout(channel.getDuration("stall-timeout"))
            .withLivenessInterval(channel.getDuration("liveness-interval"))
            .withAttachTimeout(channel.getDuration("attach-timeout"));
    }

    static int parseMode(final String mode)
    {
        try
        {
            return Integer.parseInt(mode, 8);
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("shm-streams.channel.mode must be octal like \"0600\", was \"" + mode + "\"");
        }
    }

    /**
     * @param name "blocking", "backoff" or "busy-spin".
     * @return the strategy.
     */
    public static WaitStrategy waitStrategy(final String name)
    {
        switch (name.toLowerCase(Locale.ROOT))
        {
            case "blocking":
                return WaitStrategy.BLOCKING;
            case "backoff":
                return WaitStrategy.BACKOFF;
            case "busy-spin":
                return WaitStrategy.BUSY_SPIN;
            default:
                throw new IllegalArgumentException("wait-strategy must be blocking, backoff or busy-spin, was \"" + name + "\"");
        }
    }

    @Override
    public String toString()
    {
        return "ShmStreamsSettings{directory=" + directory + ", sweepStaleOnStart=" + sweepStaleOnStart +
            ", watchdogInterval=" + watchdogInterval + ", shutdownTimeout=" + shutdownTimeout + '}';
    }
}
