package dev.shmstreams.benchmarks;

import java.util.concurrent.locks.LockSupport;

/**
 * Sends at a fixed period: sleeps until the next deadline, then moves it by one period (or, when
 * late, to one period from now, so a stall does not cause a burst). The receiver is asleep between
 * sends, which is the point of the wake-up scenarios.
 */
final class Pacer
{
    private long periodNanos;
    private long next;

    Pacer(final long periodNanos)
    {
        this.periodNanos = periodNanos;
        this.next = System.nanoTime() + periodNanos;
    }

    /** @param periodNanos the period from the next send on. */
    void period(final long periodNanos)
    {
        this.periodNanos = periodNanos;
    }

    void awaitNext()
    {
        long now;
        while ((now = System.nanoTime()) - next < 0)
        {
            LockSupport.parkNanos(next - now);
        }
        next += periodNanos;
        if (next - now < 0)
        {
            next = now + periodNanos;
        }
    }
}
