package dev.shmstreams.transport.reliability;

import dev.shmstreams.transport.ShmProducer;
import dev.shmstreams.transport.WritableFrame;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;

/**
 * The soak producer: frames of {@code frameLength} bytes (a 4K NV12 picture by default) at full
 * rate for {@code seconds}, each a random template copied in and stamped with its sequence at the
 * start, the middle and the end, its CRC32C (computed over the slot in place) in the user
 * metadata. Lines: {@code MEM phase=start|end ...} ({@link SoakMemory}), {@code DONE published=N
 * seconds=S}.
 */
public final class SoakProducer
{
    static final int CRC_OFFSET = 0;
    static final int SEQUENCE_OFFSET = 8;

    private SoakProducer()
    {
    }

    public static void main(final String[] argv)
    {
        final Child args = Child.init(argv);
        final int frameLength = args.intArg("frameLength", 12_441_600);
        final long seconds = args.longArg("seconds", 30);
        final byte[] template = new byte[frameLength];
        new SplittableRandom(args.longArg("seed", 1)).nextBytes(template);
        final CRC32C crc = new CRC32C();
        final long awaitNs = TimeUnit.MILLISECONDS.toNanos(100);
        try (ShmProducer producer = ShmProducer.create(args.settings().withSlotSize(frameLength)))
        {
            Child.line("CREATED");
            final long start = System.nanoTime();
            final long end = start + TimeUnit.SECONDS.toNanos(seconds);
            final long sampleAt = start + TimeUnit.SECONDS.toNanos(Math.min(5, seconds / 4));
            boolean sampled = false;
            while (System.nanoTime() - end < 0)
            {
                if (!sampled && System.nanoTime() - sampleAt >= 0)
                {
                    Child.line("MEM phase=start " + SoakMemory.sample());
                    sampled = true;
                }
                final long sequence = producer.tryClaim();
                if (sequence >= 0)
                {
                    final WritableFrame frame = producer.frame(sequence);
                    final UnsafeBuffer slot = (UnsafeBuffer)frame.buffer();
                    slot.putBytes(0, template);
                    slot.putLong(0, sequence);
                    slot.putLong(frameLength / 2 & ~7, sequence);
                    slot.putLong(frameLength - 8, sequence);
                    crc.reset();
                    crc.update(view(slot, frameLength));
                    frame.metadata().putInt(CRC_OFFSET, (int)crc.getValue());
                    frame.metadata().putLong(SEQUENCE_OFFSET, sequence);
                    producer.commit(sequence, frameLength);
                }
                else if (sequence == ShmProducer.RING_FULL)
                {
                    producer.awaitSpace(awaitNs);
                }
                else
                {
                    Child.failAndExit("tryClaim returned " + sequence);
                }
            }
            Child.line("MEM phase=end " + SoakMemory.sample());
            producer.complete();
            producer.awaitConsumed(TimeUnit.SECONDS.toNanos(60));
            Child.line("DONE published=" + producer.published() + " seconds=" +
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) / 1000.0);
        }
        System.exit(0);
    }

    /** A direct ByteBuffer over a slot, in place, for CRC32C (which reads direct buffers without copying). */
    static ByteBuffer view(final UnsafeBuffer slot, final int length)
    {
        return new com.sun.jna.Pointer(slot.addressOffset()).getByteBuffer(0, length);
    }
}
