package dev.shmstreams.jcstress;

import dev.shmstreams.transport.CorruptSegmentException;
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
 * Completion never overtakes a frame: a consumer that sees END_OF_STREAM has received every frame
 * committed before {@link ShmProducer#complete()}.
 *
 * <p>The producer commits frame 0 (release store of the published sequence), then completes
 * (release store of its state). The consumer polls twice. When a poll finds nothing below its
 * cached published sequence it reads the producer state (acquire) and, seeing COMPLETED, reads the
 * published sequence again (acquire) before answering END_OF_STREAM: whoever sees the state sees
 * the frame published before it. A consumer that cached the published sequence and trusted it
 * after seeing COMPLETED would lose the last frame.
 *
 * <p>Result: r1, r2 = the two {@link ShmConsumer#poll()} results (0 = frame 0, -1 = EMPTY,
 * -2 = END_OF_STREAM, -100 = corrupt descriptor), r3 = stale fields of frame 0 when received.
 */
@JCStressTest
@Outcome(id = "-1, -1, 0", expect = ACCEPTABLE, desc = "Nothing visible yet, twice.")
@Outcome(id = "-1, 0, 0", expect = ACCEPTABLE, desc = "Frame 0 on the second poll, whole.")
@Outcome(id = "0, -1, 0", expect = ACCEPTABLE, desc = "Frame 0, whole; completion not visible yet.")
@Outcome(id = "0, -2, 0", expect = ACCEPTABLE, desc = "Frame 0, whole, then END_OF_STREAM.")
@Outcome(expect = FORBIDDEN, desc = "END_OF_STREAM before frame 0, a partial frame (r3), or a corrupt descriptor.")
@State
public class CompletionTest
{
    private final ShmProducer producer;
    private final ShmConsumer consumer;

    public CompletionTest()
    {
        final InMemoryRing ring = TestFrames.ring(2);
        producer = ring.producer();
        consumer = ring.consumer();
    }

    @Actor
    public void producer()
    {
        final long sequence = producer.tryClaim();
        TestFrames.write(producer, sequence);
        producer.commit(sequence, TestFrames.length(sequence));
        producer.complete();
    }

    @Actor
    public void consumer(final III_Result r)
    {
        try
        {
            final long first = consumer.poll();
            r.r1 = (int)first;
            if (first >= 0)
            {
                r.r3 = TestFrames.staleFields(consumer.frame(first), first);
            }
            final long second = consumer.poll();
            r.r2 = (int)second;
            if (second >= 0)
            {
                r.r3 = TestFrames.staleFields(consumer.frame(second), second);
            }
        }
        catch (final CorruptSegmentException ex)
        {
            r.r1 = TestFrames.CORRUPT;
        }
    }
}
