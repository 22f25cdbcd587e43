package dev.shmstreams.benchmarks.peers;

import dev.shmstreams.benchmarks.ChildContext;
import dev.shmstreams.benchmarks.MappedFile;
import org.agrona.concurrent.UnsafeBuffer;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * The control file a pair of peer processes shares with the harness (one 4 KiB page, created zeroed
 * by the harness): for each phase, one state word the consumer moves forward, each on its own
 * 128-byte line. The producer ends a phase when it reads {@link #STOPPED}, whatever its transport
 * did meanwhile (a closed socket, a cancelled stream).
 *
 * <p>Both processes run a {@link Watcher}: a thread that looks at the states every
 * {@value #WATCH_MILLIS} ms and samples its own process's CPU time and bytes allocated (all
 * threads) when the measured window opens and closes. The consumer's window decides, so both
 * processes' figures cover the same window, give or take a poll interval.
 */
final class PhaseControl implements AutoCloseable
{
    static final int WARMING = 1;
    static final int MEASURING = 2;
    static final int STOPPED = 3;
    static final int MAX_PHASES = 31;
    /** Fine enough against windows of 1 s and more; 100 wake-ups/s cost about 0.1% of a core. */
    static final long WATCH_MILLIS = 10;
    static final long STOPPED_POLL_MILLIS = 20;

    private static final int FIRST_STATE = 128;
    private static final int STRIDE = 128;
    private static final com.sun.management.ThreadMXBean THREADS =
        (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();

    private final UnsafeBuffer buffer;

    PhaseControl(final Path path)
    {
        buffer = new MappedFile(path).buffer();
    }

    int state(final int phase)
    {
        return buffer.getIntVolatile(offset(phase));
    }

    /** Move a phase forward (never back): the consumer's call. */
    void advance(final int phase, final int state)
    {
        if (state(phase) < state)
        {
            buffer.putIntVolatile(offset(phase), state);
        }
    }

    boolean stopped(final int phase)
    {
        return state(phase) >= STOPPED;
    }

    /**
     * Wait (sleeping) until the phase is stopped, or the timeout. Polls every
     * {@value #STOPPED_POLL_MILLIS} ms: the stages' producer waits here on its main thread while the
     * phase runs, and at 2 ms (as before) its 500 wake-ups a second were the most frequent thing
     * competing with the paced producer for its CPU.
     */
    boolean awaitStopped(final int phase, final long timeoutNanos)
    {
        final long deadline = System.nanoTime() + timeoutNanos;
        while (!stopped(phase))
        {
            if (System.nanoTime() - deadline > 0)
            {
                return false;
            }
            LockSupport.parkNanos(STOPPED_POLL_MILLIS * 1_000_000L);
        }
        return true;
    }

    private static int offset(final int phase)
    {
        if (phase < 0 || phase >= MAX_PHASES)
        {
            throw new IllegalArgumentException("phase " + phase + " out of 0.." + (MAX_PHASES - 1));
        }
        return FIRST_STATE + phase * STRIDE;
    }

    /**
     * Leaves the page mapped: it goes with the process, a few moments later. Unmapping it while a
     * thread of the peer may still read it (a stream stage, the limit's producer, the watcher after a
     * failure) would crash the JVM instead of failing the scenario with its reason.
     */
    @Override
    public void close()
    {
    }

    /** @return bytes allocated so far by every thread of this JVM (TLAB accounting). */
    static long allocatedBytes()
    {
        return THREADS.getTotalThreadAllocatedBytes();
    }

    /** The sampling thread: reports {@code <phase>.cpuShare} (cores) and {@code <phase>.allocBytesPerSecond}. */
    static final class Watcher
    {
        private final Thread thread;
        private volatile boolean stopped;

        Watcher(final ChildContext ctx, final PhaseControl control, final List<Phase> phases)
        {
            thread = new Thread(() -> watch(ctx, control, phases), "phase-watcher");
            thread.setDaemon(true);
            thread.start();
        }

        private void watch(final ChildContext ctx, final PhaseControl control, final List<Phase> phases)
        {
            for (int p = 0; p < phases.size(); p++)
            {
                while (control.state(p) < MEASURING)
                {
                    if (stopped)
                    {
                        return;
                    }
                    LockSupport.parkNanos(WATCH_MILLIS * 1_000_000L);
                }
                final long t0 = System.nanoTime();
                final long cpu0 = ChildContext.processCpuNanos();
                final long alloc0 = allocatedBytes();
                while (control.state(p) < STOPPED)
                {
                    if (stopped)
                    {
                        return;
                    }
                    LockSupport.parkNanos(WATCH_MILLIS * 1_000_000L);
                }
                final double seconds = (System.nanoTime() - t0) / 1e9;
                final String name = phases.get(p).name;
                ctx.result(name + ".cpuShare", (ChildContext.processCpuNanos() - cpu0) / 1e9 / seconds);
                ctx.result(name + ".allocBytesPerSecond", (allocatedBytes() - alloc0) / seconds);
            }
        }

        /**
         * Wait for the last phase's figures (the consumer stopped it just before), then stop: the
         * control file is unmapped next, and a thread still reading it would crash the JVM.
         */
        void join()
        {
            try
            {
                thread.join(5_000);
                stopped = true;
                thread.join(1_000);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }
    }
}
