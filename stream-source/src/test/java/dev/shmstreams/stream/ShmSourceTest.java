package dev.shmstreams.stream;

import akka.Done;
import akka.actor.ActorSystem;
import akka.japi.Pair;
import akka.stream.javadsl.Keep;
import akka.stream.javadsl.Sink;
import akka.stream.testkit.TestSubscriber;
import akka.stream.testkit.javadsl.TestSink;
import akka.testkit.javadsl.TestKit;
import akka.util.ByteString;
import dev.shmstreams.stream.javadsl.ShmSource;
import dev.shmstreams.transport.ChannelNotFoundException;
import dev.shmstreams.transport.ChannelSettings;
import dev.shmstreams.transport.PeerState;
import dev.shmstreams.transport.ProducerFailedException;
import dev.shmstreams.transport.ShmProducer;
import dev.shmstreams.transport.WaitStrategy;
import dev.shmstreams.transport.test.ShmTestDirectory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.*;

/**
 * ShmSource semantics, with a transport producer on the other side of a real segment.
 */
@ExtendWith(ShmTestDirectory.class)
class ShmSourceTest
{
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final scala.concurrent.duration.FiniteDuration QUIET =
        scala.concurrent.duration.FiniteDuration.create(300, TimeUnit.MILLISECONDS);
    private static ActorSystem system;

    @BeforeAll
    static void start()
    {
        system = ActorSystem.create("ShmSourceTest");
    }

    @AfterAll
    static void stop()
    {
        TestKit.shutdownActorSystem(system);
    }

    private static ChannelSettings channel(final Path dir)
    {
        return ChannelSettings.create("source").withDirectory(dir).withSlotCount(8).withSlotSize(4096);
    }

    private static ShmSourceSettings settings(final Path dir)
    {
        return ShmSourceSettings.create(system, "source").withDirectory(dir);
    }

    private static void send(final ShmProducer producer, final int value)
    {
        final long seq = producer.tryClaim();
        assertTrue(seq >= 0, "claim " + seq);
        producer.frame(seq).buffer().putInt(0, value);
        producer.frame(seq).metadata().putInt(0, value + 1000);
        producer.commit(seq, 4);
    }

    private static void await(final BooleanSupplier condition, final String what) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() > deadline)
            {
                fail("timed out waiting for " + what);
            }
            Thread.sleep(5);
        }
    }

    private static Pair<ShmSourceControl, TestSubscriber.Probe<ShmFrame>> run(final ShmSourceSettings settings)
    {
        return ShmSource.create(settings).toMat(TestSink.probe(system), Keep.both()).run(system);
    }

    @ParameterizedTest
    @EnumSource(WaitStrategy.class)
    void emitsOnlyOnDemandWithTheFrameFields(final WaitStrategy strategy, final Path dir) throws Exception
    {
        try (ShmProducer producer = ShmProducer.create(channel(dir)))
        {
            final Pair<ShmSourceControl, TestSubscriber.Probe<ShmFrame>> run = run(settings(dir).withWaitStrategy(strategy));
            final TestSubscriber.Probe<ShmFrame> probe = run.second();
            run.first().attached().toCompletableFuture().get(30, TimeUnit.SECONDS);
            for (int i = 0; i < 5; i++)
            {
                send(producer, i);
            }
            probe.request(2);
            for (int i = 0; i < 2; i++)
            {
                try (ShmFrame frame = probe.expectNext())
                {
                    assertEquals(i, frame.buffer().getInt(0));
                    assertEquals(i + 1000, frame.metadata().getInt(0));
                    assertEquals(4, frame.length());
                    assertEquals(i, frame.frameId());
                }
            }
            probe.expectNoMessage(QUIET);
            probe.request(10);
            for (int i = 2; i < 5; i++)
            {
                try (ShmFrame frame = probe.expectNext())
                {
                    assertEquals(i, frame.buffer().getInt(0));
                }
            }
            send(producer, 5);
            try (ShmFrame frame = probe.expectNext())
            {
                assertEquals(5, frame.buffer().getInt(0), "a frame committed while the source waited wakes it");
            }
            producer.complete();
            probe.expectComplete();
            assertEquals(6, run.first().frames());
        }
    }

    @Test
    void heldFramesAreLimitedAndReleasingOneLetsTheNextThrough(final Path dir) throws Exception
    {
        try (ShmProducer producer = ShmProducer.create(channel(dir)))
        {
            for (int i = 0; i < 5; i++)
            {
                send(producer, i);
            }
            final Pair<ShmSourceControl, TestSubscriber.Probe<ShmFrame>> run = run(settings(dir).withMaxHeldFrames(2));
            final TestSubscriber.Probe<ShmFrame> probe = run.second();
            probe.request(5);
            final ShmFrame first = probe.expectNext();
            final ShmFrame second = probe.expectNext();
            probe.expectNoMessage(QUIET);
            assertEquals(2, run.first().held());
            first.release();
            final ShmFrame third = probe.expectNext();
            assertEquals(2, third.buffer().getInt(0));
            second.release();
            third.release();
            probe.expectNext().release();
            probe.expectNext().release();
            probe.cancel();
        }
    }

    @Test
    void aReleasedFrameRefusesAccessAndASecondRelease(final Path dir) throws Exception
    {
        try (ShmProducer producer = ShmProducer.create(channel(dir)))
        {
            send(producer, 1);
            final TestSubscriber.Probe<ShmFrame> probe = run(settings(dir)).second();
            final ShmFrame frame = probe.requestNext();
            frame.release();
            assertTrue(frame.isReleased());
            assertThrows(IllegalStateException.class, frame::buffer);
            assertThrows(IllegalStateException.class, frame::length);
            assertThrows(IllegalStateException.class, frame::release);
            probe.cancel();
        }
    }

    @Test
    void attachesWhenTheProducerStartsLater(final Path dir) throws Exception
    {
        final Pair<ShmSourceControl, TestSubscriber.Probe<ShmFrame>> run = run(settings(dir));
        run.second().request(1);
        Thread.sleep(300);
        assertFalse(run.first().attached().toCompletableFuture().isDone(), "no producer yet");
        try (ShmProducer producer = ShmProducer.create(channel(dir)))
        {
            send(producer, 42);
            try (ShmFrame frame = run.second().expectNext(scala.concurrent.duration.FiniteDuration.create(30, TimeUnit.SECONDS)))
            {
                assertEquals(42, frame.buffer().getInt(0));
            }
            assertTrue(run.first().attached().toCompletableFuture().isDone());
            run.second().cancel();
        }
    }

    @Test
    void noProducerWithinTheAttachTimeoutFailsTyped(final Path dir) throws Exception
    {
        final Pair<ShmSourceControl, TestSubscriber.Probe<ShmFrame>> run =
            run(settings(dir).withAttachTimeout(Duration.ofMillis(200)));
        run.second().request(1);
        assertInstanceOf(ChannelNotFoundException.class, run.second().expectError());
        try
        {
            run.first().attached().toCompletableFuture().get(30, TimeUnit.SECONDS);
            fail("attached() must fail");
        }
        catch (final ExecutionException ex)
        {
            assertInstanceOf(ChannelNotFoundException.class, ex.getCause());
        }
    }

    @Test
    void theProducersFailureArrivesWithItsMessageAfterItsFrames(final Path dir) throws Exception
    {
        try (ShmProducer producer = ShmProducer.create(channel(dir)))
        {
            final TestSubscriber.Probe<ShmFrame> probe = run(settings(dir)).second();
            send(producer, 1);
            producer.fail("encoder crashed");
            probe.request(5);
            probe.expectNext().release();
            final Throwable error = probe.expectError();
            assertInstanceOf(ProducerFailedException.class, error);
            assertTrue(error.getMessage().contains("encoder crashed"), error.getMessage());
        }
    }

    @Test
    void cancellationReachesTheProducer(final Path dir) throws Exception
    {
        try (ShmProducer producer = ShmProducer.create(channel(dir)))
        {
            final Pair<ShmSourceControl, TestSubscriber.Probe<ShmFrame>> run = run(settings(dir));
            run.first().attached().toCompletableFuture().get(30, TimeUnit.SECONDS);
            send(producer, 1);
            run.second().requestNext().release();
            run.second().cancel();
            await(() -> producer.tryClaim() == ShmProducer.CONSUMER_CANCELLED, "the producer to see the cancellation");
        }
    }

    @Test
    void stopFromTheControlCompletesTheStreamAndCancelsTheProducer(final Path dir) throws Exception
    {
        try (ShmProducer producer = ShmProducer.create(channel(dir)))
        {
            final Pair<ShmSourceControl, TestSubscriber.Probe<ShmFrame>> run = run(settings(dir));
            run.first().attached().toCompletableFuture().get(30, TimeUnit.SECONDS);
            assertEquals(PeerState.ALIVE, run.first().producerState());
            run.second().request(1);
            run.first().stop();
            run.second().expectComplete();
            run.first().stopped().toCompletableFuture().get(30, TimeUnit.SECONDS);
            await(() -> producer.tryClaim() == ShmProducer.CONSUMER_CANCELLED, "the producer to see the stop");
        }
    }

    /** A frame held downstream keeps the mapping alive after the stage stopped; the last release closes it. */
    @Test
    void closingWaitsForTheLastHeldFrame(final Path dir) throws Exception
    {
        try (ShmProducer producer = ShmProducer.create(channel(dir)))
        {
            send(producer, 7);
            final Pair<ShmSourceControl, TestSubscriber.Probe<ShmFrame>> run = run(settings(dir));
            final ShmFrame held = run.second().requestNext();
            run.second().cancel();
            run.first().stopped().toCompletableFuture().get(30, TimeUnit.SECONDS);
            assertEquals(7, held.buffer().getInt(0), "still readable after the stage stopped");
            assertEquals(PeerState.ALIVE, producer.consumerState(), "the consumer end is still open");
            held.release();
            await(() -> producer.consumerState() == PeerState.DETACHED, "the consumer to detach on the last release");
        }
        assertEquals(List.of(), ShmTestDirectory.leftovers(dir));
    }

    @Test
    void stopRightAfterMaterializingIsSafe(final Path dir) throws Exception
    {
        final Pair<ShmSourceControl, TestSubscriber.Probe<ShmFrame>> run = run(settings(dir));
        run.first().stop();
        run.second().request(1);
        run.second().expectComplete();
        run.first().stopped().toCompletableFuture().get(30, TimeUnit.SECONDS);
        assertEquals(List.of(), ShmTestDirectory.leftovers(dir));
    }

    @Test
    void countersKeepTheirValuesAfterTheStreamEnded(final Path dir) throws Exception
    {
        try (ShmProducer producer = ShmProducer.create(channel(dir).withSlotCount(4).withDropOldestUnread(true)))
        {
            final Pair<ShmSourceControl, TestSubscriber.Probe<ShmFrame>> run = run(settings(dir));
            run.first().attached().toCompletableFuture().get(30, TimeUnit.SECONDS);
            for (int i = 0; i < 20; i++)
            {
                send(producer, i);
            }
            producer.complete();
            run.second().request(100);
            for (int i = 16; i < 20; i++)
            {
                try (ShmFrame frame = run.second().expectNext())
                {
                    assertEquals(i, frame.buffer().getInt(0));
                }
            }
            run.second().expectComplete();
            run.first().stopped().toCompletableFuture().get(30, TimeUnit.SECONDS);
            assertEquals(16, run.first().dropped(), "read after the end: the last value, not 0");
            assertEquals(4, run.first().frames());
        }
    }

    /** Frames dropped downstream without release must not keep the channel end open for ever. */
    @Test
    void framesNeverReleasedAreAbandonedAfterTheTimeoutWithoutUnmapping(final Path dir) throws Exception
    {
        try (ShmProducer producer = ShmProducer.create(channel(dir)))
        {
            send(producer, 9);
            final Pair<ShmSourceControl, TestSubscriber.Probe<ShmFrame>> run =
                run(settings(dir).withHeldFramesTimeout(Duration.ofMillis(300)));
            final ShmFrame forgotten = run.second().requestNext();
            run.second().cancel();
            run.first().stopped().toCompletableFuture().get(30, TimeUnit.SECONDS);
            assertEquals(PeerState.ALIVE, producer.consumerState(), "held: the end stays open at first");
            await(() -> producer.consumerState() == PeerState.DETACHED, "the end to detach after the timeout");
            assertEquals(9, forgotten.buffer().getInt(0), "a late reader still reads mapped memory");
            forgotten.release();
        }
        assertEquals(List.of(), ShmTestDirectory.leftovers(dir), "the last side out removed the file");
    }

    @Test
    void theBytesVariantCopiesAndReleasesAtOnce(final Path dir) throws Exception
    {
        try (ShmProducer producer = ShmProducer.create(channel(dir)))
        {
            for (int i = 0; i < 8; i++)
            {
                send(producer, i);
            }
            producer.complete();
            final CompletionStage<List<ByteString>> all = ShmSource.bytes(settings(dir).withMaxHeldFrames(1))
                .runWith(Sink.seq(), system);
            final List<ByteString> frames = all.toCompletableFuture().get(30, TimeUnit.SECONDS);
            assertEquals(8, frames.size(), "one held frame at a time is enough: each is released after the copy");
            for (int i = 0; i < 8; i++)
            {
                assertEquals(i, frames.get(i).asByteBuffer().order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt(0));
            }
        }
    }

    @Test
    void theMaterializedControlCountsFramesAndBytes(final Path dir) throws Exception
    {
        try (ShmProducer producer = ShmProducer.create(channel(dir)))
        {
            for (int i = 0; i < 3; i++)
            {
                send(producer, i);
            }
            producer.complete();
            final Pair<ShmSourceControl, CompletionStage<Done>> run = ShmSource.create(settings(dir))
                .toMat(Sink.foreach(ShmFrame::release), Keep.both()).run(system);
            run.second().toCompletableFuture().get(30, TimeUnit.SECONDS);
            assertEquals(3, run.first().frames());
            assertEquals(12, run.first().bytes());
            assertEquals(0, run.first().held());
        }
    }
}
