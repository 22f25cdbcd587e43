package dev.shmstreams.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * What a reader needs to judge the numbers: the machine, the kernel, the JVM, and how busy the
 * machine was with other work just before and just after the run (from /proc/stat, so steal time
 * of a VM shows too).
 */
public final class Conditions
{
    private Conditions()
    {
    }

    /**
     * @param mode     the run's options, as the harness describes them.
     * @param jvmFlags the flags of every child JVM.
     * @return the conditions every harness reports first (date, mode, machine, kernel, JVM, child
     * flags), in that order; the harness adds its own after them.
     */
    public static Map<String, String> host(final String mode, final List<String> jvmFlags)
    {
        final Map<String, String> conditions = new LinkedHashMap<>();
        conditions.put("date", ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
        conditions.put("mode", mode);
        conditions.put("cpu", cpuModel() + ", " + Runtime.getRuntime().availableProcessors() + " cores visible");
        conditions.put("memory", memoryTotal());
        conditions.put("kernel", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " +
            System.getProperty("os.arch"));
        conditions.put("jvm", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        conditions.put("child jvm flags", String.join(" ", jvmFlags));
        return conditions;
    }

    public static String cpuModel()
    {
        try
        {
            for (final String line : Files.readAllLines(Path.of("/proc/cpuinfo")))
            {
                if (line.startsWith("model name"))
                {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        }
        catch (final IOException ex)
        {
            return "unknown (" + ex + ")";
        }
        return "unknown";
    }

    public static String firstLine(final String path)
    {
        try
        {
            final List<String> lines = Files.readAllLines(Path.of(path));
            return lines.isEmpty() ? "" : lines.get(0).trim();
        }
        catch (final IOException ex)
        {
            return "unknown";
        }
    }

    public static String memoryTotal()
    {
        try
        {
            for (final String line : Files.readAllLines(Path.of("/proc/meminfo")))
            {
                if (line.startsWith("MemTotal:"))
                {
                    final long kib = Long.parseLong(line.replaceAll("[^0-9]", ""));
                    return String.format(Locale.ROOT, "%.1f GiB", kib / 1024.0 / 1024.0);
                }
            }
        }
        catch (final IOException | NumberFormatException ex)
        {
            return "unknown";
        }
        return "unknown";
    }

    /**
     * Sample all CPUs for a while: share busy (user, nice, system, irq, softirq) and stolen by the
     * hypervisor, in cores.
     *
     * @param millis how long.
     * @return e.g. "0.12 of 2 cores busy, 0.00 stolen".
     */
    public static String cpuBusy(final long millis)
    {
        try
        {
            final long[] before = cpuTimes();
            final long start = System.nanoTime();
            Thread.sleep(millis);
            final long[] after = cpuTimes();
            final double seconds = (System.nanoTime() - start) / 1e9;
            final double hz = 100.0;
            long busy = 0;
            for (final int i : new int[]{0, 1, 2, 5, 6})
            {
                busy += after[i] - before[i];
            }
            final long steal = after[7] - before[7];
            return String.format(Locale.ROOT, "%.2f of %d cores busy, %.2f stolen (over %.1f s)",
                busy / hz / seconds, Runtime.getRuntime().availableProcessors(), steal / hz / seconds, seconds);
        }
        catch (final IOException | RuntimeException ex)
        {
            return "unknown (" + ex + ")";
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    /**
     * @param millis how long to sample.
     * @return CPUs' worth of busy time (all processes) over that time, NaN if /proc/stat is unreadable.
     */
    public static double busyCores(final long millis)
    {
        try
        {
            final long[] before = cpuTimes();
            final long start = System.nanoTime();
            Thread.sleep(millis);
            final long[] after = cpuTimes();
            long busy = 0;
            for (final int i : new int[]{0, 1, 2, 5, 6})
            {
                busy += after[i] - before[i];
            }
            return busy / 100.0 / ((System.nanoTime() - start) / 1e9);
        }
        catch (final IOException | RuntimeException ex)
        {
            return Double.NaN;
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return Double.NaN;
        }
    }

    /** @return busy time of all CPUs so far (user, nice, system, irq, softirq), in seconds; NaN if unknown. */
    public static double busySeconds()
    {
        try
        {
            final long[] times = cpuTimes();
            return (times[0] + times[1] + times[2] + times[5] + times[6]) / 100.0;
        }
        catch (final IOException | RuntimeException ex)
        {
            return Double.NaN;
        }
    }

    /** user nice system idle iowait irq softirq steal, in USER_HZ ticks. */
    private static long[] cpuTimes() throws IOException
    {
        final String[] fields = firstLine("/proc/stat").split("\\s+");
        final long[] times = new long[8];
        for (int i = 0; i < times.length; i++)
        {
            times[i] = Long.parseLong(fields[i + 1]);
        }
        return times;
    }

    /**
     * A gauge of how fast this machine is right now, to compare runs: on a VM the same code can run
     * at half speed when the host is busy (another guest on the sibling hyper-thread, lower clock),
     * which no load figure inside the guest shows. Fills and sums a 64 KiB buffer (it stays in L2)
     * on each CPU in turn, with the same {@link Payload} functions the scenarios use.
     *
     * @param cpus the CPUs to measure on.
     * @return e.g. "cpu0 41.2 GB/s, cpu1 40.8 GB/s".
     */
    public static String speedGauge(final int... cpus)
    {
        final org.agrona.concurrent.UnsafeBuffer buffer =
            new org.agrona.concurrent.UnsafeBuffer(org.agrona.BufferUtil.allocateDirectAligned(64 * 1024, 4096));
        final StringBuilder out = new StringBuilder();
        long sink = 0;
        for (final int cpu : cpus)
        {
            Affinity.pinCurrentThread(cpu);
            long bytes = 0;
            long start = System.nanoTime();
            for (int pass = 0; pass < 2; pass++)
            {
                bytes = 0;
                start = System.nanoTime();
                while (System.nanoTime() - start < 300_000_000L)
                {
                    for (int i = 0; i < 64; i++)
                    {
                        Payload.fill(buffer, 0, buffer.capacity(), i);
                        sink += Payload.sum(buffer, 0, buffer.capacity());
                        bytes += 2L * buffer.capacity();
                    }
                }
            }
            out.append(out.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "cpu%d %.1f GB/s", cpu,
                bytes / ((System.nanoTime() - start) / 1e9) / 1e9));
        }
        Affinity.unpinCurrentThread();
        // the checksum is printed so the JIT cannot drop the loop as dead code
        return out + " (fill + sum of a 64 KiB buffer; checksum " + (sink & 0xFF) + ")";
    }

    /**
     * The floor under every latency tail: a thread pinned to each CPU spins on the clock for a while and
     * counts the gaps between two consecutive reads (normally 25 ns) longer than 100 µs and 1 ms, the
     * time lost in them, and the longest. On an idle VM a gap is the hypervisor or the guest kernel
     * taking the CPU away; a busy-spinning consumer or producer loses the same gaps, and every message
     * due in one is late by what is left of it.
     */
    public static String spinGaps(final long millisPerCpu, final int... cpus)
    {
        final StringBuilder out = new StringBuilder();
        for (final int cpu : cpus)
        {
            Affinity.pinCurrentThread(cpu);
            long over100us = 0;
            long over1ms = 0;
            long lostNanos = 0;
            long longest = 0;
            final long start = System.nanoTime();
            final long end = start + millisPerCpu * 1_000_000;
            long previous = start;
            long now;
            while ((now = System.nanoTime()) - end < 0)
            {
                final long gap = now - previous;
                previous = now;
                if (gap > 100_000)
                {
                    over100us++;
                    lostNanos += gap;
                    over1ms += gap > 1_000_000 ? 1 : 0;
                    longest = Math.max(longest, gap);
                }
            }
            out.append(out.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT,
                "cpu%d %d gaps > 100 µs (%d > 1 ms), %.2f%% of the time, longest %.0f µs", cpu, over100us, over1ms,
                100.0 * lostNanos / (now - start), longest / 1e3));
        }
        Affinity.unpinCurrentThread();
        return out + " (a pinned thread spinning on System.nanoTime for " + millisPerCpu + " ms per CPU)";
    }

    /**
     * The other floor: how long a sleeping thread takes to run again once woken from the other CPU,
     * which is what a blocking wait pays per message and what a producer that sleeps between
     * messages pays before each one. A thread pinned to one CPU parks; one pinned to the other CPU,
     * once a millisecond, reads the clock and unparks it; the sleeper reads the clock as soon as it
     * runs. Then the roles swap. On a VM this is mostly the hypervisor's time to run a halted vCPU
     * again, which no load figure inside the guest shows.
     *
     * @return e.g. "cpu0 woken from cpu1: p50 21 µs, p99 80 µs, max 900 µs; cpu1 woken from cpu0: ...".
     */
    public static String wakeGauge(final int samples, final int cpuA, final int cpuB)
    {
        return wakeOnce(samples, cpuA, cpuB) + "; " + wakeOnce(samples, cpuB, cpuA) +
            " (" + samples + " unparks, one a millisecond, each from a thread pinned to the other CPU)";
    }

    private static String wakeOnce(final int samples, final int sleeperCpu, final int wakerCpu)
    {
        final org.HdrHistogram.Histogram histogram = new org.HdrHistogram.Histogram(3_600_000_000L, 3);
        final AtomicLong stampNanos = new AtomicLong();
        final AtomicLong sent = new AtomicLong();
        final AtomicLong recorded = new AtomicLong();
        final Thread sleeper = new Thread(() ->
        {
            Affinity.pinCurrentThread(sleeperCpu);
            long seen = 0;
            while (seen < samples)
            {
                if (sent.get() == seen)                     // getVolatile: nothing new, sleep
                {
                    LockSupport.park();
                    continue;
                }
                final long now = System.nanoTime();
                // the stamp was stored before the sequence (volatile store), so it is this sample's
                histogram.recordValue(Math.max(0, now - stampNanos.get()) / 1_000);
                seen++;
                recorded.set(seen);
            }
        }, "wake-gauge-cpu" + sleeperCpu);
        sleeper.setDaemon(true);
        sleeper.start();
        Affinity.pinCurrentThread(wakerCpu);
        try
        {
            long next = System.nanoTime() + 1_000_000;
            for (long n = 1; n <= samples && sleeper.isAlive(); n++)
            {
                long now;
                while ((now = System.nanoTime()) - next < 0)
                {
                    LockSupport.parkNanos(next - now);
                }
                next = Math.max(next + 1_000_000, now);
                while (recorded.get() != n - 1 && sleeper.isAlive())
                {
                    Thread.onSpinWait();                    // the previous sample is still being recorded
                }
                stampNanos.set(System.nanoTime());
                sent.set(n);
                LockSupport.unpark(sleeper);
            }
            sleeper.join(10_000);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        finally
        {
            Affinity.unpinCurrentThread();
        }
        return String.format(Locale.ROOT, "cpu%d woken from cpu%d: p50 %d µs, p99 %d µs, max %d µs", sleeperCpu,
            wakerCpu, histogram.getValueAtPercentile(50), histogram.getValueAtPercentile(99), histogram.getMaxValue());
    }

    public static String gitCommit(final Path directory)
    {
        try
        {
            final Process git = new ProcessBuilder("git", "-C", directory.toString(), "describe", "--always", "--dirty")
                .redirectErrorStream(true).start();
            final String out = new String(git.getInputStream().readAllBytes()).trim();
            return git.waitFor() == 0 ? out : "unknown";
        }
        catch (final IOException ex)
        {
            return "unknown";
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }
}
