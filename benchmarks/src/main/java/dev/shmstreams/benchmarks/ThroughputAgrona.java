package dev.shmstreams.benchmarks;

import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;

import static dev.shmstreams.benchmarks.Scenarios.STOP_OFFSET;

/**
 * The peer of {@link ThroughputRing}: Agrona's {@link OneToOneRingBuffer} over a mapped /dev/shm
 * file, used zero-copy the way Agrona intends (tryClaim, fill in place, commit per message; the
 * consumer's {@code read} moves the head once per batch). The same fill and read per 64-byte
 * message, the same warm-up and window. When a read finds nothing, the consumer pauses for
 * {@code idleSpins} {@link Thread#onSpinWait()}s before reading again: a consumer that re-reads the
 * very record line the producer is writing steals that line from it on every message, which here
 * costs Agrona up to 5x; a short pause is what Agrona's own idle strategies do, and the best setting
 * found on this machine (1 MiB buffer, 64 pauses: 18-26 M/s undisturbed, against 2-16 M/s for 128
 * KiB and no pause) is the default, so the ring is compared with Agrona at its best.
 */
final class ThroughputAgrona
{
    private static final int MESSAGE_TYPE = 1;

    private ThroughputAgrona()
    {
    }

    static void run(final ChildContext ctx, final String role)
    {
        ctx.pin("cpu");
        try (MappedFile control = new MappedFile(ctx.directory().resolve(ctx.string("control")));
            MappedFile ring = new MappedFile(ctx.directory().resolve(ctx.string("ringFile"))))
        {
            final OneToOneRingBuffer ringBuffer = new OneToOneRingBuffer(ring.buffer());
            if ("producer".equals(role))
            {
                produce(ctx, ringBuffer, control.buffer(), ctx.longValue("warmupMs"));
            }
            else
            {
                consume(ctx, ringBuffer, control.buffer(), ctx.integer("drain"), ctx.longValue("warmupMs"),
                    ctx.longValue("measureMs"), ctx.integer("idleSpins"));
            }
        }
    }

    private static void produce(final ChildContext ctx, final OneToOneRingBuffer ring, final UnsafeBuffer control,
        final long warmupMillis)
    {
        final MutableDirectBuffer buffer = ring.buffer();
        final int length = ThroughputRing.FRAME_LENGTH;
        long frames = 0;
        long framesAtWarm = -1;
        long allocatedAtWarm = 0;
        final long warmDeadline = System.nanoTime() + warmupMillis * 1_000_000L;
        while (true)
        {
            final int index = ring.tryClaim(MESSAGE_TYPE, length);
            if (index < 0)
            {
                if (index != RingBuffer.INSUFFICIENT_CAPACITY)
                {
                    throw new IllegalStateException("claim failed: " + index);
                }
                if (control.getIntVolatile(STOP_OFFSET) != 0)
                {
                    break;
                }
                Thread.onSpinWait();
                continue;
            }
            Payload.fill(buffer, index, length, frames);
            ring.commit(index);
            frames++;
            if ((frames & 1023) == 0)
            {
                if (control.getIntVolatile(STOP_OFFSET) != 0)
                {
                    break;
                }
                if (framesAtWarm < 0 && System.nanoTime() - warmDeadline >= 0)
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

    private static void consume(final ChildContext ctx, final OneToOneRingBuffer ring, final UnsafeBuffer control,
        final int drainLimit, final long warmupMillis, final long measureMillis, final int spinsWhenEmpty)
    {
        final Checker checker = new Checker();
        final WindowClock clock = new WindowClock(warmupMillis, measureMillis, 4096);
        long idleSpins = 0;
        long idleSince = 0;
        while (true)
        {
            if (ring.read(checker, drainLimit) == 0)
            {
                // the clock is read once per 1024 empty polls: a read per poll (~30 ns in this VM)
                // would slow the consumer's reaction to new messages
                if ((++idleSpins & 1023) == 0)
                {
                    final long now = System.nanoTime();
                    if (idleSince == 0)
                    {
                        idleSince = now;
                    }
                    else if (now - idleSince > RingIo.PEER_TIMEOUT_NANOS)
                    {
                        throw new IllegalStateException("no message within the peer timeout");
                    }
                }
                for (int i = 0; i < spinsWhenEmpty; i++)
                {
                    Thread.onSpinWait();
                }
                continue;
            }
            idleSpins = 0;
            idleSince = 0;
            if (clock.tick(checker.frames))
            {
                break;
            }
        }
        control.putIntVolatile(STOP_OFFSET, 1);
        ctx.log("slice rates, M frames/s: " + clock.slicesText());
        ctx.result("framesPerSecond", clock.medianSliceFramesPerSecond());
        ctx.result("windowFramesPerSecond", clock.framesPerSecond());
        ctx.result("framesMeasured", clock.framesInWindow());
        ctx.result("errors", checker.errors);
        ctx.result("allocBytesPerFrame", clock.allocatedBytesPerFrame());
    }

    private static final class Checker implements MessageHandler
    {
        long frames;
        long errors;

        @Override
        public void onMessage(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
        {
            final long expected = frames++;
            if (Payload.sum(buffer, index, length) != Payload.expectedSum(expected, ThroughputRing.FRAME_LENGTH))
            {
                errors++;
            }
        }
    }
}
