package dev.shmstreams.jcstress;

import dev.shmstreams.transport.CorruptSegmentException;
import dev.shmstreams.transport.InMemoryRing;
import dev.shmstreams.transport.ShmConsumer;
import dev.shmstreams.transport.ShmProducer;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Failure reaches the consumer after the frames committed before it, and with its message.
 *
 * <p>The producer commits frame 0, then {@link ShmProducer#fail(String)}: the error text and its
 * length are plain stores, followed by the release store of the FAILED state. The consumer polls
 * twice; on PRODUCER_FAILED it reads {@link ShmConsumer#producerError()}, which must be the whole
 * message: the state's acquire load orders the text's loads after it.
 *
 * <p>Result: r1, r2 = the two {@link ShmConsumer#poll()} results (0 = frame 0, -1 = EMPTY,
 * -3 = PRODUCER_FAILED, -100 = corrupt descriptor), r3 = stale fields of frame 0 when received,
 * r4 = 1 if the error text read after PRODUCER_FAILED is the message, 0 if not, -1 if not read.
 */
@JCStressTest
@Outcome(id = "-1, -1, 0, -1", expect = ACCEPTABLE, desc = "Nothing visible yet, twice.")
@Outcome(id = "-1, 0, 0, -1", expect = ACCEPTABLE, desc = "Frame 0 on the second poll, whole.")
@Outcome(id = "0, -1, 0, -1", expect = ACCEPTABLE, desc = "Frame 0, whole; the failure not visible yet.")
@Outcome(id = "0, -3, 0, 1", expect = ACCEPTABLE, desc = "Frame 0, whole, then PRODUCER_FAILED with the whole message.")
@Outcome(expect = FORBIDDEN, desc = "Failure before frame 0, a partial frame, or a missing or torn error text (r4 = 0).")
@State
public class ProducerFailureTest
{
    /** Long enough to span several cache lines of the error field. */
    static final String MESSAGE = "encoder failed after frame 0: the error text is written with plain stores " +
        "before the release store of the FAILED state, so a consumer that sees FAILED reads all of it";

    private final ShmProducer producer;
    private final ShmConsumer consumer;

    public ProducerFailureTest()
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
        producer.fail(MESSAGE);
    }

    @Actor
    public void consumer(final IIII_Result r)
    {
        r.r4 = -1;
        try
        {
            final long first = consumer.poll();
            r.r1 = (int)first;
            observe(first, r);
            final long second = consumer.poll();
            r.r2 = (int)second;
            observe(second, r);
        }
        catch (final CorruptSegmentException ex)
        {
            r.r1 = TestFrames.CORRUPT;
        }
    }

    private void observe(final long polled, final IIII_Result r)
    {
        if (polled >= 0)
        {
            r.r3 = TestFrames.staleFields(consumer.frame(polled), polled);
        }
        else if (polled == ShmConsumer.PRODUCER_FAILED)
        {
            r.r4 = MESSAGE.equals(consumer.producerError()) ? 1 : 0;
        }
    }
}
