package dev.shmstreams.jcstress;

import dev.shmstreams.transport.CorruptSegmentException;
import dev.shmstreams.transport.InMemoryRing;
import dev.shmstreams.transport.ShmConsumer;
import dev.shmstreams.transport.ShmProducer;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.JI_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Publication: a frame is visible whole or not at all.
 *
 * <p>The producer claims, writes eight payload words and the user metadata in place, sets the
 * descriptor fields and commits: plain stores, then one release store of the published sequence.
 * The consumer polls: an acquire load of the published sequence, then plain loads of the
 * descriptor (its sequence field is checked against the expected one) and of the payload. If the
 * acquire load sees the new published sequence, every plain store before the release store must
 * be visible; a frame with any stale field is a broken publication.
 *
 * <p>The one-slot ring has already carried frame 0 through the slot (set-up), so every field a
 * stale read could return holds frame 0's value, not zero, and the descriptor's sequence field
 * still says 0: a consumer that read it before the producer's plain store would throw
 * {@link CorruptSegmentException} (reported as r1 = {@value TestFrames#CORRUPT}).
 *
 * <p>Result: r1 = what {@link ShmConsumer#poll()} returned, r2 = bits of the fields that were not
 * frame 1's (payload words 0..7 = bits 0..7, metadata 8, length 9, frame id 10, timestamp 11,
 * user flags 12).
 */
@JCStressTest
@Outcome(id = "-1, 0", expect = ACCEPTABLE, desc = "Not yet published: poll() returned EMPTY.")
@Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "Frame 1, every payload word and descriptor field the committed one.")
@Outcome(expect = FORBIDDEN, desc = "Partially visible frame (r2 = stale fields) or corrupt descriptor (r1 = -100).")
@State
public class PublicationTest
{
    private final ShmProducer producer;
    private final ShmConsumer consumer;

    public PublicationTest()
    {
        final InMemoryRing ring = TestFrames.ring(1);
        producer = ring.producer();
        consumer = ring.consumer();
        TestFrames.publish(producer);
        consumer.release(TestFrames.take(consumer));
    }

    @Actor
    public void producer()
    {
        final long sequence = producer.tryClaim();
        TestFrames.write(producer, sequence);
        producer.commit(sequence, TestFrames.length(sequence));
    }

    @Actor
    public void consumer(final JI_Result r)
    {
        try
        {
            final long sequence = consumer.poll();
            r.r1 = sequence;
            if (sequence >= 0)
            {
                r.r2 = TestFrames.staleFields(consumer.frame(sequence), sequence);
            }
        }
        catch (final CorruptSegmentException ex)
        {
            r.r1 = TestFrames.CORRUPT;
        }
    }
}
