package dev.shmstreams.transport;

import dev.shmstreams.transport.internal.Endpoint;
import dev.shmstreams.transport.internal.WaitLoop;

/**
 * Waits for a channel end from a thread other than its owner. An Akka stage must never block its
 * own thread, so it hands a waiter thread the sequence it needs and is called back when that
 * thread returns from {@link #await}; the waiter reads only shared memory (the peer's sequence
 * and state), never the owner's private cursor, so the two threads need no lock.
 *
 * <ul>
 *   <li>From {@link ShmConsumer#newWaiter()}: {@code await(s)} returns once frame {@code s} is
 *       published, or the producer completed, failed or died.</li>
 *   <li>From {@link ShmProducer#newWaiter()}: {@code await(s)} returns once sequence {@code s} can
 *       be claimed (the consumer released enough), or the consumer cancelled.</li>
 * </ul>
 * Either also returns after {@link #cancel()} or a {@link #nudge()}, when the end is closing, or on
 * timeout. Closing the end waits for a waiter inside {@code await} to leave, so a waiter never
 * touches unmapped memory.
 *
 * <p>One waiter serves one thread at a time.
 */
public final class ChannelWaiter
{
    /** What the waiter checks against the sequence it was given; reads shared memory only. */
    @FunctionalInterface
    interface Target
    {
        boolean isReached(long sequence);
    }

    private final Endpoint endpoint;
    private final WaitLoop loop;
    private final Target target;
    private final int futexOffset;
    private final int waitersOffset;
    private final int waitCounterOffset;
    private final Endpoint.WaitCondition condition = this::isSatisfied;
    private long sequence;
    private volatile boolean cancelled;
    private volatile boolean nudged;

    ChannelWaiter(
        final Endpoint endpoint,
        final Target target,
        final int futexOffset,
        final int waitersOffset,
        final int waitCounterOffset)
    {
        this.endpoint = endpoint;
        this.loop = endpoint.newWaitLoop();
        this.target = target;
        this.futexOffset = futexOffset;
        this.waitersOffset = waitersOffset;
        this.waitCounterOffset = waitCounterOffset;
    }

    /**
     * @param sequence     the sequence to wait for (see the class comment for its meaning per side).
     * @param timeoutNanos at most this long.
     * @return true if the target was reached, the stream ended, or the waiter was cancelled or the
     * end is closing; false on timeout.
     */
    public boolean await(final long sequence, final long timeoutNanos)
    {
        if (!endpoint.enterForeignWait())
        {
            return true;
        }
        try
        {
            this.sequence = sequence;
            return loop.await(condition, futexOffset, waitersOffset, timeoutNanos, waitCounterOffset);
        }
        finally
        {
            endpoint.exitForeignWait();
        }
    }

    /**
     * One non-blocking look, for a thread that multiplexes many waits in its own idle loop (see
     * {@code dev.shmstreams.dispatch.SpinningExecutor}): the same condition as {@link #await}, without
     * waiting. Never touches the mapping once the end is closing.
     *
     * @param sequence see {@link #await}.
     * @return true if {@link #await} would return true at once.
     */
    public boolean poll(final long sequence)
    {
        if (!endpoint.enterForeignWait())
        {
            return true;
        }
        try
        {
            return cancelled || endpoint.isClosing() || target.isReached(sequence);
        }
        finally
        {
            endpoint.exitForeignWait();
        }
    }

    private boolean isSatisfied()
    {
        return cancelled || nudged || endpoint.isClosing() || target.isReached(sequence);
    }

    /**
     * Make a current {@link #await}, or the next one, return once, without cancelling: for a thread
     * that sleeps in {@code await} and must also wake for work of its own (see
     * {@code dev.shmstreams.dispatch.SpinningExecutor}). Safe from any thread; a system call
     * (FUTEX_WAKE) each time. {@link #poll} ignores it.
     *
     * <p>Memory ordering: {@code nudged} is stored (volatile) before the futex word is incremented
     * and woken, and {@code await} reads the word before it checks {@code nudged} a last time and
     * sleeps only while the word is unchanged: a nudge is never slept through.
     */
    public void nudge()
    {
        nudged = true;
        wakeFutex();
    }

    /** Forget a nudge: called by the sleeping thread before it looks for its own work and sleeps again. */
    public void clearNudge()
    {
        nudged = false;
    }

    /** Make a current and every later {@link #await} return at once. Safe from any thread. */
    public void cancel()
    {
        cancelled = true;
        wakeFutex();
    }

    /** Bump and wake the futex this waiter sleeps on, unless the end is closing (which wakes it anyway). */
    private void wakeFutex()
    {
        if (endpoint.enterForeignWait())
        {
            try
            {
                endpoint.wake(futexOffset, -1);
            }
            finally
            {
                endpoint.exitForeignWait();
            }
        }
    }

    public boolean isCancelled()
    {
        return cancelled;
    }
}
