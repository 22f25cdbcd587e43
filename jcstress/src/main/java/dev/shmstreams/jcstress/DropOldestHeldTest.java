package dev.shmstreams.jcstress;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIIII_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Drop-oldest-unread never drops a frame the consumer claimed: while the consumer holds the
 * oldest frame, the producer's claim of its slot fails with RING_FULL (it must not drop the
 * claimed frame, nor drop the newer unread frame instead, which would not free that slot), and
 * the held frame is never overwritten while the consumer reads it.
 *
 * <p>Set-up: two slots, frames 0 and 1 published, frame 0 polled and held (read cursor 1, frame
 * 1 unread). Consumer: read frame 0 in place twice (payload and user metadata), store a plain
 * marker {@code doneReading}, release frame 0. Producer: two claim attempts, each success written
 * and committed; right after its first successful claim it reads the marker. Sequence 2 (slot 0)
 * can only be claimed once the release of frame 0 is visible, and then the marker must be too
 * (the claim's acquire load of the released sequence); sequence 3 (slot 1) then needs the drop of
 * frame 1, still unread. The arbiter audits the ring ({@link DropLedger#audit()}).
 *
 * <p>Result: r1, r2 = the two claims (-1 = RING_FULL), r3 = the marker seen after the first
 * successful claim (0 without one), r4 = PRODUCER_DROPPED after the race, r5 = the audit's error
 * bits (an overwrite of frame 0 before its release shows as TORN/OVERWRITTEN there).
 */
@JCStressTest
@Outcome(id = "-1, -1, 0, 0, 0", expect = ACCEPTABLE, desc = "Both claims failed: frame 0 was held (release not visible yet); nothing dropped.")
@Outcome(id = "-1, 2, 1, 0, 0", expect = ACCEPTABLE, desc = "The second claim saw the release (and the marker); no drop needed.")
@Outcome(id = "2, 3, 1, 1, 0", expect = ACCEPTABLE, desc = "The first claim saw the release; the second dropped the unread frame 1.")
@Outcome(id = "2, .*, 0, .*", expect = FORBIDDEN, desc = "Claimed the held frame's slot before its release: dropped or overwrote a claimed frame.")
@Outcome(id = "-1, 2, 0, .*", expect = FORBIDDEN, desc = "Claimed the held frame's slot before its release: dropped or overwrote a claimed frame.")
@Outcome(expect = FORBIDDEN, desc = "Any other: frame 0 read torn, a claim beyond the free slots, broken invariant, stuck ring (r5).")
@State
public class DropOldestHeldTest
{
    private final DropLedger ring = new DropLedger(2, 2, 1);
    private int doneReading;

    @Actor
    public void consumer()
    {
        ring.intact(0);
        ring.intact(0);
        doneReading = 1;
        ring.release(0);
    }

    @Actor
    public void producer(final IIIII_Result r)
    {
        final long first = ring.claim();
        r.r1 = (int)first;
        if (first >= 0)
        {
            r.r3 = doneReading;
            ring.fill(first);
        }
        final long second = ring.claim();
        r.r2 = (int)second;
        if (second >= 0)
        {
            if (first < 0)
            {
                r.r3 = doneReading;
            }
            ring.fill(second);
        }
    }

    @Arbiter
    public void arbiter(final IIIII_Result r)
    {
        r.r4 = (int)ring.producerDropped();
        r.r5 = ring.audit();
    }
}
