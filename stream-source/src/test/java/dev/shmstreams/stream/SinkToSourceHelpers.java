package dev.shmstreams.stream;

import java.util.SplittableRandom;
import java.util.zip.CRC32C;

/** Checksummed frames for the end-to-end and cross-process tests. */
public final class SinkToSourceHelpers
{
    private SinkToSourceHelpers()
    {
    }

    /** Frame n: a length and bytes derived from n, and their CRC32C in the metadata. */
    public static final FrameWriter<Integer> WRITER = (n, frame) ->
    {
        final SplittableRandom random = new SplittableRandom(n);
        final int length = 8 + random.nextInt(frame.capacity() - 8);
        final CRC32C crc = new CRC32C();
        for (int i = 8; i < length; i += 8)
        {
            final long word = random.nextLong();
            frame.buffer().putLong(i, word);
        }
        frame.buffer().putInt(0, n);
        final byte[] scratch = new byte[length];
        frame.buffer().getBytes(0, scratch, 0, length);
        crc.update(scratch, 0, length);
        frame.metadata().putLong(0, crc.getValue());
        return length;
    };

    /** @return the frame's number after checking its CRC, or throws. */
    public static int verify(final ShmFrame frame)
    {
        try (frame)
        {
            final byte[] bytes = new byte[frame.length()];
            frame.buffer().getBytes(0, bytes);
            final CRC32C crc = new CRC32C();
            crc.update(bytes);
            if (crc.getValue() != frame.metadata().getLong(0))
            {
                throw new IllegalStateException("frame " + frame.sequence() + " is corrupt");
            }
            return frame.buffer().getInt(0);
        }
    }

    /**
     * @return a fresh element of {@code length} bytes (at least 4) for frame {@code n}: n, then
     * bytes derived from it.
     */
    public static byte[] payload(final int n, final int length)
    {
        final byte[] bytes = new byte[Math.max(4, length)];
        new SplittableRandom(n).nextBytes(bytes);
        // little-endian, as the buffer's getInt(0) in verify reads it on x86 and ARM
        bytes[0] = (byte)n;
        bytes[1] = (byte)(n >>> 8);
        bytes[2] = (byte)(n >>> 16);
        bytes[3] = (byte)(n >>> 24);
        return bytes;
    }

    /**
     * @return a writer copying a {@link #payload} element into the slot, its CRC32C in the metadata,
     * so {@link #verify} checks it like a {@link #WRITER} frame.
     */
    public static FrameWriter<byte[]> copyingWriter()
    {
        final CRC32C crc = new CRC32C();
        return (bytes, frame) ->
        {
            frame.buffer().putBytes(0, bytes);
            crc.reset();
            crc.update(bytes, 0, bytes.length);
            frame.metadata().putLong(0, crc.getValue());
            return bytes.length;
        };
    }

    /**
     * @return the heap in use right after a full GC: what each heap pool held when its last
     * collection ended ({@code MemoryPoolMXBean.getCollectionUsage}). Reading the heap's current
     * use after {@code System.gc()} instead adds whatever the running threads allocated since,
     * a whole fresh TLAB per thread: megabytes of noise.
     */
    public static long heapAfterGc()
    {
        System.gc();
        long used = 0;
        for (final java.lang.management.MemoryPoolMXBean pool : java.lang.management.ManagementFactory.getMemoryPoolMXBeans())
        {
            final java.lang.management.MemoryUsage afterGc = pool.getCollectionUsage();
            if (pool.getType() == java.lang.management.MemoryType.HEAP && afterGc != null)
            {
                used += afterGc.getUsed();
            }
        }
        return used;
    }

}
