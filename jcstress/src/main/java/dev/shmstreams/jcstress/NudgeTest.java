package dev.shmstreams.jcstress;

import dev.shmstreams.transport.layout.HeaderDescriptor;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * A task handed to {@code SpinningExecutor} while its thread goes to sleep on a channel's futex
 * (the sleeping wake-up of {@code shm-streams.blocking-dispatcher}) is never slept through.
 *
 * <p>The accesses of both sides, in order, with the futex word and the waiter count at their real
 * header offsets (the kernel cannot sleep here, so the arbiter plays it, as in
 * {@link FutexWaiterCountTest}):
 * <pre>
 *   executor thread (run loop, then ChannelWaiter.await)   another thread (execute)
 *   nudged = false                  (clearNudge)           tasks.offer(task)      (a CAS: here a volatile store)
 *   inChannelWait = true                                   if parked:             (unparkIfParked)
 *   parked = true                                            if inChannelWait:    (wakeThread)
 *   if tasks not empty: no sleep                               nudged = true      (ChannelWaiter.nudge)
 *   if nudged: no sleep             (await, first check)       futex = futex + 1  (Endpoint.wake), futex_wake
 *   w = futex
 *   waiters = 1
 *   if nudged: no sleep             (await, before sleeping)
 *   futex_wait(futex, w)
 * </pre>
 * Dekker's pattern twice: {@code parked} against the queue (the executor sees the task, or the
 * submitter sees {@code parked}), then {@code nudged} against the word (the executor sees the nudge,
 * or it read the word before the bump, so its futex_wait returns at once or is woken).
 *
 * <p>Result: r1 = 1 if the executor does not sleep, r2 = 1 if the submitter nudged, r3 = 1 if a
 * sleep would end (no sleep, or the word differs from the one slept on).
 */
@JCStressTest
@Outcome(id = {"1, 0, 1", "1, 1, 1"}, expect = ACCEPTABLE, desc = "The executor saw the task or the nudge: no sleep.")
@Outcome(id = "0, 1, 1", expect = ACCEPTABLE, desc = "It sleeps on a word the nudge changed: EAGAIN or woken.")
@Outcome(id = {"0, 0, 0", "0, 1, 0"}, expect = FORBIDDEN, desc = "Lost wake-up: asleep on an unchanged word, a task queued.")
@Outcome(expect = FORBIDDEN, desc = "Impossible with these accesses.")
@State
public class NudgeTest
{
    static final int FUTEX = HeaderDescriptor.CONSUMER_FUTEX_OFFSET;
    static final int WAITERS = HeaderDescriptor.CONSUMER_WAITERS_OFFSET;
    static final int LENGTH = HeaderDescriptor.CONSUMER_TABLE_OFFSET;

    private final UnsafeBuffer header = new UnsafeBuffer(new byte[LENGTH]);
    private volatile boolean queued;
    private volatile boolean inChannelWait;
    private volatile boolean parked;
    private volatile boolean nudged;
    private int sleepWord;
    private boolean sleeps;

    @Actor
    public void executor(final III_Result r)
    {
        nudged = false;
        inChannelWait = true;
        parked = true;
        if (queued || nudged)
        {
            r.r1 = 1;
            return;
        }
        final int word = header.getIntVolatile(FUTEX);
        header.putIntVolatile(WAITERS, 1);
        if (nudged)
        {
            header.putIntVolatile(WAITERS, 0);
            r.r1 = 1;
            return;
        }
        sleepWord = word;
        sleeps = true;
    }

    @Actor
    public void submitter(final III_Result r)
    {
        queued = true;
        if (parked && inChannelWait)
        {
            nudged = true;
            header.putIntVolatile(FUTEX, header.getIntVolatile(FUTEX) + 1);
            r.r2 = 1;
        }
    }

    @Arbiter
    public void kernel(final III_Result r)
    {
        r.r3 = !sleeps || header.getIntVolatile(FUTEX) != sleepWord ? 1 : 0;
    }
}
