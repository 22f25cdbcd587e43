package dev.shmstreams.benchmarks;

import com.sun.jna.Native;

/**
 * Runs a paced producer's thread at real-time priority ({@code SCHED_FIFO} 1) for a fixed-rate
 * phase: a load generator must send when it says it does, as cyclictest's threads do. At normal
 * priority a producer that sleeps until shortly before its due time waits, once woken, behind
 * whatever other thread holds its CPU (with a consumer spinning on the other of two vCPUs: both
 * JVMs' compiler, GC, Akka and harness threads) for up to the scheduler's slice, and latency
 * measured from the due time charges that to the transport. Measured with the thread's
 * {@code /proc/thread-self/schedstat}: the stages' producer spent 492 ms of 8 s waiting on the run
 * queue, 70% of all its lateness over 50 µs. Only pinned producers, which sleep most of each
 * period, get it (a real-time thread that spins would starve its CPU); consumers never do.
 *
 * <p>Needs CAP_SYS_NICE or an RLIMIT_RTPRIO of at least 1 ({@code ulimit -r}); without them the
 * first {@link #enter} fails and the producer stays at normal priority, which the run's conditions say.
 */
public final class RealtimeWait
{
    /** Whether the harness asks for it (-Dshm.bench.realtime-wait=true in every child). */
    public static final boolean REQUESTED = Boolean.getBoolean("shm.bench.realtime-wait");
    static final int SCHED_OTHER = 0;
    static final int SCHED_FIFO = 1;
    /**
     * Threads the real-time thread starts run at normal priority: Linux would otherwise pass
     * SCHED_FIFO on, and a thread that Akka's fork-join pool starts from the stage's thread (its
     * workers are started by whichever thread submits) would stay real-time, spinning included.
     */
    static final int SCHED_RESET_ON_FORK = 0x40000000;
    private static final int[] FIFO_1 = {1};
    private static final int[] NORMAL = {0};
    private static volatile boolean unavailable;

    private RealtimeWait()
    {
    }

    /**
     * @return whether the calling thread now runs at real-time priority (call {@link #leave} when the
     * phase is over); false when it is not permitted (then it is never tried again).
     */
    public static boolean enter()
    {
        if (unavailable)
        {
            return false;
        }
        if (DirectLibC.sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, FIFO_1) != 0)
        {
            unavailable = true;
            System.err.println("real-time wait unavailable: sched_setscheduler(SCHED_FIFO) failed, errno " +
                Native.getLastError() + "; waiting at normal priority");
            return false;
        }
        return true;
    }

    /** The calling thread back to normal priority (after a successful {@link #enter}). */
    public static void leave()
    {
        DirectLibC.sched_setscheduler(0, SCHED_OTHER, NORMAL);
    }

    /** @return what a run with this setting gets here, for its conditions. */
    public static String describe(final boolean requested)
    {
        if (!requested)
        {
            return "off (--no-realtime): every thread at normal priority";
        }
        final boolean permitted = enter();
        if (permitted)
        {
            leave();
        }
        return permitted ?
            "SCHED_FIFO 1 for the pinned producers of the fixed-rate phases (limit, ring, sockets, Aeron, the stages " +
                "on the spinning dispatcher); consumers, saturation phases and producers on Akka's default dispatcher " +
                "at normal priority" :
            "requested, not permitted here (sched_setscheduler failed, see the log): every thread at normal priority";
    }
}
