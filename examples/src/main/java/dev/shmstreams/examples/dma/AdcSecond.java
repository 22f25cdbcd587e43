package dev.shmstreams.examples.dma;

import java.io.PrintStream;

/** The fold of the ADC graph: prints each channel's RMS once per emulated second, keeps the totals. */
final class AdcSecond
{
    private static final long SECOND = 1_000_000_000L;

    private final PrintStream out;
    private final double[] squares;
    private final long[] counts;
    private long second = -1;
    long samples;
    long wrong;

    AdcSecond(final int channels, final PrintStream out)
    {
        this.out = out;
        this.squares = new double[channels];
        this.counts = new long[channels];
    }

    AdcSecond add(final AdcBlock block)
    {
        final long blockSecond = (block.completeNanos - 1) / SECOND;
        if (second >= 0 && blockSecond != second)
        {
            flush();
        }
        second = blockSecond;
        for (int c = 0; c < squares.length; c++)
        {
            squares[c] += block.squares[c];
            counts[c] += block.counts[c];
            samples += block.counts[c];
        }
        wrong += block.wrong;
        return this;
    }

    /** Print the second in progress. */
    AdcSecond flush()
    {
        if (counts[0] == 0)
        {
            return this;
        }
        final StringBuilder line = new StringBuilder(String.format("   emulated second %d:", second + 1));
        for (int c = 0; c < squares.length; c++)
        {
            line.append(String.format("  ch%d RMS %6.1f (%d samples)", c, Math.sqrt(squares[c] / counts[c]), counts[c]));
            squares[c] = 0;
            counts[c] = 0;
        }
        out.println(line);
        return this;
    }
}
