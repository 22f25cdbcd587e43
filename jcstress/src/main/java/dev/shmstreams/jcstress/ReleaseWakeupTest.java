package dev.shmstreams.jcstress;

import dev.shmstreams.transport.Frame;
import dev.shmstreams.transport.InMemoryRing;
import dev.shmstreams.transport.ShmConsumer;
import dev.shmstreams.transport.ShmProducer;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

import static dev.shmstreams.transport.layout.HeaderDescriptor.PRODUCER_FUTEX_OFFSET;
import static dev.shmstreams.transport.layout.HeaderDescriptor.PRODUCER_WAITERS_OFFSET;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * No lost wake-up between a real {@link Frame#release()} and a producer about to sleep for space:
 * {@link CommitWakeupTest} in the other direction. The waker is the production code: the
 * release's volatile store of the released sequence, then {@code Endpoint.wakeIfWaiting} on the
 * producer's futex region. The waiter replays the blocking branch of {@code Endpoint.await} for
 * {@link ShmProducer#awaitSpace}, re-checking with the real {@link ShmProducer#tryClaim()}, whose
 * acquire load of the released sequence is the wait condition's.
 *
 * <p>One slot, held by the consumer (set-up), so the producer has no space until the release.
 *
 * <p>Result: r1 = 1 if the waiter's re-check claimed the slot (0: it sleeps on the word it read),
 * r2 = 1 if the futex word changed since, so the sleep returns (EAGAIN) or is woken.
 */
@JCStressTest
@Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "The re-check claimed the slot; the consumer saw no waiter (or it had left).")
@Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "The re-check claimed the slot; the consumer also woke it, needlessly.")
@Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "The waiter sleeps; the consumer saw it and bumped the word: EAGAIN or woken.")
@Outcome(id = "0, 0", expect = FORBIDDEN, desc = "Lost wake-up: the producer sleeps on an unchanged word, the slot is free.")
@Outcome(expect = FORBIDDEN, desc = "Impossible.")
@State
public class ReleaseWakeupTest
{
    private final ShmProducer producer;
    private final Frame held;
    private final UnsafeBuffer header;
    private int sleepWord;

    public ReleaseWakeupTest()
    {
        final InMemoryRing ring = TestFrames.ring(1);
        producer = ring.producer();
        final ShmConsumer consumer = ring.consumer();
        TestFrames.publish(producer);
        held = consumer.frame(TestFrames.take(consumer));
        header = TestFrames.header(held.metadata());
    }

    @Actor
    public void consumer()
    {
        held.release();
    }

    @Actor
    public void waiter(final II_Result r)
    {
        final int word = header.getIntVolatile(PRODUCER_FUTEX_OFFSET);
        header.putIntVolatile(PRODUCER_WAITERS_OFFSET, 1);
        if (producer.tryClaim() >= 0)
        {
            header.putIntVolatile(PRODUCER_WAITERS_OFFSET, 0);
            r.r1 = 1;
        }
        sleepWord = word;
    }

    @Arbiter
    public void kernel(final II_Result r)
    {
        r.r2 = header.getIntVolatile(PRODUCER_FUTEX_OFFSET) != sleepWord ? 1 : 0;
    }
}
