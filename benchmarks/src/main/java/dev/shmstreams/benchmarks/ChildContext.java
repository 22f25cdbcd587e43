package dev.shmstreams.benchmarks;

import org.HdrHistogram.Histogram;

import java.io.FileNotFoundException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * What a child role gets from the harness: its arguments ({@code key=value}), where to put files,
 * and how to report. Results go to stdout as {@code @result key value} lines, which the harness
 * collects; anything else a child prints is passed through to the log.
 */
public final class ChildContext
{
    /** The highest latency a histogram tracks, 10 s: anything above is clamped (and would be obvious). */
    public static final long HIGHEST_TRACKABLE_NANOS = 10_000_000_000L;
    static final String RESULT_PREFIX = "@result ";
    private static final int CLOCK_PROCESS_CPUTIME_ID = 2;

    private static final com.sun.management.ThreadMXBean THREADS =
        (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
    private static final com.sun.management.OperatingSystemMXBean OS =
        (com.sun.management.OperatingSystemMXBean)ManagementFactory.getOperatingSystemMXBean();

    private final Map<String, String> args;

    ChildContext(final String[] argv)
    {
        args = new HashMap<>();
        for (final String arg : argv)
        {
            final int eq = arg.indexOf('=');
            if (eq <= 0)
            {
                throw new IllegalArgumentException("child argument is not key=value: " + arg);
            }
            args.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
    }

    public String string(final String key)
    {
        final String value = args.get(key);
        if (value == null)
        {
            throw new IllegalArgumentException("missing child argument " + key + " in " + args);
        }
        return value;
    }

    public int integer(final String key)
    {
        return Integer.parseInt(string(key));
    }

    public long longValue(final String key)
    {
        return Long.parseLong(string(key));
    }

    public Path directory()
    {
        return Path.of(string("dir"));
    }

    public Path outputDirectory()
    {
        return Path.of(string("out"));
    }

    /** Pin the calling thread to the CPU given as {@code key}, and log where it runs. */
    public void pin(final String key)
    {
        log(Thread.currentThread().getName() + " " + Affinity.pinCurrentThread(integer(key)));
    }

    public void log(final String message)
    {
        System.out.println("[" + string("scenario") + "/" + string("role") + "] " + message);
    }

    public void result(final String key, final double value)
    {
        System.out.println(RESULT_PREFIX + key + ' ' + value);
        System.out.flush();
    }

    /** Report p50 .. max of a histogram of nanoseconds, and keep its distribution in a .hgrm file (µs). */
    public void result(final String key, final Histogram histogram)
    {
        result(key + ".count", histogram.getTotalCount());
        result(key + ".p50", histogram.getValueAtPercentile(50));
        result(key + ".p90", histogram.getValueAtPercentile(90));
        result(key + ".p99", histogram.getValueAtPercentile(99));
        result(key + ".p99.9", histogram.getValueAtPercentile(99.9));
        result(key + ".max", histogram.getMaxValue());
        result(key + ".mean", histogram.getMean());
        final Path file = outputDirectory().resolve(string("scenario") + "-" + string("role") + "-" + key + "-round" +
            string("round") + ".hgrm");
        try (PrintStream out = new PrintStream(file.toFile()))
        {
            histogram.outputPercentileDistribution(out, 1000.0);
        }
        catch (final FileNotFoundException ex)
        {
            log("could not write " + file + ": " + ex);
        }
    }

    public static Histogram newLatencyHistogram()
    {
        return new Histogram(HIGHEST_TRACKABLE_NANOS, 3);
    }

    /** Clamp into the histogram's range so that an outlier is recorded (at the top), never thrown on. */
    public static void record(final Histogram histogram, final long nanos)
    {
        histogram.recordValue(Math.min(Math.max(nanos, 0), HIGHEST_TRACKABLE_NANOS));
    }

    /** @return bytes allocated so far by the calling thread (HotSpot's TLAB accounting). */
    public static long allocatedBytes()
    {
        return THREADS.getThreadAllocatedBytes(Thread.currentThread().getId());
    }

    public static long threadCpuNanos()
    {
        return THREADS.getCurrentThreadCpuTime();
    }

    /**
     * @return CPU time of the whole process (every thread, JIT and GC included), from
     * CLOCK_PROCESS_CPUTIME_ID: nanosecond resolution, where the management bean's value moves in
     * scheduler ticks (10 ms), too coarse for an idle process over a few seconds.
     */
    public static long processCpuNanos()
    {
        final long[] timespec = new long[2];
        if (DirectLibC.clock_gettime(CLOCK_PROCESS_CPUTIME_ID, timespec) != 0)
        {
            return OS.getProcessCpuTime();
        }
        return timespec[0] * 1_000_000_000L + timespec[1];
    }
}
