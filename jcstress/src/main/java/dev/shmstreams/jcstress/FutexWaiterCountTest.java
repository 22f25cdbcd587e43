package dev.shmstreams.jcstress;

import dev.shmstreams.transport.layout.HeaderDescriptor;
import dev.shmstreams.transport.layout.ParticipantDescriptor;
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
 * The futex waiter-count protocol of {@code Endpoint} has no lost wake-up.
 *
 * <p>The blocking wait sleeps in the kernel, which a heap ring cannot do, so this test replays
 * the exact Agrona accesses of both sides, at the real header offsets, on an {@link UnsafeBuffer}
 * (shown for the consumer waiting for a frame; the producer waiting for space is the same with
 * its own futex region and the released sequence):
 * <pre>
 *   waiter (Endpoint.await)                      waker (ShmProducer.publishCommittedPrefix)
 *   w = getIntVolatile(futex)                    putLongVolatile(published, 1)
 *   putIntVolatile(waiters, 1)                   putLongOrdered(producer cursor, 1)
 *   if getLongVolatile(published) &gt; 0:          if getIntVolatile(waiters) != 0:   (wakeIfWaiting)
 *       putIntVolatile(waiters, 0); return           putIntVolatile(futex, futex + 1); futex_wake
 *   futex_wait(futex, w)
 * </pre>
 * This is Dekker's pattern: each side stores, then loads what the other stored. Both stores are
 * full fences on the JMM's terms (a volatile store, and an atomic read-modify-write), so at least
 * one side sees the other's store: the waiter sees the sequence and does not sleep, or the waker
 * sees the waiter and bumps the futex word. The arbiter plays the kernel: {@code futex_wait(w)}
 * returns at once (EAGAIN) or is woken if the word no longer holds {@code w}, since the waker's
 * bump is ordered before its {@code futex_wake}.
 *
 * <p>Result: r1 = 1 if the waiter saw the new sequence (0: it goes to sleep), r2 = 1 if the waker
 * saw a registered waiter and bumped the word, r3 = 1 if the word differs from the {@code w} the
 * waiter would sleep on.
 *
 * @see FutexOrderedStoreTest the same with a release-only store on the waker side, which loses wake-ups
 */
@JCStressTest
@Outcome(id = "1, 0, 0", expect = ACCEPTABLE, desc = "Waiter saw the sequence, no sleep; waker saw no waiter, no syscall.")
@Outcome(id = "1, 1, 1", expect = ACCEPTABLE, desc = "Both saw each other: no sleep, one needless wake.")
@Outcome(id = "0, 1, 1", expect = ACCEPTABLE, desc = "Waiter sleeps; the waker saw it and bumped the word: EAGAIN or woken.")
@Outcome(id = "0, 0, 0", expect = FORBIDDEN, desc = "Lost wake-up: waiter sleeps on an unchanged word, waker saw no waiter.")
@Outcome(expect = FORBIDDEN, desc = "Impossible with these accesses.")
@State
public class FutexWaiterCountTest
{
    static final int FUTEX = HeaderDescriptor.CONSUMER_FUTEX_OFFSET;
    static final int WAITERS = HeaderDescriptor.CONSUMER_WAITERS_OFFSET;
    static final int PUBLISHED = HeaderDescriptor.PUBLISHED_SEQUENCE_OFFSET;
    static final int PRODUCER_CURSOR = HeaderDescriptor.PRODUCER_BLOCK_OFFSET + ParticipantDescriptor.CURSOR_OFFSET;
    static final int LENGTH = HeaderDescriptor.CONSUMER_TABLE_OFFSET;

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
        header.putLongVolatile(PUBLISHED, 1);
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
