package dev.shmstreams.dispatch;

import dev.shmstreams.transport.ChannelWaiter;
import dev.shmstreams.transport.WaitStrategy;
import dev.shmstreams.transport.Waker;
import dev.shmstreams.transport.Wakeup;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongConsumer;

/**
 * An executor of one thread that waits for the channels its stages wait on itself: the thread
 * runs its tasks (an Akka dispatcher's mailboxes) and, between them, checks those channels. A
 * frame committed by the peer is then seen by the thread that runs the stage, without a wake-up
 * thread and a second wake-up on the way: the cost of a {@link Waker} thread handing the stage a
 * callback is a context switch onto a parked dispatcher thread, 5-15 µs on this kind of machine
 * and far more in the tail when the cores are busy.
 *
 * <p>Two kinds of inline wake-up. {@link WaitStrategy#BUSY_SPIN}: the thread never sleeps while
 * one is requested. Any other strategy (one such wake-up per executor; further ones get a
 * {@link Waker}): when the thread has nothing else to do, it sleeps in that channel's wait itself
 * ({@link ChannelWaiter#await}, the futex for BLOCKING), and a task or a request from another
 * thread {@link ChannelWaiter#nudge nudges} it out; the peer's commit wakes the thread that runs
 * the stage, one wake-up instead of two.
 *
 * <pre>
 *   task queue ──► run task (a mailbox: the stage's logic) ──┐
 *        ▲                                                   │ nothing queued
 *        │ execute() (any thread)                            ▼
 *        │                                  poll every requested wake-up (ChannelWaiter.poll)
 *        └──── wake-up reached: AsyncCallback.invoke ◄──┘  │ no busy-spin one requested
 *                                                          ▼
 *                                  spin idle-spin, then sleep until execute() or request():
 *                                  in the sleeping wake-up's ChannelWaiter.await if it is
 *                                  requested (a nudge or the peer ends it), else park
 * </pre>
 *
 * <p>Used through {@link SpinningExecutorConfigurator} as an Akka dispatcher
 * ({@code shm-streams.spinning-dispatcher}); the stages find it with {@link #current()} and take
 * an inline wake-up ({@link #wakeup}) when their wait strategy is {@link WaitStrategy#BUSY_SPIN}.
 * While any wake-up is requested the thread spins on its core: that is what busy-spin means.
 * Blocking work does not belong on it.
 *
 * <p>Memory ordering: {@link #execute} offers to a lock-free queue (a CAS, a full fence) and then
 * reads {@code parked} (volatile); the thread stores {@code parked = true} (volatile) and then
 * reads the queue and the requests: one of the two sides always sees the other, so a task or a
 * request never waits for a thread that went to sleep on it. A side that sees {@code parked}
 * nudges the sleeping wake-up's waiter if the thread sleeps in its channel wait, else unparks it;
 * the thread clears that nudge and stores how it sleeps before it stores {@code parked = true},
 * so a nudge it has to see is never cleared (jcstress NudgeTest).
 */
public final class SpinningExecutor extends AbstractExecutorService
{
    private static final long NONE = Long.MIN_VALUE;
    /** A sleep in a channel's wait returns at the latest after this, to look again. */
    private static final long SLEEP_SLICE_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final int RUNNING = 0;
    private static final int SHUTDOWN = 1;
    private static final int STOPPED = 2;
    private static final InlineWakeup[] NO_WAKEUPS = {};
    private static final ThreadLocal<SpinningExecutor> CURRENT = new ThreadLocal<>();

    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final long idleSpinNanos;
    private final Thread thread;
    private final CountDownLatch terminated = new CountDownLatch(1);
    private final Object registry = new Object();
    /** Copy-on-write: the thread scans it without a lock or an allocation. */
    private volatile InlineWakeup[] wakeups = NO_WAKEUPS;
    /** The one wake-up of a strategy other than busy-spin, which the thread sleeps in; or null. */
    private volatile InlineWakeup sleeper;
    private volatile boolean parked;
    /** Whether the thread, once {@link #parked}, sleeps in the sleeper's channel wait rather than in park. */
    private volatile boolean inChannelWait;
    private volatile int state = RUNNING;

    /**
     * @param threadFactory makes the one thread (an Akka dispatcher passes its own: names, daemon flag).
     * @param idleSpin      with nothing queued and nothing requested, spin this long before parking.
     */
    public SpinningExecutor(final ThreadFactory threadFactory, final Duration idleSpin)
    {
        this.idleSpinNanos = idleSpin.toNanos();
        this.thread = threadFactory.newThread(this::run);
        this.thread.start();
    }

    /** @return the executor whose thread calls this, or null on any other thread. */
    public static SpinningExecutor current()
    {
        return CURRENT.get();
    }

    /**
     * The wake-up for a stage: inline on this executor when the caller runs on one (busy-spin: polled
     * between tasks; another strategy: also slept in, if no other stage's wake-up of that kind is
     * registered); otherwise a {@link Waker} thread of its own.
     *
     * @param name      the Waker thread's name, if one is made.
     * @param strategy  the channel's wait strategy.
     * @param waiter    from the channel end.
     * @param onReached called once per request when its sequence is reached.
     */
    public static Wakeup wakeup(
        final String name, final WaitStrategy strategy, final ChannelWaiter waiter, final LongConsumer onReached)
    {
        final SpinningExecutor executor = current();
        if (executor != null)
        {
            if (strategy == WaitStrategy.BUSY_SPIN)
            {
                return executor.newWakeup(waiter, onReached);
            }
            final Wakeup sleeping = executor.newSleepingWakeup(waiter, onReached);
            if (sleeping != null)
            {
                return sleeping;
            }
        }
        return new Waker(name, waiter, onReached);
    }

    /**
     * A wake-up checked by this executor's thread between tasks.
     *
     * @param waiter    from the channel end; this executor only ever {@link ChannelWaiter#poll}s it.
     * @param onReached called on this executor's thread, once per request.
     */
    public Wakeup newWakeup(final ChannelWaiter waiter, final LongConsumer onReached)
    {
        final InlineWakeup wakeup = new InlineWakeup(waiter, onReached);
        synchronized (registry)
        {
            final InlineWakeup[] current = wakeups;
            final InlineWakeup[] grown = Arrays.copyOf(current, current.length + 1);
            grown[current.length] = wakeup;
            wakeups = grown;
        }
        return wakeup;
    }

    /**
     * A wake-up checked between tasks and slept in when the thread has nothing else to do (see the
     * class comment), for a channel whose strategy is not busy-spin.
     *
     * @param waiter    from the channel end; this executor {@link ChannelWaiter#poll}s it and sleeps
     *                  in its {@link ChannelWaiter#await}, on this executor's thread only.
     * @param onReached called on this executor's thread, once per request.
     * @return the wake-up, or null if another one is registered (the thread can sleep in one only).
     */
    public Wakeup newSleepingWakeup(final ChannelWaiter waiter, final LongConsumer onReached)
    {
        synchronized (registry)
        {
            if (sleeper != null)
            {
                return null;
            }
            final InlineWakeup wakeup = new InlineWakeup(waiter, onReached);
            sleeper = wakeup;
            return wakeup;
        }
    }

    private void remove(final InlineWakeup wakeup)
    {
        synchronized (registry)
        {
            if (sleeper == wakeup)
            {
                sleeper = null;
                return;
            }
            final List<InlineWakeup> kept = new ArrayList<>(Arrays.asList(wakeups));
            kept.remove(wakeup);
            wakeups = kept.isEmpty() ? NO_WAKEUPS : kept.toArray(NO_WAKEUPS);
        }
    }

    /** @return wake-ups registered and not closed (for tests and monitoring). */
    public int wakeupCount()
    {
        return wakeups.length + (sleeper == null ? 0 : 1);
    }

    private void run()
    {
        CURRENT.set(this);
        try
        {
            boolean idle = false;
            long idleSince = 0;
            while (true)
            {
                final Runnable task = tasks.poll();
                if (task != null)
                {
                    runTask(task);
                    idle = false;
                    continue;
                }
                if (state != RUNNING)
                {
                    break;   // shut down and drained
                }
                final InlineWakeup sleeping = sleeper;
                if (sleeping != null)
                {
                    sleeping.poll();
                }
                if (pollWakeups())
                {
                    Thread.onSpinWait();
                    idle = false;
                    continue;
                }
                if (!idle)
                {
                    idle = true;
                    idleSince = System.nanoTime();
                }
                if (System.nanoTime() - idleSince < idleSpinNanos)
                {
                    Thread.onSpinWait();
                    continue;
                }
                // requests of the sleeper come from this thread (its stage), so the sequence is fixed
                // from here on; how the thread sleeps is stored before parked, for wakeThread
                final long sequence = sleeping == null ? NONE : sleeping.requested.get();
                if (sequence != NONE)
                {
                    sleeping.waiter.clearNudge();
                }
                inChannelWait = sequence != NONE;
                parked = true;
                if (tasks.isEmpty() && !anyRequested() && state == RUNNING && sleeper == sleeping)
                {
                    if (sequence != NONE)
                    {
                        sleeping.waiter.await(sequence, SLEEP_SLICE_NANOS);
                    }
                    else
                    {
                        LockSupport.park(this);
                    }
                }
                parked = false;
                idle = false;
            }
        }
        finally
        {
            CURRENT.remove();
            state = STOPPED;
            terminated.countDown();
        }
    }

    private void runTask(final Runnable task)
    {
        try
        {
            task.run();
        }
        catch (final Throwable ex)
        {
            // the loop must survive a task's failure, as a pool's other threads would
            final Thread.UncaughtExceptionHandler handler = thread.getUncaughtExceptionHandler();
            if (handler != null)
            {
                handler.uncaughtException(thread, ex);
            }
        }
    }

    /** @return whether a wake-up is still requested after this scan. */
    private boolean pollWakeups()
    {
        boolean waiting = false;
        for (final InlineWakeup wakeup : wakeups)
        {
            waiting |= wakeup.poll();
        }
        return waiting;
    }

    private boolean anyRequested()
    {
        for (final InlineWakeup wakeup : wakeups)
        {
            if (wakeup.requested.get() != NONE)
            {
                return true;
            }
        }
        return false;
    }

    private void unparkIfParked()
    {
        if (parked)
        {
            wakeThread();
        }
    }

    /**
     * Out of the park or of the sleeping wake-up's channel wait, whichever the thread is in: a nudge
     * is a FUTEX_WAKE, made only when the thread sleeps on the channel. {@code inChannelWait} is
     * stored before {@code parked}, so a caller that saw {@code parked} reads how that sleep is made.
     */
    private void wakeThread()
    {
        final InlineWakeup sleeping = sleeper;
        if (inChannelWait && sleeping != null)
        {
            sleeping.waiter.nudge();
        }
        else
        {
            LockSupport.unpark(thread);
        }
    }

    @Override
    public void execute(final Runnable task)
    {
        if (state != RUNNING)
        {
            throw new RejectedExecutionException("the spinning executor was shut down");
        }
        tasks.offer(task);
        unparkIfParked();
    }

    @Override
    public void shutdown()
    {
        if (state == RUNNING)
        {
            state = SHUTDOWN;
        }
        LockSupport.unpark(thread);
        final InlineWakeup sleeping = sleeper;
        if (sleeping != null)
        {
            sleeping.waiter.nudge();
        }
    }

    @Override
    public List<Runnable> shutdownNow()
    {
        shutdown();
        final List<Runnable> pending = new ArrayList<>();
        Runnable task;
        while ((task = tasks.poll()) != null)
        {
            pending.add(task);
        }
        return pending;
    }

    @Override
    public boolean isShutdown()
    {
        return state != RUNNING;
    }

    @Override
    public boolean isTerminated()
    {
        return terminated.getCount() == 0;
    }

    @Override
    public boolean awaitTermination(final long timeout, final TimeUnit unit) throws InterruptedException
    {
        return terminated.await(timeout, unit);
    }

    /** A wake-up polled by the executor's thread; requested and closed from any thread. */
    private final class InlineWakeup implements Wakeup
    {
        private final ChannelWaiter waiter;
        private final LongConsumer onReached;
        private final AtomicLong requested = new AtomicLong(NONE);
        private volatile boolean closed;

        InlineWakeup(final ChannelWaiter waiter, final LongConsumer onReached)
        {
            this.waiter = waiter;
            this.onReached = onReached;
        }

        @Override
        public void request(final long sequence)
        {
            requested.set(sequence);
            unparkIfParked();
        }

        /** @return whether still requested. */
        boolean poll()
        {
            final long sequence = requested.get();
            if (sequence == NONE)
            {
                return false;
            }
            if (!waiter.poll(sequence))
            {
                return true;
            }
            if (!closed && requested.compareAndSet(sequence, NONE))
            {
                onReached.accept(sequence);
            }
            return requested.get() != NONE;
        }

        /**
         * Unregister. The channel is never read after the end starts closing ({@link ChannelWaiter#poll}
         * enters the end as a foreign waiter), so this need not wait for the executor's thread.
         */
        @Override
        public void close()
        {
            closed = true;
            requested.set(NONE);
            waiter.cancel();
            remove(this);
        }
    }
}
