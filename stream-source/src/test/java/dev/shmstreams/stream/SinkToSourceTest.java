package dev.shmstreams.stream;

import akka.Done;
import akka.actor.ActorSystem;
import akka.stream.ActorAttributes;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.Source;
import akka.testkit.javadsl.TestKit;
import dev.shmstreams.stream.javadsl.ShmSink;
import dev.shmstreams.stream.javadsl.ShmSource;
import dev.shmstreams.dispatch.SpinningExecutor;
import dev.shmstreams.transport.WaitStrategy;
import dev.shmstreams.transport.test.ShmTestDirectory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A ShmSink graph feeding a ShmSource graph through a real segment: every frame arrives, in order,
 * intact, with every wait strategy.
 */
@ExtendWith(ShmTestDirectory.class)
class SinkToSourceTest
{
    static final int FRAMES = 50_000;
    private static ActorSystem system;

    @BeforeAll
    static void start()
    {
        system = ActorSystem.create("SinkToSourceTest");
    }

    @AfterAll
    static void stop()
    {
        TestKit.shutdownActorSystem(system);
    }

    @ParameterizedTest
    @EnumSource(WaitStrategy.class)
    void fiftyThousandFramesArriveInOrderAndIntact(final WaitStrategy strategy, final Path dir) throws Exception
    {
        final CompletionStage<Done> produced = Source.range(0, FRAMES - 1)
            .runWith(ShmSink.create(ShmSinkSettings.create(system, "e2e").withDirectory(dir).withSlots(16)
                .withSlotSize(4096).withWaitStrategy(strategy), SinkToSourceHelpers.WRITER), system);
        final CompletionStage<Integer> consumed = ShmSource.create(
                ShmSourceSettings.create(system, "e2e").withDirectory(dir).withWaitStrategy(strategy))
            .map(SinkToSourceHelpers::verify)
            .runWith(countInOrder(), system);
        assertEquals(FRAMES, consumed.toCompletableFuture().get(120, TimeUnit.SECONDS));
        produced.toCompletableFuture().get(30, TimeUnit.SECONDS);
        Thread.sleep(100);
        assertEquals(List.of(), ShmTestDirectory.leftovers(dir), "both ends closed: the segment is gone");
    }

    /** @return the number of frames, failing the stream on the first one out of order. */
    private static Sink<Integer, CompletionStage<Integer>> countInOrder()
    {
        return Sink.fold(0, (expected, n) ->
        {
            if (n.intValue() != expected.intValue())
            {
                throw new IllegalStateException("expected frame " + expected + ", got " + n);
            }
            return expected + 1;
        });
    }

    /**
     * A source on a dispatcher made of a SpinningExecutor, counting the frames in order; every 1,000th
     * frame adds the names of the JVM's threads to {@code threads}.
     */
    private static CompletionStage<Integer> consumeOn(final String dispatcher, final String channel, final Path dir,
        final WaitStrategy strategy, final Set<String> threads)
    {
        return ShmSource.create(ShmSourceSettings.create(system, channel).withDirectory(dir).withWaitStrategy(strategy))
            .map(frame ->
            {
                assertNotNull(SpinningExecutor.current(), "the source runs on " + dispatcher);
                if (frame.sequence() % 1000 == 0)
                {
                    Thread.getAllStackTraces().keySet().forEach(thread -> threads.add(thread.getName()));
                }
                return SinkToSourceHelpers.verify(frame);
            })
            .withAttributes(ActorAttributes.dispatcher(dispatcher))
            .runWith(countInOrder(), system);
    }

    /**
     * Both graphs on shm-streams.spinning-dispatcher, whose one thread runs them both: with
     * busy-spin the stages wait inline on that thread (no wake-up threads), and the producer waiting
     * for space and the consumer waiting for frames never block each other.
     */
    @ParameterizedTest
    @EnumSource(value = WaitStrategy.class, names = {"BUSY_SPIN", "BLOCKING"})
    void bothEndsOnTheSpinningDispatcher(final WaitStrategy strategy, final Path dir) throws Exception
    {
        final String channel = "spin-" + strategy.name().toLowerCase();
        final Set<String> threads = ConcurrentHashMap.newKeySet();
        final CompletionStage<Done> produced = Source.range(0, FRAMES - 1)
            .runWith(ShmSink.create(ShmSinkSettings.create(system, channel).withDirectory(dir).withSlots(4)
                    .withSlotSize(4096).withWaitStrategy(strategy), SinkToSourceHelpers.WRITER)
                .withAttributes(ActorAttributes.dispatcher("shm-streams.spinning-dispatcher")), system);
        final CompletionStage<Integer> consumed =
            consumeOn("shm-streams.spinning-dispatcher", channel, dir, strategy, threads);
        assertEquals(FRAMES, consumed.toCompletableFuture().get(120, TimeUnit.SECONDS));
        produced.toCompletableFuture().get(30, TimeUnit.SECONDS);
        final boolean wakerThreads = threads.stream().anyMatch(name -> name.endsWith("-" + channel));
        assertEquals(strategy != WaitStrategy.BUSY_SPIN, wakerThreads,
            "wake-up threads " + (strategy == WaitStrategy.BUSY_SPIN ? "not " : "") + "expected: " + threads);
        Thread.sleep(100);
        assertEquals(List.of(), ShmTestDirectory.leftovers(dir), "both ends closed: the segment is gone");
    }

    /**
     * The source alone on shm-streams.blocking-dispatcher with the default BLOCKING strategy: its
     * thread sleeps on the channel's futex itself, so there is no wake-up thread for the source
     * (the sink, on the default dispatcher, keeps its own), and every frame arrives in order.
     */
    @Test
    void theSourceOnTheBlockingDispatcherSleepsOnTheFutexItself(final Path dir) throws Exception
    {
        final String channel = "blocking-dispatcher";
        final Set<String> threads = ConcurrentHashMap.newKeySet();
        final CompletionStage<Done> produced = Source.range(0, FRAMES - 1)
            .runWith(ShmSink.create(ShmSinkSettings.create(system, channel).withDirectory(dir).withSlots(4)
                .withSlotSize(4096).withWaitStrategy(WaitStrategy.BLOCKING), SinkToSourceHelpers.WRITER), system);
        final CompletionStage<Integer> consumed =
            consumeOn("shm-streams.blocking-dispatcher", channel, dir, WaitStrategy.BLOCKING, threads);
        assertEquals(FRAMES, consumed.toCompletableFuture().get(120, TimeUnit.SECONDS));
        produced.toCompletableFuture().get(30, TimeUnit.SECONDS);
        assertFalse(threads.contains("shm-source-" + channel), "no wake-up thread for the source: " + threads);
        assertTrue(threads.contains("shm-sink-" + channel), "the sink keeps its wake-up thread: " + threads);
        Thread.sleep(100);
        assertEquals(List.of(), ShmTestDirectory.leftovers(dir), "both ends closed: the segment is gone");
    }
}
