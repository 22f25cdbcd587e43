package dev.shmstreams.benchmarks.peers;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One measurement a pair of peer processes makes: a message size, saturation or a fixed rate, a
 * warm-up and a measured window (both by time, so a slow peer moving 4K frames at 30 frames/s gets
 * the same window as one moving 400), and the wait strategy of the peers that have one.
 *
 * <p>The harness passes a child its phases as one argument: {@code name/length/rate/warmupMs/measureMs/wait}
 * joined by commas. A child pair runs them in order, each over a fresh channel or connection.
 */
public final class Phase
{
    /** Up to this size a message is "small": batched at saturation, 65,536 slots or buffers there (1,024 at a fixed rate). */
    static final int SMALL = 4096;
    /** Saturation: one stamped message in this many carries the send time (a clock read costs as much as a small message). */
    static final int SMALL_STAMP_EVERY = 64;

    final String name;
    final int length;
    /** Messages per second; 0 for saturation. */
    final double rate;
    final long warmupMs;
    final long measureMs;
    /**
     * "spin" or "blocking": the ring's and the stages' wait strategy (others ignore it);
     * "blocking-dispatcher": BLOCKING, the stages' consumer on shm-streams.blocking-dispatcher.
     */
    final String wait;

    Phase(final String name, final int length, final double rate, final long warmupMs, final long measureMs,
        final String wait)
    {
        if (length < Message.HEADER || length % Long.BYTES != 0)
        {
            throw new IllegalArgumentException("message length must be a multiple of 8 and at least " +
                Message.HEADER + ": " + length);
        }
        this.name = name;
        this.length = length;
        this.rate = rate;
        this.warmupMs = warmupMs;
        this.measureMs = measureMs;
        this.wait = wait;
    }

    boolean saturating()
    {
        return rate == 0;
    }

    boolean small()
    {
        return length <= SMALL;
    }

    boolean blocking()
    {
        return wait.startsWith("blocking");
    }

    /** @return whether the stages' consumer runs on shm-streams.blocking-dispatcher (BLOCKING, one wake-up). */
    boolean onBlockingDispatcher()
    {
        return "blocking-dispatcher".equals(wait);
    }

    /** @return the send period of a fixed-rate phase, ns. */
    long periodNanos()
    {
        return Math.round(1e9 / rate);
    }

    /** @return stamp one message in this many with its send time. */
    int stampEvery()
    {
        return saturating() && small() ? SMALL_STAMP_EVERY : 1;
    }

    /**
     * @return ring slots (the limit's preallocated buffers): 4 for large frames; for small messages
     * 65,536 at saturation and 1,024 at a fixed rate. At saturation a ring whose every line fits
     * the producer core's cache (1,024 x 256 B) makes the consumer fetch each line straight out of
     * the producer's cache as it is written; whenever this VM placed the two vCPUs far apart that
     * pair fell into lockstep at ~3.5-4.5 M messages/s (the limit's 1,024 buffers too), where
     * Aeron, whose publisher runs up to half a 128 MiB term ahead, kept 16-20 M/s. 65,536 slots
     * (16 MiB with descriptors, still an eighth of Aeron's term) let the producer run ahead too.
     */
    int slots()
    {
        return small() ? saturating() ? 65_536 : 1_024 : 4;
    }

    /** @return messages a producer writes per batch at saturation where its API allows it. */
    int batch()
    {
        return saturating() && small() ? 64 : 1;
    }

    String encode()
    {
        return String.format(Locale.ROOT, "%s/%d/%s/%d/%d/%s", name, length, rate, warmupMs, measureMs, wait);
    }

    static String encode(final List<Phase> phases)
    {
        final StringBuilder out = new StringBuilder();
        for (final Phase phase : phases)
        {
            out.append(out.length() == 0 ? "" : ",").append(phase.encode());
        }
        return out.toString();
    }

    static List<Phase> decode(final String text)
    {
        final List<Phase> phases = new ArrayList<>();
        for (final String one : text.split(","))
        {
            final String[] f = one.split("/");
            phases.add(new Phase(f[0], Integer.parseInt(f[1]), Double.parseDouble(f[2]), Long.parseLong(f[3]),
                Long.parseLong(f[4]), f[5]));
        }
        return phases;
    }

    @Override
    public String toString()
    {
        return name + " (" + length + " B, " + (saturating() ? "saturation" : rate + "/s") + ", " + warmupMs + "+" +
            measureMs + " ms, " + wait + ")";
    }
}
