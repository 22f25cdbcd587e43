package dev.shmstreams.examples.video;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * A moving NV12 test pattern rendered in place, eight bytes per store, and the checksum that lets
 * the consumer verify every byte it reads against what frame {@code n} must contain. Y is a diagonal
 * gradient scrolling by four levels a frame with a bright horizontal bar sweeping down; the
 * interleaved UV plane is a slower gradient.
 *
 * <p>The checksum is a polynomial hash of the frame's 64-bit little-endian words
 * {@code w[0..N-1]}: {@code sum(w[i] * K^(N-1-i)) mod 2^64} for an odd {@code K}. Every word counts
 * at its own position, so a changed, moved or swapped word changes it (a rotate-xor would miss two
 * words swapped 64 positions apart, and the scrolling gradient repeats rows four rows down).
 *
 * <p>What frame {@code n} must hash to is known in closed form: a row of the pattern is one of 256
 * gradient rows (or the bar), so {@link #checksum(long)} sums precomputed row hashes weighted by
 * precomputed powers of {@code K}, about 1.5 x height multiply-adds a frame (3,240 at 4K) instead of
 * rendering the frame again. The consumer recomputes the hash over the bytes it reads
 * ({@link #inspect}) in four independent lanes, so the multiplications overlap and the loop stays
 * bound by memory reads.
 */
public final class Nv12Pattern
{
    /** The hash's multiplier: odd, so each position's weight {@code K^j} is invertible mod 2^64. */
    static final long K = 0x9E3779B97F4A7C15L;
    private static final long K2 = K * K;
    private static final long K3 = K2 * K;
    private static final long K4 = K2 * K2;
    private static final long LOW_BYTES = 0x00FF00FF00FF00FFL;
    /** RAMP[v]: the eight bytes v, v+1, ..., v+7 (mod 256), little-endian. */
    private static final long[] RAMP = new long[256];
    private static final long BAR = 0xEBEBEBEBEBEBEBEBL;
    private static final int BAR_ROWS = 16;
    private static final int LUMA_CHUNK = 32 * 32;

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
    private final int wordsPerRow;
    /** lumaRow[s]: the hash of a Y row whose gradient starts at s; barRow: of a bar row. */
    private final long[] lumaRow = new long[256];
    private final long barRow;
    /** chromaRow[s]: the hash of a UV row whose gradient starts at s. */
    private final long[] chromaRow = new long[256];
    /** rowWeight[r]: K^(words after row r), r counting Y rows then UV rows. */
    private final long[] rowWeight;

    /**
     * @param width  a multiple of 32 (a row is a whole number of the hash's four lanes).
     * @param height even.
     */
    public Nv12Pattern(final int width, final int height)
    {
        if (width <= 0 || height <= 0 || width % 32 != 0 || height % 2 != 0)
        {
            throw new IllegalArgumentException("width must be a positive multiple of 32 and height even: " + width +
                "x" + height);
        }
        this.width = width;
        this.height = height;
        this.wordsPerRow = width / 8;
        for (int s = 0; s < 256; s++)
        {
            long luma = 0;
            long chroma = 0;
            for (int xw = 0; xw < wordsPerRow; xw++)
            {
                luma = luma * K + RAMP[(s + 8 * xw) & 0xFF];
                chroma = chroma * K + RAMP[(s + (xw >> 1)) & 0xFF];
            }
            lumaRow[s] = luma;
            chromaRow[s] = chroma;
        }
        long bar = 0;
        for (int xw = 0; xw < wordsPerRow; xw++)
        {
            bar = bar * K + BAR;
        }
        this.barRow = bar;
        long rowPower = 1;
        for (int xw = 0; xw < wordsPerRow; xw++)
        {
            rowPower *= K;
        }
        final int rows = height + height / 2;
        this.rowWeight = new long[rows];
        long weight = 1;
        for (int r = rows - 1; r >= 0; r--)
        {
            rowWeight[r] = weight;
            weight *= rowPower;
        }
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
     * @return the checksum of what was written: {@link #checksum(long)}.
     */
    public long render(final MutableDirectBuffer buffer, final long frameNumber)
    {
        final int shift = lumaShift(frameNumber);
        final int barTop = barTop(frameNumber);
        int offset = 0;
        for (int y = 0; y < height; y++)
        {
            final boolean bar = y >= barTop && y < barTop + BAR_ROWS;
            final int start = y + shift;
            for (int x = 0; x < width; x += 8, offset += 8)
            {
                buffer.putLong(offset, bar ? BAR : RAMP[(start + x) & 0xFF]);
            }
        }
        final int uvShift = chromaShift(frameNumber);
        for (int y = 0; y < height / 2; y++)
        {
            final int start = 64 + y / 4 + uvShift;
            for (int x = 0; x < width; x += 8, offset += 8)
            {
                buffer.putLong(offset, RAMP[(start + (x >> 4)) & 0xFF]);
            }
        }
        return checksum(frameNumber);
    }

    /**
     * What frame {@code frameNumber} hashes to, from the frame number and the geometry alone.
     *
     * @param frameNumber the frame id, 0 or more.
     * @return the checksum {@link #inspect} computes over a frame holding exactly that frame's pattern.
     */
    public long checksum(final long frameNumber)
    {
        final int shift = lumaShift(frameNumber);
        final int barTop = barTop(frameNumber);
        long sum = 0;
        for (int y = 0; y < height; y++)
        {
            final long row = y >= barTop && y < barTop + BAR_ROWS ? barRow : lumaRow[(y + shift) & 0xFF];
            sum += rowWeight[y] * row;
        }
        final int uvShift = chromaShift(frameNumber);
        for (int y = 0; y < height / 2; y++)
        {
            sum += rowWeight[height + y] * chromaRow[(64 + y / 4 + uvShift) & 0xFF];
        }
        return sum;
    }

    private static int lumaShift(final long frameNumber)
    {
        return (int)((frameNumber * 4) & 0xFF);
    }

    private static int chromaShift(final long frameNumber)
    {
        return (int)(frameNumber & 0xFF);
    }

    private int barTop(final long frameNumber)
    {
        return (int)Math.floorMod(frameNumber * 8, (long)height);
    }

    /**
     * Read every byte of a frame in place: its checksum and the mean luma.
     *
     * @param buffer the frame, at least {@link #frameLength()} bytes.
     * @param result receives checksum and luma mean.
     */
    public void inspect(final DirectBuffer buffer, final Inspection result)
    {
        final int lumaLength = width * height;
        final int length = frameLength();
        long lane0 = 0;
        long lane1 = 0;
        long lane2 = 0;
        long lane3 = 0;
        long lumaSum = 0;
        int offset = 0;
        while (offset < lumaLength)
        {
            // Y bytes summed in the four 16-bit lanes of `pairs`: at most 8 x 255 a lane per iteration,
            // so 32 iterations (1 KiB) fit before the lanes are folded into lumaSum
            long pairs = 0;
            final int end = Math.min(lumaLength, offset + LUMA_CHUNK);
            for (; offset < end; offset += 32)
            {
                final long w0 = buffer.getLong(offset);
                final long w1 = buffer.getLong(offset + 8);
                final long w2 = buffer.getLong(offset + 16);
                final long w3 = buffer.getLong(offset + 24);
                lane0 = lane0 * K4 + w0;
                lane1 = lane1 * K4 + w1;
                lane2 = lane2 * K4 + w2;
                lane3 = lane3 * K4 + w3;
                pairs += (w0 & LOW_BYTES) + ((w0 >>> 8) & LOW_BYTES) + (w1 & LOW_BYTES) + ((w1 >>> 8) & LOW_BYTES) +
                    (w2 & LOW_BYTES) + ((w2 >>> 8) & LOW_BYTES) + (w3 & LOW_BYTES) + ((w3 >>> 8) & LOW_BYTES);
            }
            lumaSum += (pairs & 0xFFFF) + ((pairs >>> 16) & 0xFFFF) + ((pairs >>> 32) & 0xFFFF) + (pairs >>> 48);
        }
        for (; offset < length; offset += 32)
        {
            lane0 = lane0 * K4 + buffer.getLong(offset);
            lane1 = lane1 * K4 + buffer.getLong(offset + 8);
            lane2 = lane2 * K4 + buffer.getLong(offset + 16);
            lane3 = lane3 * K4 + buffer.getLong(offset + 24);
        }
        // lane j holds the words i = 4m + j, weighted K^(4(M-1-m)); the full weight is K^(N-1-i)
        result.checksum = lane0 * K3 + lane1 * K2 + lane2 * K + lane3;
        result.lumaMean = (double)lumaSum / lumaLength;
    }

    /** Reused result of {@link #inspect}: no allocation per frame. */
    public static final class Inspection
    {
        public long checksum;
        public double lumaMean;
    }
}
