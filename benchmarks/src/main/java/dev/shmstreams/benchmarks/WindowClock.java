package dev.shmstreams.benchmarks;

import java.util.Arrays;

/**
 * Splits a consumer's run into a warm-up and a measured window by elapsed time, counting frames,
 * so that throughput is frames in the window over the window's length and JIT warm-up stays out
 * of it. The window is also cut into {@value #SLICES} equal slices: on a shared machine another
 * process now and then takes a core for a few milliseconds, which stalls a spinning pair, and the
 * median slice rate is robust to that where the whole-window rate is not. Both are reported.
 * Allocation of the calling thread is sampled at the window's edges.
 */
public final class WindowClock
{
    public static final int SLICES = 10;

    private final long warmupNanos;
    private final long measureNanos;
    private final long sliceNanos;
    private final long stride;
    private final double[] sliceRates = new double[SLICES];
    private int slices;
    private long nextCheck;
    private long started;
    private long windowStart;
    private long windowEnd;
    private long sliceStart;
    private long framesAtSliceStart;
    private long framesAtStart;
    private long framesInWindow;
    private long allocatedAtStart;
    private long allocatedInWindow;

    /**
     * @param warmupMillis  warm-up length.
     * @param measureMillis measured window length.
     * @param stride        read the clock only every this many frames (a clock read costs ~30 ns in
     *                      this VM, as much as a small frame): the window edges move by at most a
     *                      stride, which is negligible against millions of frames.
     */
    public WindowClock(final long warmupMillis, final long measureMillis, final long stride)
    {
        this.warmupNanos = warmupMillis * 1_000_000L;
        this.measureNanos = measureMillis * 1_000_000L;
        this.sliceNanos = measureNanos / SLICES;
        this.stride = stride;
    }

    /**
     * @param frames frames handled so far.
     * @return true once the measured window is over.
     */
    public boolean tick(final long frames)
    {
        if (frames < nextCheck)
        {
            return false;
        }
        nextCheck = frames + stride;
        final long now = System.nanoTime();
        if (started == 0)
        {
            started = now;
        }
        else if (windowStart == 0)
        {
            if (now - started >= warmupNanos)
            {
                windowStart = now;
                sliceStart = now;
                framesAtStart = frames;
                framesAtSliceStart = frames;
                allocatedAtStart = ChildContext.allocatedBytes();
            }
        }
        else
        {
            if (now - sliceStart >= sliceNanos && slices < SLICES)
            {
                sliceRates[slices++] = (frames - framesAtSliceStart) * 1e9 / (now - sliceStart);
                sliceStart = now;
                framesAtSliceStart = frames;
            }
            if (now - windowStart >= measureNanos)
            {
                windowEnd = now;
                framesInWindow = frames - framesAtStart;
                allocatedInWindow = ChildContext.allocatedBytes() - allocatedAtStart;
                return true;
            }
        }
        return false;
    }

    /** @return true from the start of the measured window on (also once it is over). */
    public boolean measuring()
    {
        return windowStart != 0;
    }

    public double framesPerSecond()
    {
        return framesInWindow * 1e9 / (windowEnd - windowStart);
    }

    /** @return the median of the slices' rates (the whole window's rate if no slice completed). */
    public double medianSliceFramesPerSecond()
    {
        return slices == 0 ? framesPerSecond() : median(sliceRates());
    }

    /** @return the rates of the slices completed, frames/s. */
    public double[] sliceRates()
    {
        return Arrays.copyOf(sliceRates, slices);
    }

    /** @return the median of a set of rates (NaN if empty). */
    public static double median(final double[] rates)
    {
        if (rates.length == 0)
        {
            return Double.NaN;
        }
        final double[] sorted = rates.clone();
        Arrays.sort(sorted);
        final int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /** @return the slices' rates in M frames/s, for the log. */
    public String slicesText()
    {
        final StringBuilder text = new StringBuilder();
        for (int i = 0; i < slices; i++)
        {
            text.append(i == 0 ? "" : " ").append(String.format(java.util.Locale.ROOT, "%.3g", sliceRates[i] / 1e6));
        }
        return text.toString();
    }

    public long framesInWindow()
    {
        return framesInWindow;
    }

    long allocatedInWindow()
    {
        return allocatedInWindow;
    }

    public long windowNanos()
    {
        return windowEnd - windowStart;
    }

    double allocatedBytesPerFrame()
    {
        return framesInWindow == 0 ? Double.NaN : (double)allocatedInWindow / framesInWindow;
    }
}
