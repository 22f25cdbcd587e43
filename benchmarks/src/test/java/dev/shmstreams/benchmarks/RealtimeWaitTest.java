package dev.shmstreams.benchmarks;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The paced producers' real-time priority is the calling thread's alone and is given back. Needs
 * CAP_SYS_NICE (CI runs as root); where it is not permitted the harness says so in its conditions.
 */
class RealtimeWaitTest
{
    @Test
    void aThreadRunsRealTimeUntilItLeavesAndNoOtherThreadDoes() throws InterruptedException
    {
        final AtomicInteger inside = new AtomicInteger(-2);
        final AtomicInteger other = new AtomicInteger(-2);
        final AtomicInteger after = new AtomicInteger(-2);
        final Thread producer = new Thread(() ->
        {
            if (!RealtimeWait.enter())
            {
                return;
            }
            inside.set(DirectLibC.sched_getscheduler(0));
            final Thread bystander = new Thread(() -> other.set(DirectLibC.sched_getscheduler(0)));
            bystander.start();
            try
            {
                bystander.join();
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
            RealtimeWait.leave();
            after.set(DirectLibC.sched_getscheduler(0));
        });
        producer.start();
        producer.join(10_000);
        assumeTrue(inside.get() != -2, "SCHED_FIFO not permitted here (needs CAP_SYS_NICE or ulimit -r >= 1)");
        assertEquals(RealtimeWait.SCHED_FIFO | RealtimeWait.SCHED_RESET_ON_FORK, inside.get(),
            "the thread that entered runs SCHED_FIFO");
        assertEquals(RealtimeWait.SCHED_OTHER, other.get(),
            "a thread it starts does not inherit it (Akka's pool starts workers from any thread)");
        assertEquals(RealtimeWait.SCHED_OTHER, after.get(), "and leave() gives it back");
        assertEquals(RealtimeWait.SCHED_OTHER, DirectLibC.sched_getscheduler(0), "the test's own thread never changed");
    }
}
