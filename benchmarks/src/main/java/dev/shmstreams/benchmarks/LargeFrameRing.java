package dev.shmstreams.benchmarks;

import dev.shmstreams.transport.Frame;
import dev.shmstreams.transport.ShmConsumer;
import dev.shmstreams.transport.ShmProducer;
import dev.shmstreams.transport.WaitStrategy;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.Arrays;
import java.util.concurrent.locks.LockSupport;

import static dev.shmstreams.benchmarks.Scenarios.PAUSED_OFFSET;
import static dev.shmstreams.benchmarks.Scenarios.PAUSE_OFFSET;

/**
 * 4K NV12-sized frames (12,441,600 bytes) through the ring: the producer fills every byte of the
 * slot in place, the consumer reads every byte in place and checks the sum. No copy anywhere; the
 * ring only passes ownership of slots.
 *
 * <p>The consumer process alternates phases: ring, then {@link LargeFrameLimit} (the same fill and
 * read in two threads of this one process, while the ring producer is paused through the control
 * file and sleeps), then ring again, and so on ({@code phases} of each). Ring and limit are so
 * measured on the same CPUs within seconds of each other; each is reported as the median of its
 * phases' 10 slices each.
 */
final class LargeFrameRing
{
    private LargeFrameRing()
    {
    }

    /** A per-frame pattern with high bits set, so a stale frame never sums to the expected value. */
    static long pattern(final long frame)
    {
        return frame * 0x9E37_79B9_7F4A_7C15L;
    }

    static void run(final ChildContext ctx, final String role) throws InterruptedException
    {
        final String name = "large-r" + ctx.string("round");
        final int slots = ctx.integer("slots");
        final int length = ctx.integer("frameLength");
        ctx.pin("cpu");
        try (MappedFile control = new MappedFile(ctx.directory().resolve(ctx.string("control"))))
        {
            if ("producer".equals(role))
            {
                try (ShmProducer producer = ShmProducer.create(
                    RingIo.settings(ctx, name, slots, length, WaitStrategy.BUSY_SPIN)))
                {
                    produce(ctx, producer, control.buffer(), length);
                }
            }
            else
            {
                try (ShmConsumer consumer = ShmConsumer.attach(
                    RingIo.settings(ctx, name, slots, length, WaitStrategy.BUSY_SPIN)))
                {
                    consume(ctx, consumer, control.buffer(), slots, length);
                }
            }
        }
    }

    private static void produce(
        final ChildContext ctx, final ShmProducer producer, final UnsafeBuffer control, final int length)
    {
        long frames = 0;
        while (true)
        {
            if (control.getIntVolatile(PAUSE_OFFSET) != 0)
            {
                control.putIntVolatile(PAUSED_OFFSET, 1);
                while (control.getIntVolatile(PAUSE_OFFSET) != 0)
                {
                    LockSupport.parkNanos(1_000_000);
                }
                control.putIntVolatile(PAUSED_OFFSET, 0);
            }
            final long sequence = producer.tryClaim();
            if (sequence < 0)
            {
                if (sequence == ShmProducer.CONSUMER_CANCELLED)
                {
                    break;
                }
                if (sequence != ShmProducer.RING_FULL)
                {
                    throw new IllegalStateException("claim failed: " + sequence);
                }
                if (!producer.awaitSpace(RingIo.PEER_TIMEOUT_NANOS))
                {
                    throw new IllegalStateException("no free slot within the peer timeout");
                }
                continue;
            }
            Payload.fill(producer.frame(sequence).buffer(), 0, length, pattern(sequence));
            producer.commit(sequence, length);
            frames++;
        }
        ctx.result("frames", frames);
    }

    private static void consume(
        final ChildContext ctx, final ShmConsumer consumer, final UnsafeBuffer control, final int slots,
        final int length) throws InterruptedException
    {
        final int phases = ctx.integer("phases");
        final long warmupMillis = ctx.longValue("warmupMs");
        final long phaseMillis = ctx.longValue("measureMs") / phases;
        final LargeFrameLimit limit = new LargeFrameLimit(ctx, slots, length);
        double[] ringRates = new double[0];
        double[] limitRates = new double[0];
        long ringFrames = 0;
        long ringNanos = 0;
        long allocated = 0;
        long errors = 0;
        long frames = 0;
        for (int phase = 0; phase < phases; phase++)
        {
            // the first phase of each warms up for the whole warm-up, later ones refill the pipeline
            final long warm = phase == 0 ? warmupMillis : Math.min(warmupMillis, 300);
            final WindowClock ringClock = new WindowClock(warm, phaseMillis, 1);
            do
            {
                final long sequence = RingIo.receive(consumer);
                final Frame frame = consumer.frame(sequence);
                if (frame.length() != length ||
                    Payload.sum(frame.buffer(), 0, length) != Payload.expectedSum(pattern(sequence), length))
                {
                    errors++;
                }
                frame.release();
                frames++;
            }
            while (!ringClock.tick(frames));
            ringRates = concat(ringRates, ringClock.sliceRates());
            ringFrames += ringClock.framesInWindow();
            ringNanos += ringClock.windowNanos();
            allocated += ringClock.allocatedInWindow();
            ctx.log("ring phase " + phase + ", slice rates, frames/s: " + slicesText(ringClock.sliceRates()));

            pauseProducer(consumer, control);
            final WindowClock limitClock = new WindowClock(warm, phaseMillis, 1);
            limit.run(limitClock);
            limitRates = concat(limitRates, limitClock.sliceRates());
            ctx.log("limit phase " + phase + ", slice rates, frames/s: " + slicesText(limitClock.sliceRates()));
            control.putIntVolatile(PAUSE_OFFSET, 0);
        }
        consumer.cancel();
        ctx.result("framesPerSecond", WindowClock.median(ringRates));
        ctx.result("windowFramesPerSecond", ringFrames * 1e9 / ringNanos);
        ctx.result("bytesPerSecond", WindowClock.median(ringRates) * length);
        ctx.result("framesMeasured", ringFrames);
        ctx.result("errors", errors);
        ctx.result("allocBytesPerFrame", (double)allocated / ringFrames);
        ctx.result("limit.framesPerSecond", WindowClock.median(limitRates));
        ctx.result("limit.bytesPerSecond", WindowClock.median(limitRates) * length);
        ctx.result("limit.errors", limit.errors());
    }

    /** Ask the producer to pause, and release (unread) the frames it committed before it did. */
    private static void pauseProducer(final ShmConsumer consumer, final UnsafeBuffer control)
    {
        control.putIntVolatile(PAUSE_OFFSET, 1);
        final long deadline = System.nanoTime() + RingIo.PEER_TIMEOUT_NANOS;
        while (true)
        {
            // read the flag before polling: once it is seen set, every commit made before it is visible
            final boolean paused = control.getIntVolatile(PAUSED_OFFSET) != 0;
            final long sequence = consumer.poll();
            if (sequence >= 0)
            {
                consumer.release(sequence);
                continue;
            }
            if (sequence != ShmConsumer.EMPTY)
            {
                throw new IllegalStateException("poll failed: " + sequence);
            }
            if (paused)
            {
                return;
            }
            if (System.nanoTime() - deadline > 0)
            {
                throw new IllegalStateException("the producer did not pause");
            }
            Thread.onSpinWait();
        }
    }

    private static double[] concat(final double[] a, final double[] b)
    {
        final double[] both = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }

    private static String slicesText(final double[] rates)
    {
        final StringBuilder text = new StringBuilder();
        for (final double rate : rates)
        {
            text.append(text.length() == 0 ? "" : " ").append(Math.round(rate));
        }
        return text.toString();
    }
}
