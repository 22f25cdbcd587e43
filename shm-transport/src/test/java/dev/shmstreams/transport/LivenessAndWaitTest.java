package dev.shmstreams.transport;

import dev.shmstreams.transport.layout.ParticipantDescriptor;
import dev.shmstreams.transport.test.ShmTestDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Peer states, and each wait strategy's wake-ups, between two ends in one JVM (separate mappings
 * and file descriptors, so locks and futexes behave as across processes; kill -9 is covered by the
 * cross-process tests).
 */
@ExtendWith(ShmTestDirectory.class)
class LivenessAndWaitTest
{
    private static final long LONG_WAIT = TimeUnit.SECONDS.toNanos(30);

    private static ChannelSettings settings(final Path dir, final WaitStrategy strategy)
    {
        return ChannelSettings.create("live").withDirectory(dir).withSlotCount(2).withSlotSize(4096)
            .withWaitStrategy(strategy).withAttachTimeout(Duration.ofSeconds(5));
    }

    @Test
    void peerStatesFollowAttachAndDetach(final Path dir)
    {
        try (ShmProducer producer = ShmProducer.create(settings(dir, WaitStrategy.BLOCKING)))
        {
            assertEquals(PeerState.NOT_ATTACHED, producer.consumerState());
            assertFalse(producer.isPeerAlive());
            final ShmConsumer consumer = ShmConsumer.attach(settings(dir, WaitStrategy.BLOCKING));
            assertEquals(PeerState.ALIVE, producer.consumerState());
            assertEquals(PeerState.ALIVE, consumer.producerState());
            assertTrue(consumer.isPeerAlive());
            consumer.close();
            assertEquals(PeerState.DETACHED, producer.consumerState());
            assertEquals(PeerState.DETACHED, consumer.producerState(), "a closed end reports nothing live");
        }
    }

    @Test
    void aSilentPeerIsStalledNotLost(final Path dir) throws InterruptedException
    {
        final ChannelSettings quietProducer = settings(dir, WaitStrategy.BLOCKING).withHeartbeatInterval(Duration.ofHours(1));
        try (ShmProducer ignored = ShmProducer.create(quietProducer);
             ShmConsumer consumer = ShmConsumer.attach(settings(dir, WaitStrategy.BLOCKING)
                 .withStallTimeout(Duration.ofMillis(200))))
        {
            final long deadline = System.nanoTime() + LONG_WAIT;
            while (consumer.producerState() != PeerState.STALLED && System.nanoTime() < deadline)
            {
                Thread.sleep(20);
            }
            assertEquals(PeerState.STALLED, consumer.producerState());
            assertTrue(consumer.isPeerAlive(), "stalled is alive: its lock is held");
            assertEquals(ShmConsumer.EMPTY, consumer.poll(), "a stall is not an end of stream");
        }
    }

    @ParameterizedTest
    @EnumSource(WaitStrategy.class)
    void aWaitingConsumerWakesWhenAFrameIsCommitted(final WaitStrategy strategy, final Path dir) throws Exception
    {
        try (ShmProducer producer = ShmProducer.create(settings(dir, strategy));
             ShmConsumer consumer = ShmConsumer.attach(settings(dir, strategy)))
        {
            assertFalse(consumer.awaitFrames(TimeUnit.MILLISECONDS.toNanos(20)), "nothing there: times out");
            final long sleepsBefore = consumer.counter(ParticipantDescriptor.CONSUMER_WAITS);
            final CountDownLatch waiting = new CountDownLatch(1);
            final CompletableFuture<Long> received = CompletableFuture.supplyAsync(() ->
            {
                waiting.countDown();
                return consumer.awaitFrames(LONG_WAIT) ? consumer.poll() : -100L;
            });
            waiting.await();
            if (strategy == WaitStrategy.BLOCKING)
            {
                // the sleep counter is bumped after the waiter count is published: from then on a
                // commit must wake it by syscall, however late the waiting thread got a core
                final long deadline = System.nanoTime() + LONG_WAIT;
                while (consumer.counter(ParticipantDescriptor.CONSUMER_WAITS) == sleepsBefore &&
                    System.nanoTime() < deadline)
                {
                    Thread.sleep(1);
                }
            }
            else
            {
                Thread.sleep(50);
            }
            final long seq = producer.tryClaim();
            producer.commit(seq, 8);
            assertEquals(0L, received.get(30, TimeUnit.SECONDS));
            if (strategy == WaitStrategy.BLOCKING)
            {
                assertTrue(consumer.counter(ParticipantDescriptor.CONSUMER_WAITS) >= 1, "it slept on the futex");
                assertTrue(producer.counter(ParticipantDescriptor.PRODUCER_WAKES) >= 1, "and was woken by a syscall");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(WaitStrategy.class)
    void aWaitingProducerWakesWhenASlotIsReleased(final WaitStrategy strategy, final Path dir) throws Exception
    {
        try (ShmProducer producer = ShmProducer.create(settings(dir, strategy));
             ShmConsumer consumer = ShmConsumer.attach(settings(dir, strategy)))
        {
            producer.commit(producer.tryClaim(), 1);
            producer.commit(producer.tryClaim(), 1);
            assertEquals(ShmProducer.RING_FULL, producer.tryClaim());
            final long held = consumer.poll();
            final CompletableFuture<Long> claimed = CompletableFuture.supplyAsync(() ->
                producer.awaitSpace(LONG_WAIT) ? producer.tryClaim() : -100L);
            Thread.sleep(50);
            consumer.release(held);
            assertEquals(2L, claimed.get(30, TimeUnit.SECONDS));
        }
    }

    @Test
    void nothingWakesABusyChannelBySyscall(final Path dir)
    {
        try (ShmProducer producer = ShmProducer.create(settings(dir, WaitStrategy.BLOCKING));
             ShmConsumer consumer = ShmConsumer.attach(settings(dir, WaitStrategy.BLOCKING)))
        {
            for (int i = 0; i < 10_000; i++)
            {
                producer.commit(producer.tryClaim(), 8);
                consumer.release(consumer.poll());
            }
            assertEquals(0, producer.counter(ParticipantDescriptor.PRODUCER_WAKES), "no waiter, no syscall");
            assertEquals(0, consumer.counter(ParticipantDescriptor.CONSUMER_WAKES));
        }
    }

    @Test
    void aWaitReturnsWhenTheProducerCompletes(final Path dir) throws Exception
    {
        try (ShmProducer producer = ShmProducer.create(settings(dir, WaitStrategy.BLOCKING));
             ShmConsumer consumer = ShmConsumer.attach(settings(dir, WaitStrategy.BLOCKING)))
        {
            final CompletableFuture<Long> end = CompletableFuture.supplyAsync(() ->
                consumer.awaitFrames(LONG_WAIT) ? consumer.poll() : -100L);
            Thread.sleep(50);
            producer.complete();
            assertEquals(ShmConsumer.END_OF_STREAM, end.get(30, TimeUnit.SECONDS));
        }
    }

    @Test
    void awaitConsumedReturnsOnceEverythingIsReleasedOrTheConsumerLeft(final Path dir) throws Exception
    {
        try (ShmProducer producer = ShmProducer.create(settings(dir, WaitStrategy.BLOCKING)))
        {
            final ShmConsumer consumer = ShmConsumer.attach(settings(dir, WaitStrategy.BLOCKING));
            producer.commit(producer.tryClaim(), 1);
            producer.complete();
            final CompletableFuture<Boolean> consumed = CompletableFuture.supplyAsync(() -> producer.awaitConsumed(LONG_WAIT));
            Thread.sleep(50);
            consumer.release(consumer.poll());
            assertTrue(consumed.get(30, TimeUnit.SECONDS));
            consumer.close();
        }
        try (ShmProducer producer = ShmProducer.create(settings(dir, WaitStrategy.BLOCKING)))
        {
            final ShmConsumer consumer = ShmConsumer.attach(settings(dir, WaitStrategy.BLOCKING));
            producer.commit(producer.tryClaim(), 1);
            final CompletableFuture<Boolean> consumed = CompletableFuture.supplyAsync(() -> producer.awaitConsumed(LONG_WAIT));
            Thread.sleep(50);
            consumer.close();
            assertFalse(consumed.get(30, TimeUnit.SECONDS), "the consumer left without releasing");
        }
    }

    @Test
    void aForeignWaiterIsWokenByACommitAndByCancel(final Path dir) throws Exception
    {
        try (ShmProducer producer = ShmProducer.create(settings(dir, WaitStrategy.BLOCKING));
             ShmConsumer consumer = ShmConsumer.attach(settings(dir, WaitStrategy.BLOCKING)))
        {
            final ChannelWaiter waiter = consumer.newWaiter();
            assertFalse(waiter.await(0, TimeUnit.MILLISECONDS.toNanos(20)));
            final CompletableFuture<Boolean> woken = CompletableFuture.supplyAsync(() -> waiter.await(0, LONG_WAIT));
            Thread.sleep(50);
            producer.commit(producer.tryClaim(), 1);
            assertTrue(woken.get(30, TimeUnit.SECONDS));
            assertTrue(waiter.await(0, 0), "frame 0 is published");

            final CompletableFuture<Boolean> cancelled = CompletableFuture.supplyAsync(() -> waiter.await(1, LONG_WAIT));
            Thread.sleep(50);
            waiter.cancel();
            assertTrue(cancelled.get(30, TimeUnit.SECONDS));

            final ChannelWaiter space = producer.newWaiter();
            producer.commit(producer.tryClaim(), 1);
            final long next = producer.nextSequence();
            assertFalse(space.await(next, TimeUnit.MILLISECONDS.toNanos(20)), "ring full");
            final CompletableFuture<Boolean> freed = CompletableFuture.supplyAsync(() -> space.await(next, LONG_WAIT));
            Thread.sleep(50);
            consumer.release(consumer.poll());
            assertTrue(freed.get(30, TimeUnit.SECONDS));
        }
    }

    /** Closing an end while another thread waits on it must not let that thread touch unmapped memory. */
    @Test
    void closingAnEndReleasesItsForeignWaiterBeforeUnmapping(final Path dir) throws Exception
    {
        final ShmProducer producer = ShmProducer.create(settings(dir, WaitStrategy.BLOCKING));
        final ShmConsumer consumer = ShmConsumer.attach(settings(dir, WaitStrategy.BLOCKING));
        final ChannelWaiter waiter = consumer.newWaiter();
        final CountDownLatch started = new CountDownLatch(1);
        final CompletableFuture<Boolean> waiting = CompletableFuture.supplyAsync(() ->
        {
            started.countDown();
            return waiter.await(5, LONG_WAIT);
        });
        started.await();
        Thread.sleep(50);
        consumer.close();
        assertTrue(waiting.get(30, TimeUnit.SECONDS), "returned because the end closed");
        assertTrue(waiter.await(5, LONG_WAIT), "a closed end never makes anyone wait");
        waiter.cancel();
        producer.close();
        assertEquals(java.util.List.of(), ShmTestDirectory.leftovers(dir));
    }
}
