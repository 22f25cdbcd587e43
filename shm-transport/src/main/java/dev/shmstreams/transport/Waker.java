package dev.shmstreams.transport;

import java.time.Duration;
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
     * Stop the thread and wait for it to leave the channel, so the end can be closed safely after.
     */
    @Override
    public void close()
    {
        closed = true;
        waiter.cancel();
        LockSupport.unpark(thread);
        if (Thread.currentThread() != thread)
        {
            try
            {
                thread.join(Duration.ofSeconds(10).toMillis());
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }
    }
}
