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
 * Drop-oldest-unread, a drop racing with the release of the frame before it: the producer's free
 * base moves both by the consumer's releases and by its own drops, the consumer's released
 * sequence both by releases and by jumps over dropped frames. Neither may go backwards, the
 * producer may drop a frame only once every earlier one is released, and never takes a slot
 * whose frame the consumer still holds.
 *
 * <p>Set-up: two slots, frames 0 and 1 published, frame 0 polled and held (read cursor 1).
 * Consumer: read frame 0 in place, release it (released 0 → 1), then at once poll (the
 * compare-and-set on frame 1) and read what it got in full, held. Producer: claim two slots at
 * once ({@code tryClaim(2)}: sequences 2 and 3, both slots), retrying until it succeeds or until
 * an attempt failed after it had seen the release (at most {@value #ATTEMPTS} attempts); each
 * attempt is preceded by a volatile read of the released sequence, which must not be lower than
 * the previous one; on success both frames are written and committed. The claim needs frame 0
 * released (held, it cannot be dropped) and then frame 1 dropped: the producer's acquire of the
 * release is followed at once by its compare-and-set on frame 1, the consumer's release at once
 * by its own, so nearly every sample contests frame 1. The arbiter audits the ring
 * ({@link DropLedger#audit()}).
 *
 * <p>Result: r1 = the consumer's poll, r2 = the producer's claim (2, or -1 = RING_FULL), r3 = 1 if
 * the producer saw the release (a successful claim did), r4 = PRODUCER_DROPPED after the race,
 * r5 = the audit's error bits.
 */
@JCStressTest
@Outcome(id = "1, -1, 1, 0, 0", expect = ACCEPTABLE, desc = "Contested: the producer saw the release, the consumer won frame 1; nothing dropped.")
@Outcome(id = "1, -1, 0, 0, 0", expect = ACCEPTABLE, desc = "The producer gave up before the release was visible; the consumer read 1.")
@Outcome(id = "2, 2, 1, 1, 0", expect = ACCEPTABLE, desc = "The producer saw the release and dropped 1; the consumer skipped 1 and read 2.")
@Outcome(id = "-1, 2, 1, 1, 0", expect = ACCEPTABLE, desc = "The producer saw the release and dropped 1; the consumer skipped 1, frame 2 not yet visible to it.")
@Outcome(id = "1, 2, .*", expect = FORBIDDEN, desc = "Both won frame 1: the consumer read it and the producer dropped it and overwrote its slot.")
@Outcome(expect = FORBIDDEN, desc = "Any other: frame 0 overwritten while held, released going backwards, a frame lost, stuck ring (r5).")
@State
public class DropOldestReleaseTest
{
    private static final int ATTEMPTS = 1_000;

    private final DropLedger ring = new DropLedger(2, 2, 1);

    @Actor
    public void consumer(final IIIII_Result r)
    {
        ring.intact(0);
        ring.release(0);
        r.r1 = (int)ring.poll();
    }

    @Actor
    public void producer(final IIIII_Result r)
    {
        long first = ring.claim(2);
        for (int attempt = 1; first < 0 && attempt < ATTEMPTS; attempt++)
        {
            final boolean sawRelease = ring.releasedSeen() > 0;
            first = ring.claim(2);
            if (sawRelease)
            {
                break;
            }
        }
        if (first >= 0)
        {
            ring.fill(first);
            ring.fill(first + 1);
        }
        r.r2 = (int)first;
        r.r3 = first >= 0 || ring.releasedSeen() > 0 ? 1 : 0;
    }

    @Arbiter
    public void arbiter(final IIIII_Result r)
    {
        r.r4 = (int)ring.producerDropped();
        r.r5 = ring.audit();
    }
}
