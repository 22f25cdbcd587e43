package dev.shmstreams.benchmarks.peers;

import dev.shmstreams.benchmarks.Affinity;
import dev.shmstreams.benchmarks.ChildContext;
import org.agrona.BufferUtil;
import org.agrona.concurrent.OneToOneConcurrentArrayQueue;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.List;
import java.util.function.Consumer;

/**
 * The limit: the same fill and the same read as every peer, pipelined across two threads of one
 * process (pinned like the other peers' producer and consumer), which hand each other references to
 * preallocated page-aligned off-heap buffers through two in-process SPSC queues (filled, free):
 * no file, no copy, no descriptor, no system call. What is left is writing and reading every byte
 * and one reference crossing the cores per message. Both threads busy-spin.
 */
final class LimitPeer
{
    private LimitPeer()
    {
    }

    static void run(final ChildContext ctx, final PhaseControl control, final List<Phase> phases) throws Exception
    {
        ctx.pin("cpu");
        for (int p = 0; p < phases.size(); p++)
        {
            final Phase phase = phases.get(p);
            final int slots = phase.slots();
            final OneToOneConcurrentArrayQueue<UnsafeBuffer> free = new OneToOneConcurrentArrayQueue<>(slots);
            final OneToOneConcurrentArrayQueue<UnsafeBuffer> filled = new OneToOneConcurrentArrayQueue<>(slots);
            final int stride = Math.max(phase.length, 128);
            final UnsafeBuffer memory = new UnsafeBuffer(BufferUtil.allocateDirectAligned(stride * slots, 4096));
            for (int i = 0; i < slots; i++)
            {
                free.offer(new UnsafeBuffer(memory, i * stride, phase.length));
            }
            final Sender sender = new Sender(phase, control, p).withRealtimeWait();
            final Thread producer = new Thread(() -> produce(ctx, sender, free, filled), "limit-producer");
            producer.setDaemon(true);
            producer.start();

            final Meter meter = new Meter(ctx, control, p, phase);
            final Consumer<UnsafeBuffer> reader = buffer ->
            {
                meter.accept(buffer, 0, buffer.capacity());
                free.offer(buffer);
            };
            final long deadline = System.nanoTime() + PeerChild.PEER_TIMEOUT_NANOS;
            while (!meter.done())
            {
                if (filled.drain(reader, 256) == 0)
                {
                    if (System.nanoTime() - deadline > 0 || !producer.isAlive())
                    {
                        throw new IllegalStateException("the limit's producer stopped sending");
                    }
                    Thread.onSpinWait();
                }
            }
            producer.join(10_000);
            meter.report();
        }
    }

    private static void produce(final ChildContext ctx, final Sender sender,
        final OneToOneConcurrentArrayQueue<UnsafeBuffer> free, final OneToOneConcurrentArrayQueue<UnsafeBuffer> filled)
    {
        Affinity.pinCurrentThread(ctx.integer("producerCpu"));
        try
        {
            while (!sender.stopped())
            {
                final long intended = sender.awaitDue();
                UnsafeBuffer buffer;
                while ((buffer = free.poll()) == null)
                {
                    if (sender.stopped())
                    {
                        return;
                    }
                    Thread.onSpinWait();
                }
                sender.write(buffer, 0, intended);
                filled.offer(buffer);
            }
        }
        finally
        {
            sender.finish();
        }
    }
}
