package dev.shmstreams.benchmarks;

import org.agrona.BufferUtil;
import org.agrona.concurrent.OneToOneConcurrentArrayQueue;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The physical limit for {@link LargeFrameRing}: the same fill and the same read, pipelined across
 * two threads of one process (pinned to the same two CPUs as the ring's producer and consumer),
 * which hand each other references to preallocated, page-aligned off-heap frames through two
 * in-process SPSC queues (filled, free). No shared-memory file, no copy, no descriptor, no
 * sequence checks: what is left is the memory traffic of writing and reading every byte.
 *
 * <p>It runs inside the ring consumer's process, in phases that alternate with the ring's (the ring
 * producer process sleeps meanwhile), so that ring and limit are measured in the same minute on the
 * same pair of CPUs: on this VM the speed of moving 12 MB between the two vCPUs changes by 3x from
 * one minute to the next, and ring and limit measured minutes apart cannot be compared.
 */
final class LargeFrameLimit
{
    private final ChildContext ctx;
    private final int length;
    private final OneToOneConcurrentArrayQueue<Slot> free;
    private final OneToOneConcurrentArrayQueue<Slot> filled;
    private volatile boolean stopped;
    private long frames;
    private long errors;

    /** A preallocated frame and what the producer put in it. */
    private static final class Slot
    {
        final UnsafeBuffer buffer;
        long frame;

        Slot(final int length)
        {
            buffer = new UnsafeBuffer(BufferUtil.allocateDirectAligned(length, 4096));
        }
    }

    LargeFrameLimit(final ChildContext ctx, final int slots, final int length)
    {
        this.ctx = ctx;
        this.length = length;
        this.free = new OneToOneConcurrentArrayQueue<>(slots);
        this.filled = new OneToOneConcurrentArrayQueue<>(slots);
        for (int i = 0; i < slots; i++)
        {
            free.offer(new Slot(length));
        }
    }

    /**
     * One phase: start the producer thread, consume on the calling (pinned) thread for the clock's
     * warm-up and window, stop the producer and take every frame back.
     *
     * @param clock the phase's clock.
     */
    void run(final WindowClock clock) throws InterruptedException
    {
        stopped = false;
        final long first = frames;
        final Thread producer = new Thread(() -> produce(first), "limit-producer");
        producer.setDaemon(true);
        producer.start();
        do
        {
            Slot slot;
            while ((slot = filled.poll()) == null)
            {
                Thread.onSpinWait();
            }
            if (slot.frame != frames ||
                Payload.sum(slot.buffer, 0, length) != Payload.expectedSum(LargeFrameRing.pattern(frames), length))
            {
                errors++;
            }
            free.offer(slot);
            frames++;
        }
        while (!clock.tick(frames));
        stopped = true;
        producer.join(10_000);
        Slot slot;
        while ((slot = filled.poll()) != null)
        {
            free.offer(slot);
        }
        frames = 0;
    }

    long errors()
    {
        return errors;
    }

    private void produce(final long first)
    {
        Affinity.pinCurrentThread(ctx.integer("producerCpu"));
        long frame = first;
        while (!stopped)
        {
            final Slot slot = free.poll();
            if (slot == null)
            {
                Thread.onSpinWait();
                continue;
            }
            slot.frame = frame;
            Payload.fill(slot.buffer, 0, length, LargeFrameRing.pattern(frame));
            filled.offer(slot);
            frame++;
        }
    }
}
