package dev.shmstreams.examples.video;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * A moving NV12 test pattern rendered in place, eight bytes per store, and the checksum that lets
 * the consumer verify every byte it reads. Y is a diagonal gradient scrolling by four levels a
 * frame with a bright horizontal bar sweeping down; the interleaved UV plane is a slower gradient.
 *
 * <p>The checksum is a rotate-xor over the frame's 64-bit words, computed while rendering: the
 * consumer recomputes it over the whole frame, so a torn, stale or corrupt frame cannot pass.
 */
public final class Nv12Pattern
{
    /** RAMP[v]: the eight bytes v, v+1, ..., v+7 (mod 256), little-endian. */
    private static final long[] RAMP = new long[256];
    private static final long BAR = 0xEBEBEBEBEBEBEBEBL;

    static
    {
        for (int v = 0; v < 256; v++)
        {
            long word = 0;
            for (int b = 7; b >= 0; b--)
            {
                word = (word << 8) | ((v + b) & 0xFF);
            }
            RAMP[v] = word;
        }
    }

    private final int width;
    private final int height;

    public Nv12Pattern(final int width, final int height)
    {
        if (width % 8 != 0 || height % 2 != 0)
        {
            throw new IllegalArgumentException("width must be a multiple of 8 and height even: " + width + "x" + height);
        }
        this.width = width;
        this.height = height;
    }

    public int width()
    {
        return width;
    }

    public int height()
    {
        return height;
    }

    /** @return bytes in one NV12 frame: Y plane plus half-size interleaved UV plane. */
    public int frameLength()
    {
        return width * height * 3 / 2;
    }

    /**
     * Render frame {@code frameNumber} into {@code buffer} at offset 0.
     *
     * @return the checksum of what was written.
     */
    public long render(final MutableDirectBuffer buffer, final long frameNumber)
    {
        final int shift = (int)(frameNumber * 4);
        final int barTop = (int)((frameNumber * 8) % height);
        long checksum = 0;
        int offset = 0;
        for (int y = 0; y < height; y++)
        {
            final boolean bar = y >= barTop && y < barTop + 16;
            final int start = y + shift;
            for (int x = 0; x < width; x += 8, offset += 8)
            {
                final long word = bar ? BAR : RAMP[(start + x) & 0xFF];
                buffer.putLong(offset, word);
                checksum = Long.rotateLeft(checksum, 1) ^ word;
            }
        }
        final int uvShift = (int)frameNumber;
        for (int y = 0; y < height / 2; y++)
        {
            final int start = 64 + y / 4 + uvShift;
            for (int x = 0; x < width; x += 8, offset += 8)
            {
                final long word = RAMP[(start + (x >> 4)) & 0xFF];
                buffer.putLong(offset, word);
                checksum = Long.rotateLeft(checksum, 1) ^ word;
            }
        }
        return checksum;
    }

    /**
     * Read every byte of a frame: recompute its checksum and the mean luma.
     *
     * @param buffer the frame, in place.
     * @param result receives checksum and luma mean.
     */
    public void inspect(final DirectBuffer buffer, final Inspection result)
    {
        final int lumaLength = width * height;
        final int length = frameLength();
        long checksum = 0;
        long lumaSum = 0;
        int offset = 0;
        for (; offset < lumaLength; offset += 8)
        {
            final long word = buffer.getLong(offset);
            checksum = Long.rotateLeft(checksum, 1) ^ word;
            final long pairs = (word & 0x00FF00FF00FF00FFL) + ((word >>> 8) & 0x00FF00FF00FF00FFL);
            lumaSum += (pairs * 0x0001000100010001L) >>> 48;
        }
        for (; offset < length; offset += 8)
        {
            checksum = Long.rotateLeft(checksum, 1) ^ buffer.getLong(offset);
        }
        result.checksum = checksum;
        result.lumaMean = (double)lumaSum / lumaLength;
    }

    /** Reused result of {@link #inspect}: no allocation per frame. */
    public static final class Inspection
    {
        public long checksum;
        public double lumaMean;
    }
}
