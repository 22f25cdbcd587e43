package dev.shmstreams.jcstress;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Drop-oldest-unread, the ownership race itself: a consumer's poll of frame 0 against the
 * producer's drop of frame 0, on a full one-slot ring. Both decide it by a compare-and-set of the
 * read cursor from 0 to 1; exactly one may win.
 *
 * <p>Set-up: one slot, frame 0 published, unread (read cursor 0). Concurrently the consumer polls
 * once, reads whatever frame it got in full and keeps it held, while the producer claims once
 * (sequence 1, the same slot: possible only by dropping frame 0), writes frame 1 and commits it.
 * The arbiter then audits the ring ({@link DropLedger#audit()}: accounting of every frame,
 * header invariants, held frame still intact, drain, then a claim/poll sequence that must work).
 *
 * <p>Result: r1 = the consumer's poll (0, 1, -1 = EMPTY, -100 = corrupt), r2 = the producer's
 * claim (1, or -1 = RING_FULL), r3 = PRODUCER_DROPPED after the race, r4 = the audit's error bits.
 */
@JCStressTest
@Outcome(id = "0, -1, 0, 0", expect = ACCEPTABLE, desc = "The consumer won frame 0 and read it whole; the producer found the ring full.")
@Outcome(id = "-1, 1, 1, 0", expect = ACCEPTABLE, desc = "The producer dropped frame 0; the consumer skipped it (counted) before frame 1 was published.")
@Outcome(id = "1, 1, 1, 0", expect = ACCEPTABLE, desc = "The producer dropped frame 0; the consumer skipped it and read frame 1 whole.")
@Outcome(id = "0, 1, .*", expect = FORBIDDEN, desc = "Both won frame 0: the consumer read it and the producer dropped it and overwrote its slot.")
@Outcome(id = "-1, -1, .*", expect = FORBIDDEN, desc = "Neither won frame 0: it was lost.")
@Outcome(expect = FORBIDDEN, desc = "Torn or overwritten read, lost or twice-counted frame, broken invariant, stuck ring, corrupt ring (r4).")
@State
public class DropOldestRaceTest
{
    private final DropLedger ring = new DropLedger(1, 1, 0);

    @Actor
    public void consumer(final IIII_Result r)
    {
        r.r1 = (int)ring.poll();
    }

    @Actor
    public void producer(final IIII_Result r)
    {
        r.r2 = (int)ring.publish();
    }

    @Arbiter
    public void arbiter(final IIII_Result r)
    {
        r.r3 = (int)ring.producerDropped();
        r.r4 = ring.audit();
    }
}
