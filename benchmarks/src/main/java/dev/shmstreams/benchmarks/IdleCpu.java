package dev.shmstreams.benchmarks;

import dev.shmstreams.transport.ShmConsumer;
import dev.shmstreams.transport.ShmProducer;
import dev.shmstreams.transport.WaitStrategy;
import dev.shmstreams.transport.layout.ParticipantDescriptor;

/**
 * CPU used by an idle channel with the {@link WaitStrategy#BLOCKING} strategy: the consumer waits
 * on a channel whose producer sends nothing, and reports its process CPU time over wall time
 * (every thread: the waiting one, the heartbeat, JIT, GC), next to its waiting thread alone and
 * next to a JVM that only sleeps (the baseline any JVM pays). The producer reports its own idle
 * CPU too.
 */
final class IdleCpu
{
    private IdleCpu()
    {
    }

    static void runRing(final ChildContext ctx, final String role) throws InterruptedException
    {
        final String name = "idle-r" + ctx.string("round");
        final long warmupMillis = ctx.longValue("warmupMs");
        final long measureMillis = ctx.longValue("measureMs");
        if ("producer".equals(role))
        {
            try (ShmProducer producer = ShmProducer.create(
                RingIo.settings(ctx, name, 8, 64, WaitStrategy.BLOCKING)))
            {
                final long attachDeadline = System.nanoTime() + RingIo.PEER_TIMEOUT_NANOS;
                while (!producer.isPeerAlive())
                {
                    if (System.nanoTime() - attachDeadline > 0)
                    {
                        throw new IllegalStateException("no consumer attached");
                    }
                    Thread.sleep(10);
                }
                Thread.sleep(warmupMillis);
                final long cpu = ChildContext.processCpuNanos();
                final long start = System.nanoTime();
                Thread.sleep(measureMillis);
                ctx.result("processCpuShare",
                    (double)(ChildContext.processCpuNanos() - cpu) / (System.nanoTime() - start));
                while (producer.isPeerAlive())
                {
                    Thread.sleep(10);
                }
                producer.complete();
            }
        }
        else
        {
            try (ShmConsumer consumer = ShmConsumer.attach(
                RingIo.settings(ctx, name, 8, 64, WaitStrategy.BLOCKING)))
            {
                idle(consumer, warmupMillis * 1_000_000L);
                final long sleeps = consumer.counter(ParticipantDescriptor.CONSUMER_WAITS);
                final long cpu = ChildContext.processCpuNanos();
                final long threadCpu = ChildContext.threadCpuNanos();
                final long start = System.nanoTime();
                idle(consumer, measureMillis * 1_000_000L);
                final long wall = System.nanoTime() - start;
                ctx.result("processCpuShare", (double)(ChildContext.processCpuNanos() - cpu) / wall);
                ctx.result("waitingThreadCpuShare", (double)(ChildContext.threadCpuNanos() - threadCpu) / wall);
                ctx.result("sleepsPerSecond",
                    (consumer.counter(ParticipantDescriptor.CONSUMER_WAITS) - sleeps) * 1e9 / wall);
            }
        }
    }

    /** What an idle consumer does: poll, and wait per the strategy while there is nothing. */
    private static void idle(final ShmConsumer consumer, final long nanos)
    {
        final long end = System.nanoTime() + nanos;
        long remaining;
        while ((remaining = end - System.nanoTime()) > 0)
        {
            final long code = consumer.poll();
            if (code != ShmConsumer.EMPTY)
            {
                throw new IllegalStateException("an idle channel returned " + code);
            }
            consumer.awaitFrames(remaining);
        }
    }

    static void runBaseline(final ChildContext ctx) throws InterruptedException
    {
        Thread.sleep(ctx.longValue("warmupMs"));
        final long cpu = ChildContext.processCpuNanos();
        final long start = System.nanoTime();
        Thread.sleep(ctx.longValue("measureMs"));
        ctx.result("processCpuShare", (double)(ChildContext.processCpuNanos() - cpu) / (System.nanoTime() - start));
    }
}
