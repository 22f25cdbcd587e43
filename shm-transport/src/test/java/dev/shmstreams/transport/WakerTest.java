package dev.shmstreams.transport;

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
 * {@link Waker#close()} is called by a stage on its own thread: it must not wait for the waker
 * thread, whatever that thread is doing, and the end must still be safe to close right after.
 */
@ExtendWith(ShmTestDirectory.class)
class WakerTest
{
    private static final long LONG = TimeUnit.SECONDS.toMillis(30);

    private static ChannelSettings settings(final Path dir, final WaitStrategy strategy)
    {
        return ChannelSettings.create("waker").withDirectory(dir).withSlotCount(2).withSlotSize(4096)
            .withWaitStrategy(strategy).withAttachTimeout(Duration.ofSeconds(5));
    }

    /**
     * The waker thread is inside a callback that does not return: close() returns anyway (it used
     * to join the thread for up to 10 s), and the thread leaves once the callback returns.
     */
    @Test
    void closeDoesNotWaitForACallbackInProgress(final Path dir) throws Exception
    {
        try (ShmProducer producer = ShmProducer.create(settings(dir, WaitStrategy.BLOCKING));
             ShmConsumer consumer = ShmConsumer.attach(settings(dir, WaitStrategy.BLOCKING)))
        {
            producer.commit(producer.tryClaim(), 0);
            final CountDownLatch inCallback = new CountDownLatch(1);
            final CountDownLatch release = new CountDownLatch(1);
            final Waker waker = new Waker("waker-test", consumer.newWaiter(), sequence ->
            {
                inCallback.countDown();
                try
                {
                    release.await();
                }
                catch (final InterruptedException ex)
                {
                    Thread.currentThread().interrupt();
                }
            });
            try
            {
                waker.request(0);
                assertTrue(inCallback.await(LONG, TimeUnit.MILLISECONDS), "the callback ran");
                final CompletableFuture<Void> closing = CompletableFuture.runAsync(waker::close);
                // not a speed assertion: close() does three non-blocking steps; 5 s is a bound any
                // loaded machine meets, and half of the 10 s the old close() waited for the thread
                closing.get(5, TimeUnit.SECONDS);
                assertTrue(waker.isAlive(), "the callback is still running: close() did not wait for it");
                consumer.close();
                assertTrue(consumer.isClosed(), "the end closes while the waker is outside the channel");
            }
            finally
            {
                release.countDown();
            }
            awaitExit(waker);
        }
    }

    /** A waker asleep in the channel (each strategy's wait) leaves by itself after close(); the end then closes. */
    @ParameterizedTest
    @EnumSource(WaitStrategy.class)
    void aWaitingWakerLeavesAfterCloseAndTheEndClosesSafely(final WaitStrategy strategy, final Path dir)
        throws Exception
    {
        try (ShmProducer ignored = ShmProducer.create(settings(dir, strategy));
             ShmConsumer consumer = ShmConsumer.attach(settings(dir, strategy)))
        {
            final CountDownLatch called = new CountDownLatch(1);
            final Waker waker = new Waker("waker-test", consumer.newWaiter(), sequence -> called.countDown());
            waker.request(0);
            Thread.sleep(50);
            waker.close();
            consumer.close();
            awaitExit(waker);
            assertEquals(1, called.getCount(), "no callback for a frame that never came");
        }
    }

    private static void awaitExit(final Waker waker) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(LONG);
        while (waker.isAlive())
        {
            assertTrue(System.nanoTime() < deadline, "the waker thread is still running after close()");
            Thread.sleep(5);
        }
    }
}
