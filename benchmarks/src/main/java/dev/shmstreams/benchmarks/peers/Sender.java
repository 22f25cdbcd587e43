package dev.shmstreams.benchmarks.peers;

import dev.shmstreams.benchmarks.RealtimeWait;
import org.agrona.MutableDirectBuffer;

import java.util.concurrent.locks.LockSupport;

/**
 * The producer's side of every peer: numbers the messages, decides which carry a ready stamp, and
 * at a fixed rate waits for each message's due time. It parks until shortly before and spins the
 * rest ({@value #SPIN_NANOS} ns): parkNanos alone wakes 50-100 µs late here, and as latency is
 * measured from the due time (coordinated omission), a late producer would be counted against the
 * transport. A producer that falls behind sends at once, and the lag is counted. A producer on a
 * pinned thread of its own also runs the phase at real-time priority ({@link #withRealtimeWait}),
 * or it waits, once woken, behind the other threads on its CPU.
 *
 * <p>Small messages at a fixed rate warm up at {@value #WARMUP_SPEEDUP}x the rate for all but the
 * last {@value #SETTLE_MILLIS} ms of the warm-up: at 1,000/s the JIT is still compiling, and
 * deoptimizing, the waiting paths seconds into the window (seen with -XX:+PrintCompilation: Akka's
 * GraphInterpreter.execute made not entrant 20 s into a phase), and a compiler thread on the
 * producer's core delays its wake-ups by milliseconds. The due times then go on at the phase's rate
 * from the first message after the fast part (or from then, if the peer fell behind in it).
 */
final class Sender
{
    static final long SPIN_NANOS = 100_000;
    static final int WARMUP_SPEEDUP = 20;
    static final long SETTLE_MILLIS = 1_000;

    private final Phase phase;
    private final PhaseControl control;
    private final int index;
    private final long period;
    private final int stampEvery;
    private final long fastNanos;
    /** Due times: base + (sequence - baseSequence) * current. */
    private long base;
    private long baseSequence;
    private long current;
    private long fastUntil;
    long sequence;
    private boolean realtime;
    private boolean inRealtime;

    Sender(final Phase phase, final PhaseControl control, final int index)
    {
        this.phase = phase;
        this.control = control;
        this.index = index;
        this.period = phase.saturating() ? 0 : phase.periodNanos();
        this.stampEvery = phase.stampEvery();
        this.fastNanos = period != 0 && phase.small() ?
            Math.max(0, phase.warmupMs - SETTLE_MILLIS) * 1_000_000 : 0;
    }

    /**
     * Wait for the due times at real-time priority (see {@link RealtimeWait}), on the thread that
     * calls {@link #awaitDue}, until {@link #finish}: for a producer on a pinned thread of its own.
     * Producers on an Akka dispatcher's pool are left at normal priority, as they are left unpinned.
     */
    Sender withRealtimeWait()
    {
        this.realtime = RealtimeWait.REQUESTED && period != 0;
        return this;
    }

    /** Back to normal priority, on the producer's thread, once the phase is over. */
    void finish()
    {
        if (inRealtime)
        {
            RealtimeWait.leave();
            inRealtime = false;
        }
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
        final long due = nextDue();
        if (realtime && !inRealtime)
        {
            inRealtime = RealtimeWait.enter();
        }
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

    private long nextDue()
    {
        if (current == 0)
        {
            final long now = System.nanoTime();
            fastUntil = now + fastNanos;
            current = fastNanos > 0 ? period / WARMUP_SPEEDUP : period;
            base = now + current;
            baseSequence = sequence;
        }
        final long due = base + (sequence - baseSequence) * current;
        if (current != period && (due - fastUntil >= 0 || System.nanoTime() - fastUntil >= 0))
        {
            // a peer that could not keep up with the fast part is not charged its debt: the rate's due
            // times start from now (StreamRefs, backpressured at 20,000/s, was seconds behind)
            current = period;
            base = Math.max(due, System.nanoTime()) + period;
            baseSequence = sequence;
            return base;
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
