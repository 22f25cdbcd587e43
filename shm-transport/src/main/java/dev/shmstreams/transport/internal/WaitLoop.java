package dev.shmstreams.transport.internal;

import dev.shmstreams.transport.ChannelSettings;
import dev.shmstreams.transport.WaitStrategy;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.concurrent.locks.LockSupport;

/**
 * The wait loop of each {@link WaitStrategy}, for one thread: it owns its futex timespec and its
 * backoff state, so the owner of a channel end and a foreign waiter (an Akka stage's wake-up
 * thread) each need their own. The futex protocol it follows is described on {@link Endpoint}.
 */
public final class WaitLoop
{
    private static final long HEAP_PARK_NANOS = 50_000;

    private final UnsafeBuffer header;
    private final long baseAddress;
    private final WaitStrategy strategy;
    private final int spinsBeforeBlocking;
    private final long livenessIntervalNs;
    private final Futex futex;
    private final BackoffIdleStrategy backoff = new BackoffIdleStrategy(100, 10, 1_000, 1_000_000);
    private final Endpoint endpoint;

    WaitLoop(final UnsafeBuffer header, final long baseAddress, final ChannelSettings settings, final Endpoint endpoint)
    {
        this.endpoint = endpoint;
        this.header = header;
        this.baseAddress = baseAddress;
        this.strategy = settings.waitStrategy();
        this.spinsBeforeBlocking = settings.spinsBeforeBlocking();
        this.livenessIntervalNs = settings.livenessInterval().toNanos();
        this.futex = baseAddress == 0 ? null : new Futex();
    }

    /**
     * @param condition          checked between idles; must not allocate.
     * @param futexOffset        the futex word to sleep on.
     * @param waitersOffset      the waiter count next to it.
     * @param timeoutNanos       how long at most.
     * @param waitCounterOffset  offset of a counter incremented (atomically) per sleep.
     * @return whether the condition held.
     */
    public boolean await(
        final Endpoint.WaitCondition condition,
        final int futexOffset,
        final int waitersOffset,
        final long timeoutNanos,
        final int waitCounterOffset)
    {
        if (condition.isSatisfied())
        {
            return true;
        }
        final long deadline = System.nanoTime() + timeoutNanos;
        switch (strategy)
        {
            case BUSY_SPIN:
                for (int i = 1; ; i++)
                {
                    Thread.onSpinWait();
                    if (condition.isSatisfied())
                    {
                        return true;
                    }
                    if ((i & 0xFF) == 0 && System.nanoTime() - deadline >= 0)
                    {
                        return false;
                    }
                }

            case BACKOFF:
                backoff.reset();
                while (true)
                {
                    backoff.idle();
                    if (condition.isSatisfied())
                    {
                        return true;
                    }
                    if (System.nanoTime() - deadline >= 0)
                    {
                        return false;
                    }
                }

            default:
                for (int i = 0; i < spinsBeforeBlocking; i++)
                {
                    Thread.onSpinWait();
                    if (condition.isSatisfied())
                    {
                        return true;
                    }
                }
                while (true)
                {
                    final long remaining = deadline - System.nanoTime();
                    if (remaining <= 0)
                    {
                        return condition.isSatisfied();
                    }
                    final long sleep = Math.min(remaining, livenessIntervalNs);
                    if (futex == null)
                    {
                        LockSupport.parkNanos(Math.min(sleep, HEAP_PARK_NANOS));
                    }
                    else
                    {
                        // check the size before touching the mapping again, and after a sleep (which is
                        // when a peer had time to truncate the file)
                        if (!endpoint.isIntact())
                        {
                            return true;
                        }
                        final int word = header.getIntVolatile(futexOffset);
                        endpoint.changeWaiters(waitersOffset, 1, waitCounterOffset);
                        try
                        {
                            if (condition.isSatisfied())
                            {
                                return true;
                            }
                            futex.await(baseAddress + futexOffset, word, sleep);
                            endpoint.isIntact();
                        }
                        finally
                        {
                            endpoint.changeWaiters(waitersOffset, -1, -1);
                        }
                        if (!endpoint.isIntact())
                        {
                            return true;
                        }
                    }
                    if (condition.isSatisfied())
                    {
                        return true;
                    }
                }
        }
    }
}
