package dev.shmstreams.transport.it;

import dev.shmstreams.transport.WritableFrame;
import org.agrona.MutableDirectBuffer;

import java.util.SplittableRandom;
import java.util.zip.CRC32C;

/**
 * The frames every cross-process test sends: length, payload and frame id are pure functions of
 * (seed, sequence), so a consumer in another process can recompute what it should have received
 * without any channel back to the producer.
 *
 * <p>Lengths cover the edges often: one frame in sixteen is empty, one in sixteen fills the slot
 * exactly, the rest are uniform over {@code 0 .. maxLength}. The CRC32C of the payload travels in
 * the slot descriptor's user metadata, separately from the payload it protects, so a consumer
 * reading a slot the producer is already rewriting (a lost release, a wrong sequence check) sees
 * a mismatch even where the recomputed payload would hide which side is wrong.
 *
 * <pre>
 *   user metadata: +0 CRC32C of the payload (u32)  +4 length (u32)  +8 sequence (u64)  +16 seed (u64)
 * </pre>
 */
final class FramePattern
{
    static final int CRC_OFFSET = 0;
    static final int LENGTH_OFFSET = 4;
    static final int SEQUENCE_OFFSET = 8;
    static final int SEED_OFFSET = 16;

    private FramePattern()
    {
    }

    /** @return a well-mixed 64-bit value unique to (seed, sequence) (SplitMix64 finaliser). */
    static long mix(final long seed, final long sequence)
    {
        long z = seed * 0x9E3779B97F4A7C15L + sequence + 0x632BE59BD9B4E019L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** @return the frame id the producer sets: never equal to the default (the sequence) by accident. */
    static long frameId(final long seed, final long sequence)
    {
        return mix(seed, sequence) & Long.MAX_VALUE;
    }

    static int length(final long seed, final long sequence, final int maxLength)
    {
        final SplittableRandom random = new SplittableRandom(mix(seed, ~sequence));
        final int kind = random.nextInt(16);
        return kind == 0 ? 0 : kind == 1 ? maxLength : random.nextInt(maxLength + 1);
    }

    /** Writes the payload of (seed, sequence) at offset 0 of {@code buffer}, {@code length} bytes. */
    static void fill(final MutableDirectBuffer buffer, final long seed, final long sequence, final int length)
    {
        final SplittableRandom random = new SplittableRandom(mix(seed, sequence));
        int i = 0;
        for (; i + Long.BYTES <= length; i += Long.BYTES)
        {
            buffer.putLong(i, random.nextLong());
        }
        long tail = random.nextLong();
        for (; i < length; i++)
        {
            buffer.putByte(i, (byte)tail);
            tail >>>= 8;
        }
    }

    /**
     * Write frame {@code sequence} into a claimed slot: payload, frame id and user metadata.
     *
     * @param frame     the claimed frame.
     * @param seed      the test's seed.
     * @param maxLength the largest length to pick.
     * @param crc       scratch checksum.
     * @param scratch   scratch array of at least {@code maxLength} bytes.
     * @return the length to commit.
     */
    static int write(
        final WritableFrame frame, final long seed, final int maxLength, final CRC32C crc, final byte[] scratch)
    {
        final long sequence = frame.sequence();
        final int length = length(seed, sequence, maxLength);
        final MutableDirectBuffer buffer = frame.buffer();
        fill(buffer, seed, sequence, length);
        buffer.getBytes(0, scratch, 0, length);
        crc.reset();
        crc.update(scratch, 0, length);
        final MutableDirectBuffer metadata = frame.metadata();
        metadata.putInt(CRC_OFFSET, (int)crc.getValue());
        metadata.putInt(LENGTH_OFFSET, length);
        metadata.putLong(SEQUENCE_OFFSET, sequence);
        metadata.putLong(SEED_OFFSET, seed);
        frame.frameId(frameId(seed, sequence));
        return length;
    }
}
