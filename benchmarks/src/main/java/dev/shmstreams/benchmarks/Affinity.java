package dev.shmstreams.benchmarks;

import com.sun.jna.Native;

/**
 * Pins the calling thread to one CPU with {@code sched_setaffinity(0, ...)}: the per-thread
 * equivalent of {@code taskset}. Used for the hot thread of every role, in two-process and
 * one-process scenarios alike, so the producer always runs on one core and the consumer on the
 * other; JIT and GC threads stay free to float.
 */
public final class Affinity
{
    private Affinity()
    {
    }

    /**
     * @param cpu the CPU, or a negative value to leave the thread where the scheduler puts it.
     * @return a description for the log.
     */
    public static String pinCurrentThread(final int cpu)
    {
        if (cpu < 0)
        {
            return "not pinned";
        }
        final long[] mask = new long[16];
        mask[cpu / 64] = 1L << (cpu % 64);
        if (DirectLibC.sched_setaffinity(0, mask.length * Long.BYTES, mask) != 0)
        {
            return "pinning to cpu " + cpu + " failed, errno " + Native.getLastError();
        }
        return "pinned to cpu " + cpu;
    }

    /** Let the calling thread run on every CPU again (after a {@link #pinCurrentThread}). */
    public static void unpinCurrentThread()
    {
        final long[] all = new long[16];
        java.util.Arrays.fill(all, -1L);
        DirectLibC.sched_setaffinity(0, all.length * Long.BYTES, all);
    }
}
