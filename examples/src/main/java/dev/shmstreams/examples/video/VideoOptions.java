package dev.shmstreams.examples.video;

import dev.shmstreams.examples.Flags;
import dev.shmstreams.stream.OverflowPolicy;
import dev.shmstreams.transport.WaitStrategy;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** The video demo's flags, parsed and checked once, shared by the parent and both child processes. */
public final class VideoOptions
{
    public enum Resolution
    {
        UHD_4K("4k", 3840, 2160), FULL_HD("1080p", 1920, 1080), HD("720p", 1280, 720);

        final String flag;
        final int width;
        final int height;

        Resolution(final String flag, final int width, final int height)
        {
            this.flag = flag;
            this.width = width;
            this.height = height;
        }
    }

    public static final String HELP =
        "  --resolution 4k|1080p|720p   frame size, NV12 (default 4k: 12,441,600 bytes a frame)\n" +
        "  --fps N|unlimited            producer frame rate (default unlimited)\n" +
        "  --duration SECONDS           how long the producer runs (default 10)\n" +
        "  --slots N                    ring slots, a power of two (default 8)\n" +
        "  --wait blocking|backoff|busy-spin\n" +
        "                               how each side waits for the other (default blocking)\n" +
        "  --overflow backpressure|drop-newest|drop-oldest-unread|fail\n" +
        "                               what the producer does when the ring is full (default backpressure)\n" +
        "  --out DIR                    where thumbnails go (default demo-output)\n" +
        "  --dir DIR                    segment directory (default /dev/shm)\n";

    final Flags flags;
    final Resolution resolution;
    final double fps;
    final double durationSeconds;
    final int slots;
    final WaitStrategy wait;
    final OverflowPolicy overflow;
    final Path out;
    final Path dir;
    final String channel;

    private VideoOptions(final Flags flags)
    {
        this.flags = flags;
        this.resolution = resolution(flags.string("resolution"));
        this.fps = "unlimited".equals(flags.string("fps")) ? 0 : flags.decimal("fps", 0.1, 10_000);
        this.durationSeconds = flags.decimal("duration", 0.5, 86_400);
        this.slots = flags.integer("slots", 1, 1024);
        if (Integer.bitCount(slots) != 1)
        {
            throw new Flags.BadFlagException("--slots must be a power of two, was " + slots);
        }
        this.wait = flags.choice("wait", WaitStrategy.class);
        this.overflow = flags.choice("overflow", OverflowPolicy.class);
        this.out = Path.of(flags.string("out"));
        this.dir = Path.of(flags.string("dir"));
        this.channel = flags.string("channel");
    }

    public static VideoOptions parse(final String[] args)
    {
        final Map<String, String> defaults = new LinkedHashMap<>();
        defaults.put("resolution", "4k");
        defaults.put("fps", "unlimited");
        defaults.put("duration", "10");
        defaults.put("slots", "8");
        defaults.put("wait", "blocking");
        defaults.put("overflow", "backpressure");
        defaults.put("out", "demo-output");
        defaults.put("dir", "/dev/shm");
        defaults.put("channel", "shm-streams-demo-" + ProcessHandle.current().pid());
        return new VideoOptions(Flags.parse(args, defaults));
    }

    private static Resolution resolution(final String flag)
    {
        for (final Resolution resolution : Resolution.values())
        {
            if (resolution.flag.equals(flag))
            {
                return resolution;
            }
        }
        throw new Flags.BadFlagException("--resolution must be 4k, 1080p or 720p, was '" + flag + "'");
    }

    Nv12Pattern pattern()
    {
        return new Nv12Pattern(resolution.width, resolution.height);
    }

    /** @return the flag as spelled on the command line, e.g. "drop-oldest-unread". */
    static String spelled(final Enum<?> value)
    {
        return value.name().toLowerCase().replace('_', '-');
    }
}
