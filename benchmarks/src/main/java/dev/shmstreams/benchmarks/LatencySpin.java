package dev.shmstreams.benchmarks;

import org.HdrHistogram.Histogram;
import org.agrona.concurrent.UnsafeBuffer;

import static dev.shmstreams.benchmarks.Scenarios.PING_OFFSET;
import static dev.shmstreams.benchmarks.Scenarios.PONG_OFFSET;

/**
 * The floor for {@link LatencyRing}: the same ping-pong, the same stamps, but each direction is one
 * shared long in a mapped /dev/shm file, written with a release store and spun on with volatile
 * loads. Nothing a frame ring can do is cheaper than this cache-line transfer.
 */
final class LatencySpin
{
    private LatencySpin()
    {
    }

    static void run(final ChildContext ctx, final String role)
    {
        final int warmup = ctx.integer("warmup");
        final int count = ctx.integer("count");
        ctx.pin("cpu");
        try (MappedFile file = new MappedFile(ctx.directory().resolve(ctx.string("control"))))
        {
            if ("ping".equals(role))
            {
                pinger(ctx, file.buffer(), warmup, count, "rtt");
            }
            else
            {
                ponger(ctx, file.buffer(), warmup, count, "oneway");
            }
        }
    }

    static void pinger(
        final ChildContext ctx, final UnsafeBuffer shared, final int warmup, final int count, final String key)
    {
        final Histogram rtt = ChildContext.newLatencyHistogram();
        for (int i = -warmup; i < count; i++)
        {
            if (i == 0)
            {
                rtt.reset();
            }
            final long t0 = System.nanoTime();
            shared.putLongOrdered(PING_OFFSET, t0);
            while (shared.getLongVolatile(PONG_OFFSET) != t0)
            {
                Thread.onSpinWait();
            }
            final long t1 = System.nanoTime();
            ChildContext.record(rtt, t1 - t0);
        }
        ctx.result(key, rtt);
    }

    static void ponger(
        final ChildContext ctx, final UnsafeBuffer shared, final int warmup, final int count, final String key)
    {
        final Histogram oneWay = ChildContext.newLatencyHistogram();
        long last = 0;
        for (int i = -warmup; i < count; i++)
        {
            if (i == 0)
            {
                oneWay.reset();
            }
            long t0;
            while ((t0 = shared.getLongVolatile(PING_OFFSET)) == last)
            {
                Thread.onSpinWait();
            }
            final long t1 = System.nanoTime();
            ChildContext.record(oneWay, t1 - t0);
            shared.putLongOrdered(PONG_OFFSET, t0);
            last = t0;
        }
        ctx.result(key, oneWay);
    }
}
