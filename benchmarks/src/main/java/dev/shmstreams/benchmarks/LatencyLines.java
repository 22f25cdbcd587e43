package dev.shmstreams.benchmarks;

import org.HdrHistogram.Histogram;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Structural floors between {@link LatencySpin} (one cache line per direction) and
 * {@link LatencyRing}: the same ping-pong with the 64-byte payload in its own line and a flag
 * ({@code lines=2}), or a flag, a descriptor (sequence, length) and the payload each in its own line
 * ({@code lines=3}, the ring's shape: published sequence, slot descriptor, slot). The writer fills
 * the payload, writes the descriptor, then release-stores the flag; the reader spins on the flag,
 * then reads the descriptor and every payload byte. No ring logic at all: what separates the ring
 * from the 3-line floor is its code path, what separates the floors from each other is dependent
 * cache-line transfers. Run by {@link LatencyRing} in its own processes, after the ring.
 */
final class LatencyLines
{
    /** Per direction and per variant: flag, descriptor, payload, each on its own 128-byte line pair. */
    private static final int REGION_LENGTH = 512;
    private static final int FIRST_REGION = 1024;
    private static final int FLAG = 0;
    private static final int DESCRIPTOR = 128;
    private static final int PAYLOAD = 256;
    private static final int LENGTH = 64;

    private LatencyLines()
    {
    }

    /**
     * @param shared     the control file; each variant uses its own regions, so a stale flag of one
     *                   variant is never taken for a new frame of the next.
     * @param ping       the side that stamps and records the round trip.
     * @param descriptor 3 lines (with a descriptor) or 2.
     * @param prefix     result key prefix.
     */
    static void run(
        final ChildContext ctx, final UnsafeBuffer shared, final boolean ping, final boolean descriptor,
        final int warmup, final int count, final String prefix)
    {
        final int base = FIRST_REGION + (descriptor ? 2 * REGION_LENGTH : 0);
        final int out = ping ? base : base + REGION_LENGTH;
        final int in = ping ? base + REGION_LENGTH : base;
        final Histogram histogram = ChildContext.newLatencyHistogram();
        long errors = 0;
        long last = 0;
        for (int i = -warmup; i < count; i++)
        {
            if (i == 0)
            {
                histogram.reset();
            }
            if (ping)
            {
                final long t0 = System.nanoTime();
                send(shared, out, t0, descriptor);
                while (shared.getLongVolatile(in + FLAG) != t0)
                {
                    Thread.onSpinWait();
                }
                errors += check(shared, in, t0, descriptor) ? 0 : 1;
                ChildContext.record(histogram, System.nanoTime() - t0);
            }
            else
            {
                long t0;
                while ((t0 = shared.getLongVolatile(in + FLAG)) == last)
                {
                    Thread.onSpinWait();
                }
                errors += check(shared, in, t0, descriptor) ? 0 : 1;
                ChildContext.record(histogram, System.nanoTime() - t0);
                send(shared, out, t0, descriptor);
                last = t0;
            }
        }
        ctx.result(prefix + (ping ? "rtt" : "oneway"), histogram);
        ctx.result(prefix + "errors", errors);
    }

    private static void send(final UnsafeBuffer shared, final int region, final long stamp, final boolean descriptor)
    {
        Payload.fill(shared, region + PAYLOAD, LENGTH, stamp);
        if (descriptor)
        {
            shared.putLong(region + DESCRIPTOR, stamp);
            shared.putInt(region + DESCRIPTOR + 8, LENGTH);
        }
        shared.putLongOrdered(region + FLAG, stamp);
    }

    /** Read the descriptor (when there is one) and every payload byte of the frame with this stamp. */
    private static boolean check(final UnsafeBuffer shared, final int region, final long stamp,
        final boolean descriptor)
    {
        int length = LENGTH;
        if (descriptor)
        {
            length = shared.getInt(region + DESCRIPTOR + 8);
            if (shared.getLong(region + DESCRIPTOR) != stamp)
            {
                return false;
            }
        }
        return Payload.sum(shared, region + PAYLOAD, length) == Payload.expectedSum(stamp, length);
    }
}
