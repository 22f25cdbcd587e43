package dev.shmstreams.benchmarks;

import dev.shmstreams.transport.Frame;
import dev.shmstreams.transport.ShmConsumer;
import dev.shmstreams.transport.ShmProducer;
import dev.shmstreams.transport.WaitStrategy;
import dev.shmstreams.transport.layout.ParticipantDescriptor;
import org.HdrHistogram.Histogram;

/**
 * Wake-up latency of the {@link WaitStrategy#BLOCKING} strategy: one 64-byte frame per period
 * (1 ms), the consumer asleep on the futex in between. The warm-up sends at a shorter period (the
 * consumer still sleeps before each frame) so that the JIT has compiled the wait and wake paths
 * before the measured frames: at 1 ms per frame it would take many seconds. Latency is {@code receive time - send
 * stamp}, stamped before the claim. The consumer's wait counter shows it really slept before
 * (nearly) every frame. {@link WakeupFutex} is the bare futex floor.
 */
final class WakeupRing
{
    private static final int SLOTS = 8;
    private static final int FRAME_LENGTH = 64;

    private WakeupRing()
    {
    }

    static void run(final ChildContext ctx, final String role)
    {
        final String name = "wake-r" + ctx.string("round");
        final int warmup = ctx.integer("warmup");
        final int count = ctx.integer("count");
        ctx.pin("cpu");
        if ("producer".equals(role))
        {
            try (ShmProducer producer = ShmProducer.create(
                RingIo.settings(ctx, name, SLOTS, FRAME_LENGTH, WaitStrategy.BLOCKING)))
            {
                final Pacer pacer = new Pacer(ctx.longValue("warmupPeriodNs"));
                final long period = ctx.longValue("periodNs");
                long allocated = 0;
                long wakes = 0;
                for (int i = -warmup; i < count; i++)
                {
                    if (i == 0)
                    {
                        allocated = ChildContext.allocatedBytes();
                        wakes = producer.counter(ParticipantDescriptor.PRODUCER_WAKES);
                        pacer.period(period);
                    }
                    pacer.awaitNext();
                    RingIo.send(producer, FRAME_LENGTH, System.nanoTime());
                }
                allocated = ChildContext.allocatedBytes() - allocated;
                wakes = producer.counter(ParticipantDescriptor.PRODUCER_WAKES) - wakes;
                producer.complete();
                producer.awaitConsumed(RingIo.PEER_TIMEOUT_NANOS);
                ctx.result("wakeSyscallsPerFrame", (double)wakes / count);
                ctx.result("allocBytesPerFrame", (double)allocated / count);
            }
        }
        else
        {
            try (ShmConsumer consumer = ShmConsumer.attach(
                RingIo.settings(ctx, name, SLOTS, FRAME_LENGTH, WaitStrategy.BLOCKING)))
            {
                final Histogram latency = ChildContext.newLatencyHistogram();
                long errors = 0;
                long allocated = 0;
                long sleeps = 0;
                for (int i = -warmup; i < count; i++)
                {
                    if (i == 0)
                    {
                        latency.reset();
                        allocated = ChildContext.allocatedBytes();
                        sleeps = consumer.counter(ParticipantDescriptor.CONSUMER_WAITS);
                    }
                    final long sequence = RingIo.receive(consumer);
                    final long t1 = System.nanoTime();
                    final Frame frame = consumer.frame(sequence);
                    final long t0 = frame.buffer().getLong(0);
                    if (Payload.sum(frame.buffer(), 0, frame.length()) != Payload.expectedSum(t0, FRAME_LENGTH))
                    {
                        errors++;
                    }
                    frame.release();
                    ChildContext.record(latency, t1 - t0);
                }
                allocated = ChildContext.allocatedBytes() - allocated;
                sleeps = consumer.counter(ParticipantDescriptor.CONSUMER_WAITS) - sleeps;
                ctx.result("wakeup", latency);
                ctx.result("errors", errors);
                ctx.result("sleepsPerFrame", (double)sleeps / count);
                ctx.result("allocBytesPerFrame", (double)allocated / count);
            }
        }
    }
}
