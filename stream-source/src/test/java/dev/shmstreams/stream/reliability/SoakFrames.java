package dev.shmstreams.stream.reliability;

import dev.shmstreams.stream.FrameWriter;
import dev.shmstreams.stream.ShmFrame;
import dev.shmstreams.stream.SinkToSourceHelpers;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;

/**
 * The stage soak's frames: a random template copied into the slot, the frame's number stamped at
 * the start, the middle and the end, the CRC32C of the whole payload (computed over the slot in
 * place) in the user metadata with the number again. The consumer recomputes the CRC in place.
 *
 * <pre>
 *   user metadata: +0 CRC32C of the payload (u32)  +8 frame number (u64)
 * </pre>
 */
final class SoakFrames
{
    static final int CRC_OFFSET = 0;
    static final int NUMBER_OFFSET = 8;

    private SoakFrames()
    {
    }

    /** @return a writer of frame n, {@code length} bytes, for one sink (it reuses its checksum). */
    static FrameWriter<Integer> writer(final int length, final long seed)
    {
        final byte[] template = new byte[length];
        new SplittableRandom(seed).nextBytes(template);
        final CRC32C crc = new CRC32C();
        return (n, frame) ->
        {
            final MutableDirectBuffer slot = frame.buffer();
            slot.putBytes(0, template);
            stamp(slot, length, n);
            crc.reset();
            crc.update(view(slot, length));
            frame.metadata().putInt(CRC_OFFSET, (int)crc.getValue());
            frame.metadata().putLong(NUMBER_OFFSET, n);
            return length;
        };
    }

    private static void stamp(final MutableDirectBuffer slot, final int length, final long n)
    {
        slot.putLong(0, n);
        slot.putLong(length / 2 & ~7, n);
        slot.putLong(length - 8, n);
    }

    /**
     * @return the frame's number if it is intact (length, CRC32C, the three stamps and the
     * metadata agree), else -1.
     */
    static long check(final ShmFrame frame, final int length, final CRC32C crc)
    {
        final DirectBuffer slot = frame.buffer();
        final long n = frame.metadata().getLong(NUMBER_OFFSET);
        if (frame.length() != length || slot.getLong(0) != n || slot.getLong(length / 2 & ~7) != n ||
            slot.getLong(length - 8) != n)
        {
            return -1;
        }
        crc.reset();
        crc.update(view(slot, length));
        return (int)crc.getValue() == frame.metadata().getInt(CRC_OFFSET) ? n : -1;
    }

    /** A direct ByteBuffer over the slot, in place: CRC32C reads direct buffers without copying. */
    private static ByteBuffer view(final DirectBuffer slot, final int length)
    {
        return new com.sun.jna.Pointer(slot.addressOffset()).getByteBuffer(0, length);
    }

    /** @return {@code heapAfterGc=bytes rssAnonKb=N}: heap in use right after a full GC, anonymous RSS. */
    static String memory()
    {
        return "heapAfterGc=" + SinkToSourceHelpers.heapAfterGc() + " rssAnonKb=" + rssAnonKb();
    }

    private static long rssAnonKb()
    {
        try
        {
            for (final String line : Files.readAllLines(Path.of("/proc/self/status")))
            {
                if (line.startsWith("RssAnon:"))
                {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        }
        catch (final Exception ignore)
        {
            // unknown
        }
        return -1;
    }
}
