package dev.shmstreams.stream;

import akka.Done;
import akka.actor.ActorSystem;
import akka.stream.AbruptStageTerminationException;
import akka.stream.Attributes;
import akka.stream.Materializer;
import akka.stream.javadsl.Keep;
import akka.stream.javadsl.Source;
import akka.stream.testkit.TestPublisher;
import akka.stream.testkit.javadsl.TestSource;
import akka.testkit.javadsl.TestKit;
import akka.util.ByteString;
import dev.shmstreams.stream.javadsl.ShmSink;
import dev.shmstreams.transport.ChannelSettings;
import dev.shmstreams.transport.ConsumerCancelledException;
import dev.shmstreams.transport.Frame;
import dev.shmstreams.transport.FrameTooLargeException;
import dev.shmstreams.transport.RingFullException;
import dev.shmstreams.transport.ShmConsumer;
import dev.shmstreams.transport.WaitStrategy;
import dev.shmstreams.transport.layout.ParticipantDescriptor;
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
 * ShmSink semantics, with a transport consumer on the other side of a real segment.
 */
@ExtendWith(ShmTestDirectory.class)
class ShmSinkTest
{
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    /** How long nothing must happen; long enough that a wrong pull would have shown. */
    private static final scala.concurrent.duration.FiniteDuration QUIET =
        scala.concurrent.duration.FiniteDuration.create(500, TimeUnit.MILLISECONDS);
    private static ActorSystem system;

    @BeforeAll
    static void start()
    {
        system = ActorSystem.create("ShmSinkTest");
    }

    @AfterAll
    static void stop()
    {
        TestKit.shutdownActorSystem(system);
    }

    private static ShmSinkSettings settings(final Path dir, final int slots)
    {
        return ShmSinkSettings.create(system, "sink").withDirectory(dir).withSlots(slots).withSlotSize(4096)
            .withDrainTimeout(Duration.ofSeconds(20));
    }

    private static ShmConsumer attach(final Path dir)
    {
        return ShmConsumer.attach(ChannelSettings.create("sink").withDirectory(dir).withAttachTimeout(TIMEOUT));
    }

    /** Writes the int into the payload and the metadata, and its square as the frame id. */
    private static final FrameWriter<Integer> INT_WRITER = (value, frame) ->
    {
        frame.buffer().putInt(0, value);
        frame.metadata().putInt(0, value * 10);
        frame.frameId((long)value * value);
        return 4;
    };

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

    private static long pollWithin(final ShmConsumer consumer) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (true)
        {
            final long seq = consumer.poll();
            if (seq != ShmConsumer.EMPTY)
            {
                return seq;
            }
            if (System.nanoTime() > deadline)
            {
                fail("no frame within " + TIMEOUT);
            }
            consumer.awaitFrames(TimeUnit.MILLISECONDS.toNanos(50));
        }
    }

    private static Throwable failureOf(final CompletionStage<?> stage) throws Exception
    {
        try
        {
            stage.toCompletableFuture().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            return fail("expected the stage to fail");
        }
        catch (final ExecutionException ex)
        {
            return ex.getCause();
        }
    }

    @ParameterizedTest
    @EnumSource(WaitStrategy.class)
    void writesElementsInPlaceAndCompletesAfterTheConsumerDrained(final WaitStrategy strategy, final Path dir)
        throws Exception
    {
        final CompletionStage<Done> done = Source.range(0, 99)
            .runWith(ShmSink.create(settings(dir, 4).withWaitStrategy(strategy), INT_WRITER), system);
        try (ShmConsumer consumer = attach(dir))
        {
            for (int i = 0; i < 100; i++)
            {
                final long seq = pollWithin(consumer);
                assertEquals(i, seq);
                try (Frame frame = consumer.frame(seq))
                {
                    assertEquals(4, frame.length());
                    assertEquals(i, frame.buffer().getInt(0));
                    assertEquals(i * 10, frame.metadata().getInt(0));
                    assertEquals((long)i * i, frame.frameId());
                }
            }
            assertEquals(ShmConsumer.END_OF_STREAM, pollWithin(consumer));
            assertEquals(Done.getInstance(), done.toCompletableFuture().get(30, TimeUnit.SECONDS));
        }
        assertEquals(List.of(), ShmTestDirectory.leftovers(dir), "the last side out unlinked the segment");
    }

    /**
     * Demand is ring space, seen from a TestPublisher: Akka's input boundary in front of the sink
     * (input buffer of one here) holds one element ahead of the sink's pulls: it requests one at
     * subscription and one more each time the sink takes an element. So each request reaching the
     * probe says "the sink took the previous element", and an element that stays unrequested says
     * "the sink did not pull".
     */
    @Test
    void requestsExactlyWhileASlotIsFree(final Path dir) throws Exception
    {
        final akka.japi.Pair<TestPublisher.Probe<Integer>, CompletionStage<Done>> run = TestSource.<Integer>probe(system)
            .toMat(ShmSink.create(settings(dir, 2), INT_WRITER).addAttributes(Attributes.inputBuffer(1, 1)),
                Keep.both())
            .run(system);
        final TestPublisher.Probe<Integer> upstream = run.first();
        try (ShmConsumer consumer = attach(dir))
        {
            assertEquals(1, upstream.expectRequest(), "the boundary's one element ahead");
            upstream.sendNext(0);
            assertEquals(1, upstream.expectRequest(), "element 0 taken into slot 0; slot 1 free");
            upstream.sendNext(1);
            assertEquals(1, upstream.expectRequest(), "element 1 taken into the last free slot");
            upstream.sendNext(2);
            upstream.expectNoMessage(QUIET);
            assertEquals(2, consumer.available(), "the ring is full, element 2 waits upstream of the sink");

            final long first = pollWithin(consumer);
            assertEquals(0, consumer.frame(first).buffer().getInt(0));
            consumer.release(first);
            assertEquals(1, upstream.expectRequest(), "a slot was released: element 2 taken");
            upstream.sendNext(3);
            upstream.expectNoMessage(QUIET);

            for (int expected = 1; expected <= 3; expected++)
            {
                final long seq = pollWithin(consumer);
                assertEquals(expected, consumer.frame(seq).buffer().getInt(0));
                consumer.release(seq);
                if (expected == 1)
                {
                    assertEquals(1, upstream.expectRequest(), "element 3 taken once frame 1 released its slot");
                    upstream.sendComplete();
                }
            }
            assertEquals(ShmConsumer.END_OF_STREAM, pollWithin(consumer));
        }
        run.second().toCompletableFuture().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    }

    @Test
    void upstreamFailureReachesTheConsumerWithItsMessage(final Path dir) throws Exception
    {
        final akka.japi.Pair<TestPublisher.Probe<Integer>, CompletionStage<Done>> materialized =
            TestSource.<Integer>probe(system).toMat(ShmSink.create(settings(dir, 4), INT_WRITER), Keep.both()).run(system);
        final CompletionStage<Done> done = materialized.second();
        try (ShmConsumer consumer = attach(dir))
        {
            materialized.first().sendNext(0).sendNext(1).sendNext(2);
            for (int i = 0; i < 3; i++)
            {
                consumer.release(pollWithin(consumer));
            }
            // only now: Akka's input boundary drops elements the sink has not pulled yet when the
            // error arrives, so sending it with them raced (the consumer then saw fewer frames)
            materialized.first().sendError(new IllegalStateException("camera unplugged"));
            assertEquals(ShmConsumer.PRODUCER_FAILED, pollWithin(consumer));
            assertEquals("camera unplugged", consumer.producerError());
        }
        final Throwable failure = failureOf(done);
        assertEquals("camera unplugged", failure.getMessage());
    }

    @Test
    void consumerCancellationCompletesTheSinkAndCancelsUpstream(final Path dir) throws Exception
    {
        final TestPublisher.Probe<Integer> upstream = TestSource.<Integer>probe(system)
            .toMat(ShmSink.create(settings(dir, 4), INT_WRITER), Keep.left()).run(system);
        try (ShmConsumer consumer = attach(dir))
        {
            upstream.sendNext(1);
            consumer.release(pollWithin(consumer));
            consumer.cancel();
            upstream.expectCancellation();
        }
    }

    @Test
    void consumerCancellationCanFailTheSink(final Path dir) throws Exception
    {
        final CompletionStage<Done> done = Source.repeat(1)
            .runWith(ShmSink.create(settings(dir, 4).withOnConsumerCancel(PeerGoneAction.FAIL), INT_WRITER), system);
        try (ShmConsumer consumer = attach(dir))
        {
            consumer.release(pollWithin(consumer));
            consumer.cancel();
        }
        assertInstanceOf(ConsumerCancelledException.class, failureOf(done));
    }

    @Test
    void dropNewestKeepsPullingAndCountsWhatItDrops(final Path dir) throws Exception
    {
        final CompletionStage<Done> done = Source.range(0, 99)
            .runWith(ShmSink.create(settings(dir, 4).withOverflowPolicy(OverflowPolicy.DROP_NEWEST), INT_WRITER),
                system);
        try (ShmConsumer consumer = attach(dir))
        {
            await(() -> consumer.available() == 4, "the first four frames");
            Thread.sleep(200);
            for (int i = 0; i < 4; i++)
            {
                final long seq = pollWithin(consumer);
                assertEquals(i, consumer.frame(seq).buffer().getInt(0), "the oldest frames stay; newer ones dropped");
                consumer.release(seq);
            }
            assertEquals(ShmConsumer.END_OF_STREAM, pollWithin(consumer));
            done.toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void dropOldestUnreadDeliversTheFreshestFrames(final Path dir) throws Exception
    {
        final CompletionStage<Done> done = Source.range(0, 99)
            .runWith(ShmSink.create(settings(dir, 4).withOverflowPolicy(OverflowPolicy.DROP_OLDEST_UNREAD),
                INT_WRITER), system);
        try (ShmConsumer consumer = attach(dir))
        {
            // published = next + available; the consumer may have attached after the first drops
            await(() -> consumer.nextSequence() + consumer.available() == 100, "all 100 frames published over 4 slots");
            int expected = 96;
            while (true)
            {
                final long seq = pollWithin(consumer);
                if (seq < 0)
                {
                    assertEquals(ShmConsumer.END_OF_STREAM, seq);
                    break;
                }
                assertEquals(expected++, consumer.frame(seq).buffer().getInt(0));
                consumer.release(seq);
            }
            assertEquals(100, expected, "the four freshest frames arrived");
            assertTrue(consumer.counter(ParticipantDescriptor.CONSUMER_DROPPED) <= 96,
                "the consumer counts the drops it sees; those before it attached were released at attach");
            done.toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }

    /**
     * drop-oldest-unread: upstream completes while the sink holds an element it cannot place yet
     * (the consumer holds the oldest frame). The element is written once the frame is released, and
     * only then is the stream completed, however many liveness ticks pass meanwhile.
     */
    @Test
    void completionWaitsForAnElementPendingBehindAHeldFrame(final Path dir) throws Exception
    {
        final akka.japi.Pair<TestPublisher.Probe<Integer>, CompletionStage<Done>> run = TestSource.<Integer>probe(system)
            .toMat(ShmSink.create(settings(dir, 2).withOverflowPolicy(OverflowPolicy.DROP_OLDEST_UNREAD), INT_WRITER),
                Keep.both()).run(system);
        try (ShmConsumer consumer = attach(dir))
        {
            run.first().sendNext(0).sendNext(1);
            await(() -> consumer.available() == 2, "two frames");
            final long held = pollWithin(consumer);
            run.first().sendNext(2).sendComplete();
            Thread.sleep(500);
            consumer.release(held);
            for (int expected = 1; expected <= 2; expected++)
            {
                final long seq = pollWithin(consumer);
                assertTrue(seq >= 0, "frame " + expected + ", got " + seq + " " + consumer.producerError());
                assertEquals(expected, consumer.frame(seq).buffer().getInt(0));
                consumer.release(seq);
            }
            assertEquals(ShmConsumer.END_OF_STREAM, pollWithin(consumer));
            run.second().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }

    /**
     * drop-oldest-unread: the consumer detaches (without cancelling) holding the oldest frame, so
     * an element stays pending; after upstream completes the drain timeout bounds that wait too:
     * the element is dropped and counted, and the sink completes instead of waiting forever.
     */
    @Test
    void anElementPendingBehindAFrameOfADetachedConsumerIsDroppedAfterTheDrainTimeout(final Path dir)
        throws Exception
    {
        final akka.japi.Pair<TestPublisher.Probe<Integer>, CompletionStage<Done>> run = TestSource.<Integer>probe(system)
            .toMat(ShmSink.create(settings(dir, 2).withOverflowPolicy(OverflowPolicy.DROP_OLDEST_UNREAD)
                .withDrainTimeout(Duration.ofMillis(300)), INT_WRITER), Keep.both()).run(system);
        final ShmConsumer consumer = attach(dir);
        try
        {
            run.first().sendNext(0).sendNext(1);
            await(() -> consumer.available() == 2, "two frames");
            pollWithin(consumer);
            run.first().sendNext(2);
        }
        finally
        {
            consumer.close();
        }
        run.first().sendComplete();
        assertEquals(Done.getInstance(), run.second().toCompletableFuture().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS));
        assertEquals(List.of(), ShmTestDirectory.leftovers(dir), "the sink detached last and removed the segment");
    }

    /**
     * A foreign writer puts an impossible released sequence into a live segment: the sink's next
     * claim throws CorruptSegmentException inside the stage, and the stream fails with exactly that
     * (not with Akka's AbruptStageTerminationException), its message reaching the consumer too.
     */
    @Test
    void aCorruptSegmentFailsTheSinkWithTheTypedError(final Path dir) throws Exception
    {
        final CompletionStage<Done> done = Source.range(0, 99).runWith(ShmSink.create(settings(dir, 2), INT_WRITER),
            system);
        try (ShmConsumer consumer = attach(dir);
             java.nio.channels.FileChannel file = java.nio.channels.FileChannel.open(dir.resolve("sink"),
                 java.nio.file.StandardOpenOption.READ, java.nio.file.StandardOpenOption.WRITE))
        {
            await(() -> consumer.available() == 2, "the ring full");
            final org.agrona.concurrent.UnsafeBuffer hostile = new org.agrona.concurrent.UnsafeBuffer(
                file.map(java.nio.channels.FileChannel.MapMode.READ_WRITE, 0, 4096));
            hostile.putLongVolatile(dev.shmstreams.transport.layout.HeaderDescriptor.releasedSequenceOffset(0), 1_000);
            final Throwable failure = failureOf(done);
            assertInstanceOf(dev.shmstreams.transport.CorruptSegmentException.class, failure);
            assertTrue(failure.getMessage().contains("released sequence 1000 is impossible"), failure.getMessage());
        }
        assertEquals(List.of(), ShmTestDirectory.leftovers(dir));
    }

    /**
     * The segment is created on the blocking-IO dispatcher; when that refuses the task (a system
     * shutting down), the stream fails with the rejection instead of waiting for ever.
     */
    @Test
    void aRefusedCreationTaskFailsTheStream(final Path dir) throws Exception
    {
        final ActorSystem refusing = ActorSystem.create("ShmSinkTest-refusing", com.typesafe.config.ConfigFactory
            .parseString("akka.actor.default-blocking-io-dispatcher.executor = \"" +
                RejectingExecutorConfigurator.class.getName() + "\"").withFallback(com.typesafe.config.ConfigFactory.load()));
        try
        {
            final CompletionStage<Done> done = Source.repeat(1).runWith(ShmSink.create(
                ShmSinkSettings.create(refusing, "sink").withDirectory(dir).withSlots(2).withSlotSize(4096), INT_WRITER),
                refusing);
            assertInstanceOf(java.util.concurrent.RejectedExecutionException.class, failureOf(done));
        }
        finally
        {
            TestKit.shutdownActorSystem(refusing);
        }
        assertEquals(List.of(), ShmTestDirectory.leftovers(dir));
    }

    @Test
    void theFailPolicyFailsWithRingFull(final Path dir) throws Exception
    {
        final CompletionStage<Done> done = Source.range(0, 9)
            .runWith(ShmSink.create(settings(dir, 2).withOverflowPolicy(OverflowPolicy.FAIL), INT_WRITER), system);
        try (ShmConsumer consumer = attach(dir))
        {
            assertInstanceOf(RingFullException.class, failureOf(done));
            assertEquals(0, pollWithin(consumer));
            assertEquals(1, pollWithin(consumer));
            assertEquals(ShmConsumer.PRODUCER_FAILED, pollWithin(consumer));
            assertTrue(consumer.producerError().contains("slots"), consumer.producerError());
        }
    }

    @Test
    void aWriterExceptionFailsTheStreamAndAbortsTheClaim(final Path dir) throws Exception
    {
        final FrameWriter<Integer> failing = (value, frame) ->
        {
            if (value == 2)
            {
                throw new IllegalArgumentException("cannot encode frame 2");
            }
            return INT_WRITER.write(value, frame);
        };
        final CompletionStage<Done> done = Source.range(0, 9).runWith(ShmSink.create(settings(dir, 4), failing), system);
        try (ShmConsumer consumer = attach(dir))
        {
            assertEquals(0, pollWithin(consumer));
            assertEquals(1, pollWithin(consumer));
            assertEquals(ShmConsumer.PRODUCER_FAILED, pollWithin(consumer), "the aborted claim is never delivered");
            assertEquals("cannot encode frame 2", consumer.producerError());
        }
        assertEquals("cannot encode frame 2", failureOf(done).getMessage());
    }

    @Test
    void copyingByteStringsCopiesOnceAndRefusesWhatDoesNotFit(final Path dir) throws Exception
    {
        final ByteString composite = ByteString.fromString("hello, ").concat(ByteString.fromString("shared memory"));
        final CompletionStage<Done> done = Source.from(List.of(composite, ByteString.fromArray(new byte[5000])))
            .runWith(ShmSink.copyingByteStrings(settings(dir, 4)), system);
        try (ShmConsumer consumer = attach(dir))
        {
            final long seq = pollWithin(consumer);
            final Frame frame = consumer.frame(seq);
            assertEquals("hello, shared memory", frame.buffer().getStringWithoutLengthUtf8(0, frame.length()));
            consumer.release(seq);
            assertEquals(ShmConsumer.PRODUCER_FAILED, pollWithin(consumer));
            assertTrue(consumer.producerError().contains("5000"), consumer.producerError());
        }
        assertInstanceOf(FrameTooLargeException.class, failureOf(done));
    }

    @Test
    void anAbruptTerminationIsAFailureForTheConsumer(final Path dir) throws Exception
    {
        final Materializer materializer = Materializer.createMaterializer(system);
        final CompletionStage<Done> done = Source.repeat(7).runWith(ShmSink.create(settings(dir, 4), INT_WRITER),
            materializer);
        try (ShmConsumer consumer = attach(dir))
        {
            consumer.release(pollWithin(consumer));
            materializer.shutdown();
            assertInstanceOf(AbruptStageTerminationException.class, failureOf(done));
            long seq;
            while ((seq = pollWithin(consumer)) >= 0)
            {
                consumer.release(seq);
            }
            assertEquals(ShmConsumer.PRODUCER_FAILED, seq);
            assertEquals("producer closed without completing", consumer.producerError());
        }
        assertEquals(List.of(), ShmTestDirectory.leftovers(dir));
    }

    @Test
    void creatingOverALiveChannelFailsTheStream(final Path dir) throws Exception
    {
        final CompletionStage<Done> first = Source.repeat(1).runWith(ShmSink.create(settings(dir, 2), INT_WRITER), system);
        try (ShmConsumer consumer = attach(dir))
        {
            final CompletionStage<Done> second = Source.repeat(2).runWith(ShmSink.create(settings(dir, 2), INT_WRITER),
                system);
            assertInstanceOf(dev.shmstreams.transport.ChannelInUseException.class, failureOf(second));
            consumer.cancel();
        }
        first.toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
}
