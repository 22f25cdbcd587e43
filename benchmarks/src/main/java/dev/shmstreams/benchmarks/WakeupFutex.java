package dev.shmstreams.benchmarks;

import dev.shmstreams.transport.internal.Futex;
import org.HdrHistogram.Histogram;
import org.agrona.concurrent.UnsafeBuffer;

import static dev.shmstreams.benchmarks.Scenarios.FUTEX_OFFSET;
import static dev.shmstreams.benchmarks.Scenarios.FUTEX_STAMP_OFFSET;

/**
 * The floor for {@link WakeupRing}: a bare shared futex in a mapped /dev/shm file (the transport's
 * own JNA-direct {@link Futex} calls), same period, same stamps. The sender stores its stamp,
 * bumps the word and always calls FUTEX_WAKE; the receiver sleeps in FUTEX_WAIT whenever the word
 * is unchanged. Two sends that land in one wake-up (the receiver was late) are recorded once, by
 * the later stamp.
 */
final class WakeupFutex
{
    private static final long WAIT_NANOS = 1_000_000_000L;

    private WakeupFutex()
    {
    }

    static void run(final ChildContext ctx, final String role)
    {
        final int warmup = ctx.integer("warmup");
        final int count = ctx.integer("count");
        ctx.pin("cpu");
        try (MappedFile file = new MappedFile(ctx.directory().resolve(ctx.string("control"))))
        {
            final UnsafeBuffer shared = file.buffer();
            final long word = file.address() + FUTEX_OFFSET;
            if ("producer".equals(role))
            {
                final Pacer pacer = new Pacer(ctx.longValue("warmupPeriodNs"));
                final long period = ctx.longValue("periodNs");
                for (int i = -warmup; i < count; i++)
                {
                    if (i == 0)
                    {
                        pacer.period(period);
                    }
                    pacer.awaitNext();
                    shared.putLongOrdered(FUTEX_STAMP_OFFSET, System.nanoTime());
                    shared.getAndAddInt(FUTEX_OFFSET, 1);
                    Futex.wakeAll(word);
                }
            }
            else
            {
                final Futex futex = new Futex();
                final Histogram latency = ChildContext.newLatencyHistogram();
                final long deadline = System.nanoTime() + RingIo.PEER_TIMEOUT_NANOS + (warmup + count) *
                    ctx.longValue("periodNs");
                final int total = warmup + count;
                int last = 0;
                while (last < total)
                {
                    final int value = shared.getIntVolatile(FUTEX_OFFSET);
                    if (value != last)
                    {
                        final long t1 = System.nanoTime();
                        final long t0 = shared.getLongVolatile(FUTEX_STAMP_OFFSET);
                        if (last < warmup && value >= warmup)
                        {
                            latency.reset();
                        }
                        ChildContext.record(latency, t1 - t0);
                        last = value;
                        continue;
                    }
                    if (System.nanoTime() - deadline > 0)
                    {
                        throw new IllegalStateException("sender stopped after " + last + " wakes");
                    }
                    futex.await(word, value, WAIT_NANOS);
                }
                ctx.result("wakeup", latency);
            }
        }
    }
}
