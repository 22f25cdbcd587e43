package dev.shmstreams.jcstress;

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

import static dev.shmstreams.transport.layout.HeaderDescriptor.CONSUMER_FUTEX_OFFSET;
import static dev.shmstreams.transport.layout.HeaderDescriptor.CONSUMER_WAITERS_OFFSET;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * No lost wake-up between a real {@link ShmProducer#commit} and a consumer about to sleep for a
 * frame. Where {@link FutexWaiterCountTest} replays the accesses, here the waker is the
 * production code: commit's volatile store of the published sequence, then
 * {@code Endpoint.wakeIfWaiting}, which on a heap ring bumps the futex word exactly as on a
 * segment and only skips the syscall. A change of that store to a release-only one (see
 * {@link FutexOrderedStoreTest}) or of the order of the two would show up here as "0, 0".
 *
 * <p>The waiter replays the blocking branch of {@code Endpoint.await} for
 * {@link ShmConsumer#awaitFrames}: read the futex word, register in the waiter count (atomic
 * add), then re-check, here with the real {@link ShmConsumer#poll()}, whose first access is the
 * same acquire load of the published sequence as the wait condition's. The arbiter plays the
 * kernel's check of the word.
 *
 * <p>Result: r1 = 1 if the waiter's re-check found the frame (0: it sleeps on the word it read),
 * r2 = 1 if the futex word changed since, so the sleep returns (EAGAIN) or is woken.
 */
@JCStressTest
@Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "The re-check found the frame; the producer saw no waiter (or it had left).")
@Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "The re-check found the frame; the producer also woke it, needlessly.")
@Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "The waiter sleeps; the producer saw it and bumped the word: EAGAIN or woken.")
@Outcome(id = "0, 0", expect = FORBIDDEN, desc = "Lost wake-up: the waiter sleeps on an unchanged word, the frame is published.")
@Outcome(expect = FORBIDDEN, desc = "Impossible.")
@State
public class CommitWakeupTest
{
    private final ShmProducer producer;
    private final ShmConsumer consumer;
    private final UnsafeBuffer header;
    private final long claimed;
    private int sleepWord;

    public CommitWakeupTest()
    {
        final InMemoryRing ring = TestFrames.ring(2);
        producer = ring.producer();
        consumer = ring.consumer();
        claimed = producer.tryClaim();
        TestFrames.write(producer, claimed);
        header = TestFrames.header(producer.frame(claimed).metadata());
    }

    @Actor
    public void producer()
    {
        producer.commit(claimed, TestFrames.length(claimed));
    }

    @Actor
    public void waiter(final II_Result r)
    {
        final int word = header.getIntVolatile(CONSUMER_FUTEX_OFFSET);
        header.putIntVolatile(CONSUMER_WAITERS_OFFSET, 1);
        if (consumer.poll() >= 0)
        {
            header.putIntVolatile(CONSUMER_WAITERS_OFFSET, 0);
            r.r1 = 1;
        }
        sleepWord = word;
    }

    @Arbiter
    public void kernel(final II_Result r)
    {
        r.r2 = header.getIntVolatile(CONSUMER_FUTEX_OFFSET) != sleepWord ? 1 : 0;
    }
}
