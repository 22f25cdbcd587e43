package dev.shmstreams.jcstress;

import dev.shmstreams.transport.Frame;
import dev.shmstreams.transport.InMemoryRing;
import dev.shmstreams.transport.ShmConsumer;
import dev.shmstreams.transport.ShmProducer;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Slot reuse after release: the producer can take a slot back only after the consumer is done
 * with it, and then not a word early.
 *
 * <p>One slot; the consumer holds frame 0 (set-up). Concurrently, the consumer reads the frame in
 * place and releases it (a release store of the released sequence), while the producer tries to
 * claim sequence 1, which is the same slot, and overwrites it with frame 1. The claim is an
 * acquire load of the released sequence, so:
 * <ul>
 *   <li>the consumer's reads of frame 0 must not see frame 1 (its loads cannot move after its
 *   release store, the producer's stores cannot move before its acquire load);</li>
 *   <li>a successful claim must see everything the consumer did before releasing: here a plain
 *   store to a test field ({@code doneReading}), read by the producer right after its claim.</li>
 * </ul>
 *
 * <p>Result: r1 = bits of frame 0's payload words (0..7) and metadata (8) the consumer saw
 * overwritten, r2 = what {@link ShmProducer#tryClaim()} returned, r3 = {@code doneReading} as the
 * producer saw it after a successful claim (0 when it did not claim).
 */
@JCStressTest
@Outcome(id = "0, -1, 0", expect = ACCEPTABLE, desc = "RING_FULL: the release was not visible yet; frame 0 read whole.")
@Outcome(id = "0, 1, 1", expect = ACCEPTABLE, desc = "Claimed after the release, which it saw with the consumer's earlier stores.")
@Outcome(expect = FORBIDDEN, desc = "The consumer read overwritten data (r1), or a claim did not see the consumer's pre-release store (r3).")
@State
public class SlotReuseTest
{
    private final ShmProducer producer;
    private final ShmConsumer consumer;
    private final Frame held;
    private int doneReading;

    public SlotReuseTest()
    {
        final InMemoryRing ring = TestFrames.ring(1);
        producer = ring.producer();
        consumer = ring.consumer();
        TestFrames.publish(producer);
        held = consumer.frame(TestFrames.take(consumer));
    }

    @Actor
    public void consumer(final III_Result r)
    {
        r.r1 = TestFrames.staleContent(held, 0);
        doneReading = 1;
        held.release();
    }

    @Actor
    public void producer(final III_Result r)
    {
        final long sequence = producer.tryClaim();
        r.r2 = (int)sequence;
        if (sequence >= 0)
        {
            r.r3 = doneReading;
            TestFrames.write(producer, sequence);
            producer.commit(sequence, TestFrames.length(sequence));
        }
    }
}
