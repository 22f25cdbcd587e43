package dev.shmstreams.jcstress;

import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

import static dev.shmstreams.jcstress.FutexWaiterCountTest.FUTEX;
import static dev.shmstreams.jcstress.FutexWaiterCountTest.LENGTH;
import static dev.shmstreams.jcstress.FutexWaiterCountTest.PRODUCER_CURSOR;
import static dev.shmstreams.jcstress.FutexWaiterCountTest.PUBLISHED;
import static dev.shmstreams.jcstress.FutexWaiterCountTest.WAITERS;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Why the waker's store must be volatile: {@link FutexWaiterCountTest} with the published
 * sequence stored by {@code putLongOrdered} (a release store: it orders earlier accesses before
 * it, but nothing after it), a tempting "optimisation" of the hot path.
 *
 * <p>A release store followed by a load of another location is free to be reordered: the JMM
 * gives no synchronisation order between them, and x86 does it in hardware, since a store waits
 * in the core's store buffer while later loads are served. The waker can then read the waiter
 * count as 0 while its sequence store is not yet visible, and the waiter, whose atomic increment
 * is a full fence, reads the old sequence: it sleeps and nobody wakes it (until the timeout).
 * That outcome, "0, 0, 0", is the lost wake-up; here it is ACCEPTABLE_INTERESTING, to show that
 * jcstress finds it on this hardware. It must stay FORBIDDEN in {@link FutexWaiterCountTest}.
 *
 * <p>Result: as {@link FutexWaiterCountTest}.
 */
@JCStressTest
@Outcome(id = "1, 0, 0", expect = ACCEPTABLE, desc = "Waiter saw the sequence, no sleep; waker saw no waiter, no syscall.")
@Outcome(id = "1, 1, 1", expect = ACCEPTABLE, desc = "Both saw each other: no sleep, one needless wake.")
@Outcome(id = "0, 1, 1", expect = ACCEPTABLE, desc = "Waiter sleeps; the waker saw it and bumped the word: EAGAIN or woken.")
@Outcome(id = "0, 0, 0", expect = ACCEPTABLE_INTERESTING,
    desc = "LOST WAKE-UP: the release-only store was still invisible when the waker read waiters = 0.")
@Outcome(expect = FORBIDDEN, desc = "Impossible with these accesses.")
@State
public class FutexOrderedStoreTest
{
    private final UnsafeBuffer header = new UnsafeBuffer(new byte[LENGTH]);
    private int sleepWord;

    @Actor
    public void waiter(final III_Result r)
    {
        final int word = header.getIntVolatile(FUTEX);
        header.putIntVolatile(WAITERS, 1);
        if (header.getLongVolatile(PUBLISHED) > 0)
        {
            header.putIntVolatile(WAITERS, 0);
            r.r1 = 1;
        }
        sleepWord = word;
    }

    @Actor
    public void waker(final III_Result r)
    {
        header.putLongOrdered(PUBLISHED, 1);
        header.putLongOrdered(PRODUCER_CURSOR, 1);
        if (header.getIntVolatile(WAITERS) != 0)
        {
            header.putIntVolatile(FUTEX, header.getIntVolatile(FUTEX) + 1);
            r.r2 = 1;
        }
    }

    @Arbiter
    public void kernel(final III_Result r)
    {
        r.r3 = header.getIntVolatile(FUTEX) != sleepWord ? 1 : 0;
    }
}
