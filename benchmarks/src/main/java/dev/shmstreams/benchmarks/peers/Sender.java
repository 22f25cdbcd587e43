package dev.shmstreams.benchmarks.peers;

import org.agrona.MutableDirectBuffer;

import java.util.concurrent.locks.LockSupport;

/**
 * The producer's side of every peer: numbers the messages, decides which carry a ready stamp, and
 * at a fixed rate waits for each message's due time. It parks until shortly before and spins the
 * rest ({@value #SPIN_NANOS} ns): parkNanos alone wakes 50-100 µs late here, and as latency is
 * measured from the due time (coordinated omission), a late producer would be counted against the
 * transport. A producer that falls behind sends at once, and the lag is counted.
 */
final class Sender
{
    static final long SPIN_NANOS = 100_000;

    private final Phase phase;
    private final PhaseControl control;
    private final int index;
    private final long period;
    private final int stampEvery;
    private long start;
    long sequence;

    Sender(final Phase phase, final PhaseControl control, final int index)
    {
        this.phase = phase;
        this.control = control;
        this.index = index;
        this.period = phase.saturating() ? 0 : phase.periodNanos();
        this.stampEvery = phase.stampEvery();
    }

    boolean stopped()
    {
        return control.stopped(index);
    }

    /**
     * @return for a fixed rate, when the next message is due, having waited until then; 0 at saturation.
     */
    long awaitDue()
    {
        if (period == 0)
        {
            return 0;
        }
        if (start == 0)
        {
            start = System.nanoTime() + period;
        }
        final long due = start + sequence * period;
        long now;
        while (due - (now = System.nanoTime()) > SPIN_NANOS)
        {
            LockSupport.parkNanos(due - now - SPIN_NANOS);
        }
        while (due - System.nanoTime() > 0)
        {
            Thread.onSpinWait();
        }
        return due;
    }

    /** Write the next message in place (its header and every payload byte). */
    void write(final MutableDirectBuffer buffer, final int offset, final long intended)
    {
        final long s = sequence++;
        Message.write(buffer, offset, phase.length, s, intended, s % stampEvery == 0);
    }

    int length()
    {
        return phase.length;
    }
}
