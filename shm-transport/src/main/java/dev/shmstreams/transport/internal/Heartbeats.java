package dev.shmstreams.transport.internal;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * One daemon thread per JVM writes the heartbeat of every open channel end. A heartbeat says
 * "this process is being scheduled"; it is what lets a peer tell a stopped process (SIGSTOP,
 * swapped out, frozen container) from a running one whose application thread is merely idle.
 * Death is told by the file lock, not by the heartbeat.
 */
public final class Heartbeats
{
    private static final ScheduledThreadPoolExecutor EXECUTOR = new ScheduledThreadPoolExecutor(1, runnable ->
    {
        final Thread thread = new Thread(runnable, "shm-streams-heartbeat");
        thread.setDaemon(true);
        return thread;
    });

    static
    {
        EXECUTOR.setRemoveOnCancelPolicy(true);
    }

    private Heartbeats()
    {
    }

    static ScheduledFuture<?> schedule(final Runnable beat, final Duration interval)
    {
        final long nanos = interval.toNanos();
        return EXECUTOR.scheduleAtFixedRate(beat, nanos, nanos, TimeUnit.NANOSECONDS);
    }

    /**
     * Run a short task once, later, on the same daemon thread (independent of any actor system,
     * which may be terminating by then).
     *
     * @param task  must not block.
     * @param delay from now.
     */
    public static ScheduledFuture<?> once(final Runnable task, final Duration delay)
    {
        return EXECUTOR.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
    }
}
