package dev.shmstreams.benchmarks.peers;

import dev.shmstreams.benchmarks.ChildContext;
import dev.shmstreams.benchmarks.Payload;
import dev.shmstreams.benchmarks.WindowClock;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.List;

/**
 * A reference, not a peer: single-thread memcpy bandwidth (Unsafe.copyMemory between two
 * page-aligned off-heap buffers of the message size) on the consumer's CPU. A transport that copies
 * each frame once pays at least this per copy.
 */
final class MemcpyPeer
{
    private MemcpyPeer()
    {
    }

    static void run(final ChildContext ctx, final List<Phase> phases)
    {
        ctx.pin("cpu");
        for (final Phase phase : phases)
        {
            final UnsafeBuffer source = new UnsafeBuffer(BufferUtil.allocateDirectAligned(phase.length, 4096));
            final UnsafeBuffer target = new UnsafeBuffer(BufferUtil.allocateDirectAligned(phase.length, 4096));
            Payload.fill(source, 0, phase.length, 1);
            final WindowClock clock = new WindowClock(phase.warmupMs, phase.measureMs, 1);
            long copies = 0;
            do
            {
                target.putBytes(0, source, 0, phase.length);
            }
            while (!clock.tick(++copies));
            if (Payload.sum(target, 0, phase.length) != Payload.sum(source, 0, phase.length))
            {
                ctx.result(phase.name + ".errors", 1);
            }
            ctx.result(phase.name + ".bytesPerSecond", clock.medianSliceFramesPerSecond() * phase.length);
        }
    }
}
