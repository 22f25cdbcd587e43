package dev.shmstreams.benchmarks;

import dev.shmstreams.transport.Frame;
import dev.shmstreams.transport.ShmConsumer;
import dev.shmstreams.transport.ShmProducer;
import dev.shmstreams.transport.WaitStrategy;
import dev.shmstreams.transport.WritableFrame;
import org.HdrHistogram.Histogram;

/**
 * Cross-process latency of a 64-byte frame over the ring with {@link WaitStrategy#BUSY_SPIN}, by
 * ping-pong over two channels. "ping" stamps {@code t0 = System.nanoTime()}, fills the frame with
 * it and sends it on channel {@code ping}; "pong" receives it, records {@code now - t0} (one way,
 * CLOCK_MONOTONIC is one clock for every process) and echoes the same frame content on channel
 * {@code pong}; ping records the round trip. {@link LatencySpin} does exactly the same over one
 * shared long in each direction. Closed loop: one frame in flight.
 *
 * <p>The same two processes, pinned the same way, then run what-ifs and floors back to back, each
 * reported under its own key: the ring with the sender setting the frame timestamp itself
 * ({@link WritableFrame#timestampNanos(long)}), so commit does not read the clock
 * ({@code stamped.*}); the bare spin on one long ({@code calib.*}, the same as {@link LatencySpin});
 * and the {@link LatencyLines} floors with 2 and 3 cache lines per direction ({@code lines2.*},
 * {@code lines3.*}). In a VM the distance between the two vCPUs can change from one minute to the
 * next (a round trip here is either about 0.16 or about 0.5 µs); ratios taken within the same
 * processes, seconds apart, are not fooled by that.
 */
final class LatencyRing
{
    static final int FRAME_LENGTH = 64;
    private static final int SLOTS = 8;

    private LatencyRing()
    {
    }

    static void run(final ChildContext ctx, final String role)
    {
        final String round = ctx.string("round");
        final int warmup = ctx.integer("warmup");
        final int count = ctx.integer("count");
        ctx.pin("cpu");
        ring(ctx, role, "lat-r" + round, warmup, count, false, "");
        ring(ctx, role, "lat-stamped-r" + round, warmup, count, true, "stamped.");
        try (MappedFile file = new MappedFile(ctx.directory().resolve(ctx.string("control"))))
        {
            final boolean ping = "ping".equals(role);
            if (ping)
            {
                LatencySpin.pinger(ctx, file.buffer(), warmup / 2, count / 2, "calib.rtt");
            }
            else
            {
                LatencySpin.ponger(ctx, file.buffer(), warmup / 2, count / 2, "calib.oneway");
            }
            LatencyLines.run(ctx, file.buffer(), ping, false, warmup / 2, count / 2, "lines2.");
            LatencyLines.run(ctx, file.buffer(), ping, true, warmup / 2, count / 2, "lines3.");
        }
    }

    private static void ring(
        final ChildContext ctx, final String role, final String name, final int warmup, final int count,
        final boolean senderStamps, final String prefix)
    {
        final String ping = name + "-ping";
        final String pong = name + "-pong";
        if ("ping".equals(role))
        {
            try (ShmProducer producer = ShmProducer.create(
                RingIo.settings(ctx, ping, SLOTS, FRAME_LENGTH, WaitStrategy.BUSY_SPIN));
                ShmConsumer consumer = ShmConsumer.attach(
                    RingIo.settings(ctx, pong, SLOTS, FRAME_LENGTH, WaitStrategy.BUSY_SPIN)))
            {
                pinger(ctx, producer, consumer, warmup, count, senderStamps, prefix);
                producer.complete();
            }
        }
        else
        {
            try (ShmProducer producer = ShmProducer.create(
                RingIo.settings(ctx, pong, SLOTS, FRAME_LENGTH, WaitStrategy.BUSY_SPIN));
                ShmConsumer consumer = ShmConsumer.attach(
                    RingIo.settings(ctx, ping, SLOTS, FRAME_LENGTH, WaitStrategy.BUSY_SPIN)))
            {
                ponger(ctx, producer, consumer, warmup, count, senderStamps, prefix);
                producer.complete();
                producer.awaitConsumed(RingIo.PEER_TIMEOUT_NANOS);
            }
        }
    }

    private static void send(final ShmProducer producer, final long t0, final boolean senderStamps)
    {
        final long sequence = RingIo.claim(producer);
        final WritableFrame frame = producer.frame(sequence);
        Payload.fill(frame.buffer(), 0, FRAME_LENGTH, t0);
        if (senderStamps)
        {
            frame.timestampNanos(t0);
        }
        producer.commit(sequence, FRAME_LENGTH);
    }

    private static void pinger(
        final ChildContext ctx, final ShmProducer producer, final ShmConsumer consumer, final int warmup,
        final int count, final boolean senderStamps, final String prefix)
    {
        final Histogram rtt = ChildContext.newLatencyHistogram();
        long errors = 0;
        long allocated = 0;
        for (int i = -warmup; i < count; i++)
        {
            if (i == 0)
            {
                rtt.reset();
                allocated = ChildContext.allocatedBytes();
            }
            final long t0 = System.nanoTime();
            send(producer, t0, senderStamps);
            final long sequence = RingIo.receive(consumer);
            final long t1 = System.nanoTime();
            final Frame frame = consumer.frame(sequence);
            if (Payload.sum(frame.buffer(), 0, frame.length()) != Payload.expectedSum(t0, FRAME_LENGTH))
            {
                errors++;
            }
            frame.release();
            ChildContext.record(rtt, t1 - t0);
        }
        allocated = ChildContext.allocatedBytes() - allocated;
        ctx.result(prefix + "rtt", rtt);
        ctx.result(prefix + "errors", errors);
        ctx.result(prefix + "allocBytesPerFrame", (double)allocated / count);
    }

    private static void ponger(
        final ChildContext ctx, final ShmProducer producer, final ShmConsumer consumer, final int warmup,
        final int count, final boolean senderStamps, final String prefix)
    {
        final Histogram oneWay = ChildContext.newLatencyHistogram();
        long errors = 0;
        long allocated = 0;
        for (int i = -warmup; i < count; i++)
        {
            if (i == 0)
            {
                oneWay.reset();
                allocated = ChildContext.allocatedBytes();
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
            ChildContext.record(oneWay, t1 - t0);
            send(producer, t0, senderStamps);
        }
        allocated = ChildContext.allocatedBytes() - allocated;
        ctx.result(prefix + "oneway", oneWay);
        ctx.result(prefix + "errors", errors);
        ctx.result(prefix + "allocBytesPerFrame", (double)allocated / count);
    }
}
