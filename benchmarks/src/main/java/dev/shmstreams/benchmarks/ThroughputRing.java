package dev.shmstreams.benchmarks;

import dev.shmstreams.transport.Frame;
import dev.shmstreams.transport.FrameHandler;
import dev.shmstreams.transport.ShmConsumer;
import dev.shmstreams.transport.ShmProducer;
import dev.shmstreams.transport.WaitStrategy;
import dev.shmstreams.transport.WritableFrame;

/**
 * Cross-process throughput of 64-byte frames with batching: the producer claims {@code batch}
 * slots with {@code tryClaim(n)}, fills each in place and publishes them with one
 * {@code commitUpTo}; the consumer {@code drain}s up to {@code drain} frames per call (one release
 * store per call) and reads every byte. {@link ThroughputAgrona} is the peer.
 */
final class ThroughputRing
{
    static final int FRAME_LENGTH = 64;

    private ThroughputRing()
    {
    }

    static void run(final ChildContext ctx, final String role)
    {
        final String name = "tput-r" + ctx.string("round");
        final int slots = ctx.integer("slots");
        ctx.pin("cpu");
        if ("producer".equals(role))
        {
            try (ShmProducer producer = ShmProducer.create(
                RingIo.settings(ctx, name, slots, FRAME_LENGTH, WaitStrategy.BUSY_SPIN)))
            {
                produce(ctx, producer, ctx.integer("batch"), ctx.longValue("warmupMs"));
            }
        }
        else
        {
            try (ShmConsumer consumer = ShmConsumer.attach(
                RingIo.settings(ctx, name, slots, FRAME_LENGTH, WaitStrategy.BUSY_SPIN)))
            {
                consume(ctx, consumer, ctx.integer("drain"), ctx.longValue("warmupMs"), ctx.longValue("measureMs"));
            }
        }
    }

    /** Runs until the consumer cancels; allocation is measured from the end of the warm-up on. */
    private static void produce(final ChildContext ctx, final ShmProducer producer, final int batch,
        final long warmupMillis)
    {
        long frames = 0;
        long framesAtWarm = -1;
        long allocatedAtWarm = 0;
        long warmDeadline = 0;
        while (true)
        {
            final long first = producer.tryClaim(batch);
            if (first < 0)
            {
                if (first == ShmProducer.CONSUMER_CANCELLED)
                {
                    break;
                }
                if (first != ShmProducer.RING_FULL)
                {
                    throw new IllegalStateException("claim failed: " + first);
                }
                if (!producer.awaitSpace(batch, RingIo.PEER_TIMEOUT_NANOS))
                {
                    throw new IllegalStateException("no free slots within the peer timeout");
                }
                continue;
            }
            final long last = first + batch - 1;
            for (long sequence = first; sequence <= last; sequence++)
            {
                final WritableFrame frame = producer.frame(sequence);
                Payload.fill(frame.buffer(), 0, FRAME_LENGTH, sequence);
                frame.length(FRAME_LENGTH);
            }
            producer.commitUpTo(last);
            frames += batch;
            if (framesAtWarm < 0)
            {
                final long now = System.nanoTime();
                if (warmDeadline == 0)
                {
                    warmDeadline = now + warmupMillis * 1_000_000L;
                }
                else if (now - warmDeadline >= 0)
                {
                    framesAtWarm = frames;
                    allocatedAtWarm = ChildContext.allocatedBytes();
                }
            }
        }
        final long allocated = ChildContext.allocatedBytes() - allocatedAtWarm;
        ctx.result("frames", frames);
        ctx.result("allocBytesPerFrame", framesAtWarm < 0 ? Double.NaN : (double)allocated / (frames - framesAtWarm));
    }

    private static void consume(final ChildContext ctx, final ShmConsumer consumer, final int drainLimit,
        final long warmupMillis, final long measureMillis)
    {
        final Checker checker = new Checker();
        final WindowClock clock = new WindowClock(warmupMillis, measureMillis, 4096);
        while (true)
        {
            final int drained = consumer.drain(checker, drainLimit);
            if (drained == 0)
            {
                if (!consumer.awaitFrames(RingIo.PEER_TIMEOUT_NANOS))
                {
                    throw new IllegalStateException("no frame within the peer timeout");
                }
                if (consumer.drain(checker, drainLimit) == 0)
                {
                    final long code = consumer.poll();
                    if (code < 0 && code != ShmConsumer.EMPTY)
                    {
                        throw new IllegalStateException("producer ended: " + code + " " + consumer.producerError());
                    }
                    if (code >= 0)
                    {
                        checker.onFrame(consumer.frame(code));
                        consumer.release(code);
                    }
                }
                continue;
            }
            if (clock.tick(checker.frames))
            {
                break;
            }
        }
        consumer.cancel();
        ctx.log("slice rates, M frames/s: " + clock.slicesText());
        ctx.result("framesPerSecond", clock.medianSliceFramesPerSecond());
        ctx.result("windowFramesPerSecond", clock.framesPerSecond());
        ctx.result("framesMeasured", clock.framesInWindow());
        ctx.result("errors", checker.errors);
        ctx.result("allocBytesPerFrame", clock.allocatedBytesPerFrame());
    }

    /** Reads every byte of each frame and checks it is the frame with the next sequence. */
    private static final class Checker implements FrameHandler
    {
        long frames;
        long errors;

        @Override
        public void onFrame(final Frame frame)
        {
            final long expected = frames++;
            if (Payload.sum(frame.buffer(), 0, frame.length()) != Payload.expectedSum(expected, FRAME_LENGTH))
            {
                errors++;
            }
        }
    }
}
