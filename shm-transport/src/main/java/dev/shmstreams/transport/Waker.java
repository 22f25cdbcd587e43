package dev.shmstreams.transport;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongConsumer;

/**
 * A thread that turns "wake me when sequence {@code s} is reached" into one callback, for an owner
 * that must never block (an Akka stage). The owner {@link #request}s a wake-up only when it runs
 * out of work; the waker waits on a {@link ChannelWaiter} per the channel's wait strategy and calls
 * back exactly once per request. A newer request replaces a pending one, so a stale wake-up is at
 * worst one spurious callback.
 *
 * <p>No Akka here: the callback is typically an {@code AsyncCallback::invoke}.
 */
public final class Waker implements Wakeup
{
    private static final long NONE = Long.MIN_VALUE;
    private static final long SLICE_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final ChannelWaiter waiter;
    private final LongConsumer onReached;
    private final Thread thread;
    private final AtomicLong request = new AtomicLong(NONE);
    private volatile boolean closed;

    /**
     * @param name      thread name.
     * @param waiter    from {@link ShmConsumer#newWaiter()} or {@link ShmProducer#newWaiter()}.
     * @param onReached called on the waker thread with the requested sequence once it is reached.
     */
    public Waker(final String name, final ChannelWaiter waiter, final LongConsumer onReached)
    {
        this.waiter = waiter;
        this.onReached = onReached;
        this.thread = new Thread(this::run, name);
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /**
     * Ask for one callback once {@code sequence} is reached. Safe from any thread.
     *
     * @param sequence see {@link ChannelWaiter#await(long, long)}.
     */
    @Override
    public void request(final long sequence)
    {
        request.set(sequence);
        LockSupport.unpark(thread);
    }

    private void run()
    {
        while (!closed)
        {
            final long sequence = request.get();
            if (sequence == NONE)
            {
                LockSupport.park(this);
                continue;
            }
            if (waiter.await(sequence, SLICE_NANOS) && !closed && request.compareAndSet(sequence, NONE))
            {
                onReached.accept(sequence);
            }
        }
    }

    /**
     * Stop the thread without waiting for it: it leaves on its own, at once if parked or asleep in
     * the channel's futex (both are woken here), or after the callback it may be running returns.
     *
     * <p>Why no join: the owner (a stage) calls this on its own thread in postStop, and that thread
     * must not wait for another one. Nothing needs the wait either. The waker touches the mapping
     * only inside {@link ChannelWaiter#await}, which enters the end as a foreign waiter; closing the
     * end right after this call wakes such a waiter and waits for it to leave before unmapping
     * (microseconds: it is already cancelled), so the mapping is never read after it is gone. A
     * callback that had already passed its closed check may still run once after this returns;
     * an owner must ignore it (an {@code AsyncCallback} of a stopped stage is dropped).
     */
    @Override
    public void close()
    {
        closed = true;
        waiter.cancel();
        LockSupport.unpark(thread);
    }

    /** @return whether the thread still runs (tests, monitoring). */
    public boolean isAlive()
    {
        return thread.isAlive();
    }
}
