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
 * Out-of-order commit: the published sequence covers only the contiguous committed prefix, so a
 * frame committed early is not visible before the earlier frames are.
 *
 * <p>Two slots, both claimed (set-up). The producer commits frame 1 first, which must publish
 * nothing, then frame 0, which publishes both with one release store. The consumer polls twice.
 * A producer that published frame 1's commit would expose slot 0 uncommitted: its descriptor
 * still says "sequence -1", so the consumer's check throws (r1 = {@value TestFrames#CORRUPT}).
 *
 * <p>Result: r1, r2 = the two {@link ShmConsumer#poll()} results, r3 = stale fields of the frames
 * received (OR of both masks).
 */
@JCStressTest
@Outcome(id = "-1, -1, 0", expect = ACCEPTABLE, desc = "Nothing published yet.")
@Outcome(id = "-1, 0, 0", expect = ACCEPTABLE, desc = "Both published between the polls; frame 0 whole.")
@Outcome(id = "0, 1, 0", expect = ACCEPTABLE, desc = "Both published, in order, whole.")
@Outcome(expect = FORBIDDEN, desc = "A frame published before an earlier one was committed, or a partial frame.")
@State
public class OutOfOrderCommitTest
{
    private final ShmProducer producer;
    private final ShmConsumer consumer;
    private final long first;

    public OutOfOrderCommitTest()
    {
        final InMemoryRing ring = TestFrames.ring(2);
        producer = ring.producer();
        consumer = ring.consumer();
        first = producer.tryClaim(2);
    }

    @Actor
    public void producer()
    {
        final long second = first + 1;
        TestFrames.write(producer, second);
        producer.commit(second, TestFrames.length(second));
        TestFrames.write(producer, first);
        producer.commit(first, TestFrames.length(first));
    }

    @Actor
    public void consumer(final III_Result r)
    {
        try
        {
            final long a = consumer.poll();
            r.r1 = (int)a;
            if (a >= 0)
            {
                r.r3 |= TestFrames.staleFields(consumer.frame(a), a);
            }
            final long b = consumer.poll();
            r.r2 = (int)b;
            if (b >= 0)
            {
                r.r3 |= TestFrames.staleFields(consumer.frame(b), b);
            }
        }
        catch (final CorruptSegmentException ex)
        {
            r.r1 = TestFrames.CORRUPT;
        }
    }
}
