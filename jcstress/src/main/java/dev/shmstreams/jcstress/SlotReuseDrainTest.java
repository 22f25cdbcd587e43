package dev.shmstreams.jcstress;

import dev.shmstreams.transport.CorruptSegmentException;
import dev.shmstreams.transport.Frame;
import dev.shmstreams.transport.FrameHandler;
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
 * Slot reuse through {@link ShmConsumer#drain}: poll, hand the frame to a handler, then release the
 * whole batch with one store in {@code drain}'s {@code finally}. The same two properties as
 * {@link SlotReuseTest}, on the batch path: the producer, claiming the slot's next lap, must not
 * overwrite what the handler reads, and must see what the handler wrote before the batch release.
 *
 * <p>One slot; frame 0 is published but not yet polled (set-up), so the consumer's poll inside
 * {@code drain} is part of the race too.
 *
 * <p>Result: r1 = bits of frame 0's payload words (0..7) and metadata (8) the handler saw
 * overwritten, -1 if {@code drain} delivered nothing, {@value TestFrames#CORRUPT} if the poll found
 * an impossible published sequence or descriptor (a producer that claimed too early); r2 = what {@link ShmProducer#tryClaim()}
 * returned; r3 = {@code doneReading} as the producer saw it after a successful claim.
 */
@JCStressTest
@Outcome(id = "0, -1, 0", expect = ACCEPTABLE, desc = "RING_FULL: the batch release was not visible yet; frame 0 read whole.")
@Outcome(id = "0, 1, 1", expect = ACCEPTABLE, desc = "Claimed after the batch release, which it saw with the handler's stores.")
@Outcome(expect = FORBIDDEN, desc = "The handler read overwritten data or a corrupt ring (r1), or a claim did not see the handler's store (r3).")
@State
public class SlotReuseDrainTest implements FrameHandler
{
    private final ShmProducer producer;
    private final ShmConsumer consumer;
    private int stale = -1;
    private int doneReading;

    public SlotReuseDrainTest()
    {
        final InMemoryRing ring = TestFrames.ring(1);
        producer = ring.producer();
        consumer = ring.consumer();
        TestFrames.publish(producer);
    }

    @Override
    public void onFrame(final Frame frame)
    {
        stale = TestFrames.staleContent(frame, 0);
        doneReading = 1;
    }

    @Actor
    public void consumer(final III_Result r)
    {
        try
        {
            consumer.drain(this, 1);
            r.r1 = stale;
        }
        catch (final CorruptSegmentException ex)
        {
            r.r1 = TestFrames.CORRUPT;
        }
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
