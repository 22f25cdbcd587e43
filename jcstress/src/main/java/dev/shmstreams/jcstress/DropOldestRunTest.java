package dev.shmstreams.jcstress;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIIIII_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Drop-oldest-unread, two races in a row on a full two-slot ring: the consumer polls twice while
 * the producer claims twice, each claim needing a drop (of frame 0, then of frame 1). So the
 * producer can drop a run of frames before the consumer notices, and the consumer must then jump
 * over all of them (the read cursor moved by more than one), and a consumer that claimed a frame
 * stops every further drop (the producer drops only the oldest frame, and never one claimed).
 *
 * <p>Set-up: two slots, frames 0 and 1 published, unread. Consumer: poll, poll, each frame read
 * in full and kept held. Producer: claim (2, slot 0), write, commit; claim (3, slot 1), write,
 * commit; each claim succeeds only by dropping the oldest unread frame. The arbiter audits the
 * ring ({@link DropLedger#audit()}).
 *
 * <p>Result: r1, r2 = the consumer's polls, r3, r4 = the producer's claims (-1 = RING_FULL /
 * EMPTY), r5 = PRODUCER_DROPPED after the race, r6 = the audit's error bits.
 */
@JCStressTest
@Outcome(id = "0, 1, -1, -1, 0, 0", expect = ACCEPTABLE, desc = "The consumer claimed frame 0 first: nothing can be dropped; it then reads 1.")
@Outcome(id = "1, -1, 2, -1, 1, 0", expect = ACCEPTABLE, desc = "Frame 0 dropped; the consumer won frame 1, frame 2 not yet visible to it.")
@Outcome(id = "1, 2, 2, -1, 1, 0", expect = ACCEPTABLE, desc = "Frame 0 dropped; the consumer won frame 1, then read 2.")
@Outcome(id = "2, -1, 2, 3, 2, 0", expect = ACCEPTABLE, desc = "Frames 0 and 1 dropped; the consumer jumped to 2, frame 3 not yet visible to it.")
@Outcome(id = "2, 3, 2, 3, 2, 0", expect = ACCEPTABLE, desc = "Frames 0 and 1 dropped; the consumer jumped to 2, then read 3.")
@Outcome(id = "0, .*, 2, .*", expect = FORBIDDEN, desc = "Both won frame 0: the consumer read it, the producer took its slot (claim 2).")
@Outcome(id = "1, .*, 2, 3, .*", expect = FORBIDDEN, desc = "Both won frame 1: the consumer read it, the producer took its slot (claim 3).")
@Outcome(expect = FORBIDDEN, desc = "Any other: a frame lost or won twice, torn or overwritten read, broken invariant, stuck ring (r6).")
@State
public class DropOldestRunTest
{
    private final DropLedger ring = new DropLedger(2, 2, 0);

    @Actor
    public void consumer(final IIIIII_Result r)
    {
        r.r1 = (int)ring.poll();
        r.r2 = (int)ring.poll();
    }

    @Actor
    public void producer(final IIIIII_Result r)
    {
        r.r3 = (int)ring.publish();
        r.r4 = (int)ring.publish();
    }

    @Arbiter
    public void arbiter(final IIIIII_Result r)
    {
        r.r5 = (int)ring.producerDropped();
        r.r6 = ring.audit();
    }
}
