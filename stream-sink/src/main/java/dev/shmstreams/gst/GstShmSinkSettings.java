package dev.shmstreams.gst;

import akka.actor.ClassicActorSystemProvider;
import com.typesafe.config.Config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of a {@link dev.shmstreams.gst.javadsl.GstShmSink}: where it listens, the frame format
 * and the area it writes frames into. Immutable; defaults from {@code shm-streams.gst.sink} in
 * reference.conf.
 *
 * <pre>{@code
 * GstShmSinkSettings.create(system, Path.of("/tmp/akka-video"))
 *                   .withVideo(GstVideoInfo.create(VideoFormat.I420, 1920, 1080, 30, 1))
 *                   .withSlots(8)
 * // GStreamer side:
 * //   gst-launch-1.0 shmsrc socket-path=/tmp/akka-video is-live=true ! <settings.video().caps()> ! ...
 * }</pre>
 */
public final class GstShmSinkSettings
{
    /** The configuration section of these settings. */
    public static final String SECTION = "shm-streams.gst.sink";
    private static final int PAGE = 4096;

    private final Path socketPath;
    private final GstVideoInfo video;
    private final int slots;
    private final int slotSize;
    private final int mode;
    private final int minClients;
    private final int maxClients;
    private final Duration drainTimeout;

    private GstShmSinkSettings(
        final Path socketPath,
        final GstVideoInfo video,
        final int slots,
        final int slotSize,
        final int mode,
        final int minClients,
        final int maxClients,
        final Duration drainTimeout)
    {
        if (slots < 1 || slots > 1024)
        {
            throw new IllegalArgumentException("slots must be 1 to 1024, was " + slots);
        }
        if (slotSize < 0)
        {
            throw new IllegalArgumentException("slot-size must be 0 (the video frame size) or positive, was " + slotSize);
        }
        if (mode != 0600 && mode != 0640)
        {
            throw new IllegalArgumentException("mode must be \"0600\" or \"0640\" (shmsrc only reads), was 0" +
                Integer.toOctalString(mode));
        }
        if (maxClients < 1 || maxClients > 64)
        {
            throw new IllegalArgumentException("max-clients must be 1 to 64, was " + maxClients);
        }
        if (minClients < 0 || minClients > maxClients)
        {
            throw new IllegalArgumentException("min-clients must be 0 to max-clients (" + maxClients + "), was " +
                minClients);
        }
        if (video != null && slotSize != 0 && slotSize < video.frameSize())
        {
            throw new IllegalArgumentException("slot-size " + slotSize + " is smaller than a frame of " + video);
        }
        this.socketPath = Objects.requireNonNull(socketPath, "socketPath");
        this.video = video;
        this.slots = slots;
        this.slotSize = slotSize;
        this.mode = mode;
        this.minClients = minClients;
        this.maxClients = maxClients;
        this.drainTimeout = Objects.requireNonNull(drainTimeout, "drainTimeout");
    }

    /**
     * @param system     an actor system (typed or classic) whose configuration holds {@value #SECTION}.
     * @param socketPath where to listen: the {@code socket-path} of the shmsrc elements.
     * @return settings from the system's configuration.
     */
    public static GstShmSinkSettings create(final ClassicActorSystemProvider system, final Path socketPath)
    {
        return create(system.classicSystem().settings().config(), socketPath);
    }

    /**
     * @param root       a configuration holding the {@value #SECTION} section.
     * @param socketPath where to listen.
     * @return settings from that configuration.
     */
    public static GstShmSinkSettings create(final Config root, final Path socketPath)
    {
        final Config section = root.getConfig(SECTION);
        final long slotSize = section.getBytes("slot-size");
        if (slotSize > Integer.MAX_VALUE)
        {
            throw new IllegalArgumentException(SECTION + ".slot-size must be at most 2 GiB, was " + slotSize);
        }
        return new GstShmSinkSettings(
            socketPath,
            GstVideoInfo.fromConfig(section.getConfig("video")),
            section.getInt("slots"),
            (int)slotSize,
            parseMode(section.getString("mode")),
            section.getInt("min-clients"),
            section.getInt("max-clients"),
            section.getDuration("drain-timeout"));
    }

    private static int parseMode(final String mode)
    {
        try
        {
            return Integer.parseInt(mode, 8);
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException(SECTION + ".mode must be octal like \"0600\", was \"" + mode + "\"");
        }
    }

    public Path socketPath()
    {
        return socketPath;
    }

    /** @return the frame format, or null if none was set (then {@link #slotSize()} is set). */
    public GstVideoInfo video()
    {
        return video;
    }

    public int slots()
    {
        return slots;
    }

    /**
     * @return the largest frame in bytes: the configured slot size, or the video frame size when
     * that is 0.
     * @throws IllegalStateException if neither a video format nor a slot size is set.
     */
    public int slotSize()
    {
        if (slotSize > 0)
        {
            return slotSize;
        }
        if (video == null)
        {
            throw new IllegalStateException("set a video format (withVideo) or a slot size (withSlotSize): " +
                "the sink cannot size its area without either");
        }
        return video.frameSize();
    }

    /** @return the distance between two slots in the area: the slot size rounded up to a page. */
    public long slotStride()
    {
        return ((long)slotSize() + PAGE - 1) & -PAGE;
    }

    /** @return the area size announced to clients: slots times the slot stride. */
    public long areaSize()
    {
        return slots * slotStride();
    }

    /** @return the mode of the area (0600 or 0640); the socket gets the same, plus group write with 0640. */
    public int mode()
    {
        return mode;
    }

    public int minClients()
    {
        return minClients;
    }

    public int maxClients()
    {
        return maxClients;
    }

    public Duration drainTimeout()
    {
        return drainTimeout;
    }

    public GstShmSinkSettings withSocketPath(final Path socketPath)
    {
        return new GstShmSinkSettings(socketPath, video, slots, slotSize, mode, minClients, maxClients, drainTimeout);
    }

    /** @param video the frame format; sizes the slots unless a slot size is set. */
    public GstShmSinkSettings withVideo(final GstVideoInfo video)
    {
        return new GstShmSinkSettings(socketPath, Objects.requireNonNull(video, "video"), slots, slotSize, mode,
            minClients, maxClients, drainTimeout);
    }

    /** @param slots frames the area holds: written and not yet acknowledged by every client, 1 to 1024. */
    public GstShmSinkSettings withSlots(final int slots)
    {
        return new GstShmSinkSettings(socketPath, video, slots, slotSize, mode, minClients, maxClients, drainTimeout);
    }

    /** @param slotSize the largest frame in bytes; 0 to use the video frame size. */
    public GstShmSinkSettings withSlotSize(final int slotSize)
    {
        return new GstShmSinkSettings(socketPath, video, slots, slotSize, mode, minClients, maxClients, drainTimeout);
    }

    /** @param mode 0600 (default) or 0640: the area's file mode. */
    public GstShmSinkSettings withMode(final int mode)
    {
        return new GstShmSinkSettings(socketPath, video, slots, slotSize, mode, minClients, maxClients, drainTimeout);
    }

    /** @param minClients pull only while at least this many shmsrc clients are connected; 0 drops frames nobody receives. */
    public GstShmSinkSettings withMinClients(final int minClients)
    {
        return new GstShmSinkSettings(socketPath, video, slots, slotSize, mode, minClients, maxClients, drainTimeout);
    }

    /** @param maxClients connections beyond this are refused, 1 to 64. */
    public GstShmSinkSettings withMaxClients(final int maxClients)
    {
        return new GstShmSinkSettings(socketPath, video, slots, slotSize, mode, minClients, maxClients, drainTimeout);
    }

    /** @param drainTimeout after upstream completes, how long to wait for clients to acknowledge every frame. */
    public GstShmSinkSettings withDrainTimeout(final Duration drainTimeout)
    {
        return new GstShmSinkSettings(socketPath, video, slots, slotSize, mode, minClients, maxClients, drainTimeout);
    }

    @Override
    public String toString()
    {
        return "GstShmSinkSettings{socketPath=" + socketPath + ", video=" + video + ", slots=" + slots +
            ", slotSize=" + slotSize + ", mode=0" + Integer.toOctalString(mode) + ", minClients=" + minClients +
            ", maxClients=" + maxClients + ", drainTimeout=" + drainTimeout + '}';
    }
}
