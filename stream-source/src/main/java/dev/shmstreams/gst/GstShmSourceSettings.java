package dev.shmstreams.gst;

import akka.actor.ClassicActorSystemProvider;
import com.typesafe.config.Config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of a {@link dev.shmstreams.gst.javadsl.GstShmSource}: which shmsink to connect to, the
 * frame format it sends and how the source waits. Immutable; defaults from
 * {@code shm-streams.gst.source} in reference.conf.
 *
 * <pre>{@code
 * // gst-launch-1.0 videotestsrc is-live=true ! video/x-raw,format=I420,width=1920,height=1080,framerate=30/1 \
 * //     ! identity drop-allocation=true ! shmsink socket-path=/tmp/gst-video shm-size=67108864
 * GstShmSourceSettings.create(system, Path.of("/tmp/gst-video"))
 *                     .withVideo(GstVideoInfo.create(VideoFormat.I420, 1920, 1080, 30, 1))
 * }</pre>
 */
public final class GstShmSourceSettings
{
    /** The configuration section of these settings. */
    public static final String SECTION = "shm-streams.gst.source";

    private final Path socketPath;
    private final GstVideoInfo video;
    private final Duration connectTimeout;
    private final Duration closeGrace;
    private final int maxOutstanding;

    private GstShmSourceSettings(
        final Path socketPath,
        final GstVideoInfo video,
        final Duration connectTimeout,
        final Duration closeGrace,
        final int maxOutstanding)
    {
        if (maxOutstanding < 1 || maxOutstanding > 65536)
        {
            throw new IllegalArgumentException("max-outstanding must be 1 to 65536, was " + maxOutstanding);
        }
        if (connectTimeout.isNegative() || closeGrace.isNegative())
        {
            throw new IllegalArgumentException("timeouts must not be negative: connect-timeout " + connectTimeout +
                ", close-grace " + closeGrace);
        }
        this.socketPath = Objects.requireNonNull(socketPath, "socketPath");
        this.video = video;
        this.connectTimeout = connectTimeout;
        this.closeGrace = closeGrace;
        this.maxOutstanding = maxOutstanding;
    }

    /**
     * @param system     an actor system (typed or classic) whose configuration holds {@value #SECTION}.
     * @param socketPath the {@code socket-path} of the shmsink.
     * @return settings from the system's configuration.
     */
    public static GstShmSourceSettings create(final ClassicActorSystemProvider system, final Path socketPath)
    {
        return create(system.classicSystem().settings().config(), socketPath);
    }

    /**
     * @param root       a configuration holding the {@value #SECTION} section.
     * @param socketPath the {@code socket-path} of the shmsink.
     * @return settings from that configuration.
     */
    public static GstShmSourceSettings create(final Config root, final Path socketPath)
    {
        final Config section = root.getConfig(SECTION);
        return new GstShmSourceSettings(
            socketPath,
            GstVideoInfo.fromConfig(section.getConfig("video")),
            section.getDuration("connect-timeout"),
            section.getDuration("close-grace"),
            section.getInt("max-outstanding"));
    }

    public Path socketPath()
    {
        return socketPath;
    }

    /** @return the expected frame format, or null to accept buffers of any size. */
    public GstVideoInfo video()
    {
        return video;
    }

    public Duration connectTimeout()
    {
        return connectTimeout;
    }

    public Duration closeGrace()
    {
        return closeGrace;
    }

    public int maxOutstanding()
    {
        return maxOutstanding;
    }

    public GstShmSourceSettings withSocketPath(final Path socketPath)
    {
        return new GstShmSourceSettings(socketPath, video, connectTimeout, closeGrace, maxOutstanding);
    }

    /** @param video the format shmsink sends: every buffer must be exactly one frame of it. */
    public GstShmSourceSettings withVideo(final GstVideoInfo video)
    {
        return new GstShmSourceSettings(socketPath, Objects.requireNonNull(video, "video"), connectTimeout, closeGrace,
            maxOutstanding);
    }

    /** Accept buffers of any size (not only raw video). */
    public GstShmSourceSettings withoutVideo()
    {
        return new GstShmSourceSettings(socketPath, null, connectTimeout, closeGrace, maxOutstanding);
    }

    /** @param connectTimeout how long to retry while no shmsink listens at the socket path. */
    public GstShmSourceSettings withConnectTimeout(final Duration connectTimeout)
    {
        return new GstShmSourceSettings(socketPath, video, Objects.requireNonNull(connectTimeout, "connectTimeout"),
            closeGrace, maxOutstanding);
    }

    /**
     * @param closeGrace after the shmsink closed the connection, how long its socket file may stay
     *                   before the close counts as a crash rather than the end of the stream.
     */
    public GstShmSourceSettings withCloseGrace(final Duration closeGrace)
    {
        return new GstShmSourceSettings(socketPath, video, connectTimeout, Objects.requireNonNull(closeGrace,
            "closeGrace"), maxOutstanding);
    }

    /** @param maxOutstanding buffers received and not released beyond which the source stops reading the socket. */
    public GstShmSourceSettings withMaxOutstanding(final int maxOutstanding)
    {
        return new GstShmSourceSettings(socketPath, video, connectTimeout, closeGrace, maxOutstanding);
    }

    @Override
    public String toString()
    {
        return "GstShmSourceSettings{socketPath=" + socketPath + ", video=" + video + ", connectTimeout=" +
            connectTimeout + ", closeGrace=" + closeGrace + ", maxOutstanding=" + maxOutstanding + '}';
    }
}
