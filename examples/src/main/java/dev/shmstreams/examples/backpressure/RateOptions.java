package dev.shmstreams.examples.backpressure;

import dev.shmstreams.examples.Flags;
import dev.shmstreams.stream.OverflowPolicy;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** The backpressure example's flags, shared by the supervising process and both children. */
final class RateOptions
{
    static final String HELP =
        "  --seconds S                  how long the producer runs, per policy (default 6)\n" +
        "  --rate N                     frames per second the producer's source offers (default 200)\n" +
        "  --slow-rate N                frames per second the consumer manages in the middle third (default 40)\n" +
        "  --slots N                    ring slots, a power of two (default 8)\n" +
        "  --out DIR                    where the charts go (default demo-output)\n" +
        "  --dir DIR                    segment directory (default /dev/shm)\n";

    /** Frames of 64 KiB: the example is about rates, not bandwidth. */
    static final int FRAME_LENGTH = 64 * 1024;

    final Flags flags;
    final double seconds;
    final int rate;
    final int slowRate;
    final int slots;
    final Path out;
    final Path dir;
    final String channel;
    final OverflowPolicy overflow;

    private RateOptions(final Flags flags)
    {
        this.flags = flags;
        this.seconds = flags.decimal("seconds", 1.5, 3600);
        this.rate = flags.integer("rate", 1, 10_000);
        this.slowRate = flags.integer("slow-rate", 1, 10_000);
        this.slots = flags.integer("slots", 1, 1024);
        if (Integer.bitCount(slots) != 1)
        {
            throw new Flags.BadFlagException("--slots must be a power of two, was " + slots);
        }
        this.out = Path.of(flags.string("out"));
        this.dir = Path.of(flags.string("dir"));
        this.channel = flags.string("channel");
        this.overflow = flags.choice("overflow", OverflowPolicy.class);
    }

    static RateOptions parse(final String[] args)
    {
        final Map<String, String> defaults = new LinkedHashMap<>();
        defaults.put("seconds", "6");
        defaults.put("rate", "200");
        defaults.put("slow-rate", "40");
        defaults.put("slots", "8");
        defaults.put("out", "demo-output");
        defaults.put("dir", "/dev/shm");
        defaults.put("channel", "shm-streams-rates-" + ProcessHandle.current().pid());
        defaults.put("overflow", "backpressure");
        return new RateOptions(Flags.parse(args, defaults));
    }

    /** @return these options for one child run: the policy and channel set. */
    String[] childArgs(final OverflowPolicy policy, final String channelName)
    {
        final Map<String, String> values = new LinkedHashMap<>();
        final String[] all = flags.toArgs();
        for (int i = 0; i < all.length; i += 2)
        {
            values.put(all[i], all[i + 1]);
        }
        values.put("--overflow", policy.name().toLowerCase().replace('_', '-'));
        values.put("--channel", channelName);
        final String[] args = new String[values.size() * 2];
        int i = 0;
        for (final Map.Entry<String, String> entry : values.entrySet())
        {
            args[i++] = entry.getKey();
            args[i++] = entry.getValue();
        }
        return args;
    }
}
