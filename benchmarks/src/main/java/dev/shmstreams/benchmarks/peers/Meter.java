package dev.shmstreams.benchmarks.peers;

import dev.shmstreams.benchmarks.ChildContext;
import dev.shmstreams.benchmarks.WindowClock;
import org.HdrHistogram.Histogram;
import org.agrona.DirectBuffer;

/**
 * The consumer's side of every peer: checks each message (its sequence, its length, the sum of
 * every payload byte), counts it into a warm-up and a measured window by time, records one-way
 * latencies inside the window, and moves the phase's state in the control file so that both
 * processes' watchers sample the same window.
 *
 * <p>Latency is taken on arrival of the whole message, before its payload is read: "latency" from
 * the time the message was due (fixed rate only: coordinated omission is corrected by measuring
 * from the intended send time, so a producer held up by its transport is charged for it), and
 * "handoff" from the time the producer had filled it; "lag" is the producer's part of the first, from
 * the due time to the message filled (its own wake-up and the transport holding it back). The clock
 * is read only for stamped messages.
 */
final class Meter
{
    private final ChildContext ctx;
    private final PhaseControl control;
    private final int index;
    private final Phase phase;
    private final WindowClock clock;
    private final Histogram latency = ChildContext.newLatencyHistogram();
    private final Histogram handoff = ChildContext.newLatencyHistogram();
    private final Histogram lag = ChildContext.newLatencyHistogram();
    private long expected;
    private long frames;
    private long errors;
    private boolean done;

    Meter(final ChildContext ctx, final PhaseControl control, final int index, final Phase phase)
    {
        this.ctx = ctx;
        this.control = control;
        this.index = index;
        this.phase = phase;
        this.clock = new WindowClock(phase.warmupMs, phase.measureMs, phase.saturating() && phase.small() ? 1024 : 1);
        control.advance(index, PhaseControl.WARMING);
    }

    /**
     * @return true once the measured window is over (the phase is then stopped in the control file;
     * further messages are ignored).
     */
    boolean accept(final DirectBuffer buffer, final int offset, final int length)
    {
        if (done)
        {
            return true;
        }
        final long sequence = buffer.getLong(offset + Message.SEQUENCE);
        final long intended = buffer.getLong(offset + Message.INTENDED);
        final long ready = buffer.getLong(offset + Message.READY);
        final long now = (intended | ready) != 0 ? System.nanoTime() : 0;
        if (length != phase.length || sequence != expected || !Message.payloadIntact(buffer, offset, length, sequence))
        {
            if (errors++ < 5)
            {
                ctx.log(phase.name + ": bad message: sequence " + sequence + " (expected " + expected + "), length " +
                    length);
            }
        }
        expected = sequence + 1;
        final boolean measuring = clock.measuring();
        if (measuring)
        {
            if (intended != 0)
            {
                ChildContext.record(latency, now - intended);
            }
            if (ready != 0)
            {
                ChildContext.record(handoff, now - ready);
                if (intended != 0)
                {
                    ChildContext.record(lag, ready - intended);
                }
            }
        }
        done = clock.tick(++frames);
        if (!measuring && clock.measuring())
        {
            control.advance(index, PhaseControl.MEASURING);
        }
        if (done)
        {
            control.advance(index, PhaseControl.STOPPED);
        }
        return done;
    }

    boolean done()
    {
        return done;
    }

    /** Report the phase's figures as {@code <phase>.<key>} results. */
    void report()
    {
        final String name = phase.name;
        ctx.log(name + ": slice rates, frames/s: " + clock.slicesText().replace(" ", "M ") + "M, errors " + errors);
        ctx.result(name + ".framesPerSecond", clock.medianSliceFramesPerSecond());
        ctx.result(name + ".windowFramesPerSecond", clock.framesPerSecond());
        ctx.result(name + ".framesMeasured", clock.framesInWindow());
        ctx.result(name + ".errors", errors);
        if (latency.getTotalCount() > 0)
        {
            ctx.result(name + ".latency", latency);
        }
        if (handoff.getTotalCount() > 0)
        {
            ctx.result(name + ".handoff", handoff);
        }
        if (lag.getTotalCount() > 0)
        {
            ctx.result(name + ".lag", lag);
        }
    }
}
