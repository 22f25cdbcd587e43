package dev.shmstreams.dispatch;

import dev.shmstreams.transport.ChannelSettings;
import dev.shmstreams.transport.ShmConsumer;
import dev.shmstreams.transport.ShmProducer;
import dev.shmstreams.transport.WaitStrategy;
import dev.shmstreams.transport.Waker;
import dev.shmstreams.transport.Wakeup;
import dev.shmstreams.transport.layout.ParticipantDescriptor;
import dev.shmstreams.transport.test.ShmTestDirectory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The spinning executor: runs tasks in order on its one thread, checks inline wake-ups between
 * them, parks when there is nothing to do, survives a failing task, shuts down like an executor.
 */
@ExtendWith(ShmTestDirectory.class)
class SpinningExecutorTest
{
    private static final long TIMEOUT_S = 30;
    private final SpinningExecutor executor = new SpinningExecutor(
        task -> new Thread(task, "spinning-test"), Duration.ofNanos(50_000));

    @AfterEach
    void stop() throws InterruptedException
    {
        executor.shutdownNow();
        assertTrue(executor.awaitTermination(TIMEOUT_S, TimeUnit.SECONDS));
    }

    private static ChannelSettings settings(final Path dir)
    {
        return ChannelSettings.create("spin").withDirectory(dir).withSlotCount(2).withSlotSize(4096)
            .withWaitStrategy(WaitStrategy.BUSY_SPIN).withAttachTimeout(Duration.ofSeconds(5));
    }

    private <T> T onExecutor(final java.util.concurrent.Callable<T> call) throws Exception
    {
        return CompletableFuture.supplyAsync(() ->
        {
            try
            {
                return call.call();
            }
            catch (final Exception ex)
            {
                throw new IllegalStateException(ex);
            }
        }, executor).get(TIMEOUT_S, TimeUnit.SECONDS);
    }

    @Test
    void runsTasksInOrderOnOneThreadThatKnowsItsExecutor() throws Exception
    {
        final List<Integer> order = new ArrayList<>();
        final AtomicReference<Thread> thread = new AtomicReference<>();
        final CountDownLatch done = new CountDownLatch(1000);
        for (int i = 0; i < 1000; i++)
        {
            final int n = i;
            executor.execute(() ->
            {
                thread.compareAndSet(null, Thread.currentThread());
                assertSame(thread.get(), Thread.currentThread());
                order.add(n);
                done.countDown();
            });
        }
        assertTrue(done.await(TIMEOUT_S, TimeUnit.SECONDS));
        for (int i = 0; i < 1000; i++)
        {
            assertEquals(i, order.get(i));
        }
        assertSame(executor, onExecutor(SpinningExecutor::current));
        assertNull(SpinningExecutor.current(), "not on this thread");
    }

    @Test
    void parksWhenIdleAndWakesForTheNextTask() throws Exception
    {
        final Thread thread = onExecutor(Thread::currentThread);
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_S);
        while (thread.getState() != Thread.State.WAITING && System.nanoTime() < deadline)
        {
            Thread.sleep(1);
        }
        assertEquals(Thread.State.WAITING, thread.getState(), "idle: parked, not spinning");
        assertEquals("woken", onExecutor(() -> "woken"));
    }

    @Test
    void aFailingTaskDoesNotStopTheLoop() throws Exception
    {
        final LinkedBlockingQueue<Throwable> reported = new LinkedBlockingQueue<>();
        final SpinningExecutor reporting = new SpinningExecutor(task ->
        {
            final Thread thread = new Thread(task, "spinning-test-failing");
            thread.setUncaughtExceptionHandler((t, ex) -> reported.add(ex));
            return thread;
        }, Duration.ZERO);
        try
        {
            reporting.execute(() ->
            {
                throw new IllegalStateException("boom");
            });
            final CompletableFuture<String> after = CompletableFuture.supplyAsync(() -> "still running", reporting);
            assertEquals("still running", after.get(TIMEOUT_S, TimeUnit.SECONDS));
            assertEquals("boom", reported.poll(TIMEOUT_S, TimeUnit.SECONDS).getMessage());
        }
        finally
        {
            reporting.shutdown();
            assertTrue(reporting.awaitTermination(TIMEOUT_S, TimeUnit.SECONDS));
        }
    }

    @Test
    void shutdownRunsWhatWasQueuedThenRejects() throws Exception
    {
        final CountDownLatch gate = new CountDownLatch(1);
        final AtomicInteger ran = new AtomicInteger();
        executor.execute(() ->
        {
            try
            {
                gate.await();
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
            ran.incrementAndGet();
        });
        executor.execute(ran::incrementAndGet);
        executor.shutdown();
        assertTrue(executor.isShutdown());
        assertThrows(RejectedExecutionException.class, () -> executor.execute(ran::incrementAndGet));
        gate.countDown();
        assertTrue(executor.awaitTermination(TIMEOUT_S, TimeUnit.SECONDS));
        assertTrue(executor.isTerminated());
        assertEquals(2, ran.get());
    }

    @Test
    void anInlineWakeupFiresOnceWhenTheFrameIsPublishedAndNeverAfterClose(final Path dir) throws Exception
    {
        try (ShmProducer producer = ShmProducer.create(settings(dir));
             ShmConsumer consumer = ShmConsumer.attach(settings(dir)))
        {
            final LinkedBlockingQueue<Long> fired = new LinkedBlockingQueue<>();
            final LinkedBlockingQueue<Thread> firedOn = new LinkedBlockingQueue<>();
            final Wakeup wakeup = onExecutor(() -> SpinningExecutor.wakeup("unused", WaitStrategy.BUSY_SPIN,
                consumer.newWaiter(), sequence ->
                {
                    firedOn.add(Thread.currentThread());
                    fired.add(sequence);
                }));
            assertFalse(wakeup instanceof Waker, "inline on a spinning executor's thread");
            assertEquals(1, executor.wakeupCount());
            final Thread executorThread = onExecutor(Thread::currentThread);

            wakeup.request(0);
            assertNull(fired.poll(50, TimeUnit.MILLISECONDS), "nothing published yet");
            producer.commit(producer.tryClaim(), 8);
            assertEquals(0L, fired.poll(TIMEOUT_S, TimeUnit.SECONDS));
            assertSame(executorThread, firedOn.poll());
            assertNull(fired.poll(50, TimeUnit.MILLISECONDS), "once per request");

            wakeup.request(1);
            wakeup.close();
            assertEquals(0, executor.wakeupCount());
            producer.commit(producer.tryClaim(), 8);
            assertNull(fired.poll(100, TimeUnit.MILLISECONDS), "closed: no callback");
        }
        assertEquals(List.of(), ShmTestDirectory.leftovers(dir));
    }

    @Test
    void anInlineWakeupSeesSpaceFreedByTheConsumer(final Path dir) throws Exception
    {
        try (ShmProducer producer = ShmProducer.create(settings(dir));
             ShmConsumer consumer = ShmConsumer.attach(settings(dir)))
        {
            final LinkedBlockingQueue<Long> fired = new LinkedBlockingQueue<>();
            final Wakeup wakeup = onExecutor(() -> SpinningExecutor.wakeup("unused", WaitStrategy.BUSY_SPIN,
                producer.newWaiter(), fired::add));
            producer.commit(producer.tryClaim(), 8);
            producer.commit(producer.tryClaim(), 8);
            final long next = producer.nextSequence();
            wakeup.request(next);
            assertNull(fired.poll(50, TimeUnit.MILLISECONDS), "ring full");
            consumer.release(consumer.poll());
            assertEquals(next, fired.poll(TIMEOUT_S, TimeUnit.SECONDS));
            wakeup.close();
        }
    }

    @Test
    void aSecondSleepingWakeupAndOtherThreadsGetAWakerThread(final Path dir) throws Exception
    {
        try (ShmProducer producer = ShmProducer.create(settings(dir));
             ShmConsumer consumer = ShmConsumer.attach(settings(dir)))
        {
            try (Wakeup blocking = onExecutor(() -> SpinningExecutor.wakeup("spin-test-blocking",
                     WaitStrategy.BLOCKING, consumer.newWaiter(), s -> { }));
                 Wakeup second = onExecutor(() -> SpinningExecutor.wakeup("spin-test-second",
                     WaitStrategy.BACKOFF, consumer.newWaiter(), s -> { }));
                 Wakeup foreign = SpinningExecutor.wakeup("spin-test-foreign", WaitStrategy.BUSY_SPIN,
                     consumer.newWaiter(), s -> { }))
            {
                assertFalse(blocking instanceof Waker, "the first one the thread can sleep in is inline");
                assertInstanceOf(Waker.class, second, "the thread sleeps in one channel wait only");
                assertInstanceOf(Waker.class, foreign);
                assertEquals(1, executor.wakeupCount());
            }
            assertEquals(0, executor.wakeupCount());
        }
    }

    private static ChannelSettings blocking(final Path dir)
    {
        return settings(dir).withWaitStrategy(WaitStrategy.BLOCKING);
    }

    /** @return once the consumer's waits counter has moved past {@code before}: a thread sleeps on its futex. */
    private static void awaitSleepOnFutex(final ShmConsumer consumer, final long before) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_S);
        while (consumer.counter(ParticipantDescriptor.CONSUMER_WAITS) == before)
        {
            assertTrue(System.nanoTime() - deadline < 0, "the executor never slept on the channel's futex");
            Thread.sleep(5);
        }
    }

    @Test
    void aBlockingWakeupIsSleptInByTheExecutorThreadAndFiresThere(final Path dir) throws Exception
    {
        try (ShmProducer producer = ShmProducer.create(blocking(dir));
             ShmConsumer consumer = ShmConsumer.attach(blocking(dir)))
        {
            final LinkedBlockingQueue<Long> fired = new LinkedBlockingQueue<>();
            final LinkedBlockingQueue<Thread> firedOn = new LinkedBlockingQueue<>();
            final Wakeup wakeup = onExecutor(() -> SpinningExecutor.wakeup("unused", WaitStrategy.BLOCKING,
                consumer.newWaiter(), sequence ->
                {
                    firedOn.add(Thread.currentThread());
                    fired.add(sequence);
                }));
            assertFalse(wakeup instanceof Waker, "no wake-up thread");
            final Thread executorThread = onExecutor(Thread::currentThread);
            for (long sequence = 0; sequence < 3; sequence++)
            {
                final long waits = consumer.counter(ParticipantDescriptor.CONSUMER_WAITS);
                wakeup.request(sequence);
                awaitSleepOnFutex(consumer, waits);
                assertNull(fired.poll(20, TimeUnit.MILLISECONDS), "nothing published yet");
                producer.commit(producer.tryClaim(), 8);
                assertEquals(sequence, fired.poll(TIMEOUT_S, TimeUnit.SECONDS));
                assertSame(executorThread, firedOn.poll());
                consumer.release(consumer.poll());
            }
            wakeup.close();
            assertEquals(0, executor.wakeupCount());
        }
        assertEquals(List.of(), ShmTestDirectory.leftovers(dir));
    }

    /**
     * Each task is handed over while the thread sleeps on the futex. Without the nudge it would wait
     * for the sleep's slice (1 s) to end: 20 tasks would take 15-20 s. With it each round takes up
     * to the next futex sleep of the wait loop (100 ms); 10 s leaves room for a loaded machine.
     */
    @Test
    void tasksFromOtherThreadsNudgeTheThreadOutOfItsChannelSleep(final Path dir) throws Exception
    {
        try (ShmProducer producer = ShmProducer.create(blocking(dir));
             ShmConsumer consumer = ShmConsumer.attach(blocking(dir)))
        {
            final LinkedBlockingQueue<Long> fired = new LinkedBlockingQueue<>();
            final Wakeup wakeup = onExecutor(() -> executor.newSleepingWakeup(consumer.newWaiter(), fired::add));
            wakeup.request(0);
            final long start = System.nanoTime();
            for (int i = 0; i < 20; i++)
            {
                // a sleep that began after this read (the wait loop counts each futex sleep of <= 100 ms)
                awaitSleepOnFutex(consumer, consumer.counter(ParticipantDescriptor.CONSUMER_WAITS));
                final int n = i;
                assertEquals(n, (int)onExecutor(() -> n));
            }
            final long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(millis < 10_000, "20 tasks took " + millis + " ms: the thread slept through them");
            assertNull(fired.poll(), "a nudge is not a frame");
            producer.commit(producer.tryClaim(), 8);
            assertEquals(0L, fired.poll(TIMEOUT_S, TimeUnit.SECONDS), "still waiting for the frame");
            wakeup.close();
        }
    }

    @Test
    void aSleepingWakeupClosedFromAnotherThreadNeverFires(final Path dir) throws Exception
    {
        try (ShmProducer producer = ShmProducer.create(blocking(dir));
             ShmConsumer consumer = ShmConsumer.attach(blocking(dir)))
        {
            final LinkedBlockingQueue<Long> fired = new LinkedBlockingQueue<>();
            final Wakeup wakeup = onExecutor(() -> executor.newSleepingWakeup(consumer.newWaiter(), fired::add));
            final long waits = consumer.counter(ParticipantDescriptor.CONSUMER_WAITS);
            wakeup.request(0);
            awaitSleepOnFutex(consumer, waits);
            wakeup.close();
            assertEquals(0, executor.wakeupCount());
            producer.commit(producer.tryClaim(), 8);
            assertNull(fired.poll(100, TimeUnit.MILLISECONDS), "closed: no callback");
            assertEquals(1, (int)onExecutor(() -> 1), "the executor still runs tasks");
        }
    }

    @Test
    void closingTheChannelEndReleasesAPendingInlineWakeup(final Path dir) throws Exception
    {
        final ShmProducer producer = ShmProducer.create(settings(dir));
        final ShmConsumer consumer = ShmConsumer.attach(settings(dir));
        final LinkedBlockingQueue<Long> fired = new LinkedBlockingQueue<>();
        final Wakeup wakeup = onExecutor(() -> executor.newWakeup(consumer.newWaiter(), fired::add));
        wakeup.request(5);
        Thread.sleep(20);
        consumer.close();   // must not wait for the executor, nor let it read unmapped memory
        assertEquals(5L, fired.poll(TIMEOUT_S, TimeUnit.SECONDS), "a closing end ends the wait");
        wakeup.close();
        producer.close();
        assertEquals(List.of(), ShmTestDirectory.leftovers(dir));
    }

    /** Lost wake-ups: tasks and requests arriving just as the thread goes to sleep must still run. */
    @Test
    void noTaskOrRequestIsLostToParking(final Path dir) throws Exception
    {
        final java.util.Random random = new java.util.Random(42);
        final AtomicInteger ran = new AtomicInteger();
        for (int i = 0; i < 2000; i++)
        {
            final CountDownLatch done = new CountDownLatch(1);
            executor.execute(() ->
            {
                ran.incrementAndGet();
                done.countDown();
            });
            assertTrue(done.await(TIMEOUT_S, TimeUnit.SECONDS), "task " + i + " ran");
            java.util.concurrent.locks.LockSupport.parkNanos(random.nextInt(120_000));   // around idle-spin
        }
        assertEquals(2000, ran.get());

        try (ShmProducer producer = ShmProducer.create(settings(dir));
             ShmConsumer consumer = ShmConsumer.attach(settings(dir)))
        {
            producer.commit(producer.tryClaim(), 8);
            final LinkedBlockingQueue<Long> fired = new LinkedBlockingQueue<>();
            final Wakeup wakeup = onExecutor(() -> executor.newWakeup(consumer.newWaiter(), fired::add));
            for (int i = 0; i < 2000; i++)
            {
                wakeup.request(0);   // reached already: fires at the thread's next look
                assertEquals(0L, fired.poll(TIMEOUT_S, TimeUnit.SECONDS), "request " + i + " fired");
                java.util.concurrent.locks.LockSupport.parkNanos(random.nextInt(120_000));
            }
            wakeup.close();
        }
    }
}
