package dev.shmstreams.examples.guide;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Behaviors;
import akka.util.ByteString;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.shmstreams.control.ShmStreamsSettings;
import dev.shmstreams.examples.ExampleSystem;
import dev.shmstreams.stream.OverflowPolicy;
import dev.shmstreams.stream.PeerGoneAction;
import dev.shmstreams.stream.ShmSinkSettings;
import dev.shmstreams.stream.ShmSourceSettings;
import dev.shmstreams.transport.WaitStrategy;
import dev.shmstreams.transport.test.ShmTestDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.*;

/** Runs every snippet of docs/guide.md: both ends in this JVM, through real segments in a private directory. */
@ExtendWith(ShmTestDirectory.class)
class GuideSnippetsTest
{
    private static <T> T await(final java.util.concurrent.CompletionStage<T> stage) throws Exception
    {
        return stage.toCompletableFuture().get(60, TimeUnit.SECONDS);
    }

    private static ActorSystem<Void> system(final Path dir)
    {
        return ExampleSystem.create("guide", dir);
    }

    @Test
    void sinkToSourceSumsEveryElement(final Path dir) throws Exception
    {
        final ActorSystem<Void> system = system(dir);
        try
        {
            final var consumed = GuideSnippets.source(system, "guide-sum");
            GuideSnippets.sink(system, "guide-sum");
            assertEquals(500_500, await(consumed));
        }
        finally
        {
            ExampleSystem.terminate(system);
        }
        assertEquals(List.of(), ShmTestDirectory.leftovers(dir));
    }

    @Test
    void theLowLatencySourceRunsOnTheSpinningDispatcher(final Path dir) throws Exception
    {
        final ActorSystem<Void> system = system(dir);
        try
        {
            final var ages = GuideSnippets.lowLatency(system, "guide-spin");
            GuideSnippets.sink(system, "guide-spin");
            final List<Long> received = await(ages);
            assertEquals(1000, received.size());
            assertTrue(received.stream().allMatch(age -> age >= 0), "commit stamps precede arrival: " + received);
        }
        finally
        {
            ExampleSystem.terminate(system);
        }
        assertEquals(List.of(), ShmTestDirectory.leftovers(dir));
    }

    @Test
    void framesHeldAcrossAnAsyncStageArriveInOrder(final Path dir) throws Exception
    {
        final ActorSystem<Void> system = system(dir);
        try
        {
            final var running = GuideSnippets.holdAcrossAsync(system, "guide-hold");
            GuideSnippets.sink(system, "guide-hold");
            await(running.first().attached());
            assertEquals(LongStream.rangeClosed(1, 1000).map(n -> n * 10).boxed().collect(Collectors.toList()),
                await(running.second()));
        }
        finally
        {
            ExampleSystem.terminate(system);
        }
        assertEquals(List.of(), ShmTestDirectory.leftovers(dir));
    }

    @Test
    void copyingVariantsCopyOnceEachWay(final Path dir) throws Exception
    {
        final ActorSystem<Void> system = system(dir);
        try
        {
            assertEquals(List.of(ByteString.fromString("one"), ByteString.fromString("two")),
                await(GuideSnippets.copying(system, "guide-copy")));
        }
        finally
        {
            ExampleSystem.terminate(system);
        }
    }

    @Test
    void stoppingTheSourceCompletesItsStream(final Path dir) throws Exception
    {
        final ActorSystem<Void> system = system(dir);
        try
        {
            final var running = GuideSnippets.stoppable(system, "guide-stop");
            GuideSnippets.sink(system, "guide-stop");
            await(running.second());
            await(running.first().stopped());
        }
        finally
        {
            ExampleSystem.terminate(system);
        }
    }

    @Test
    void theTransportSnippetMovesOneFrame(final Path dir) throws Exception
    {
        assertEquals(42, GuideSnippets.transport(dir));
        assertEquals(List.of(), ShmTestDirectory.leftovers(dir));
    }

    @Test
    void settingsInCodeAndInConfigurationAgree() throws Exception
    {
        final ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "guide-settings");
        try
        {
            final ShmSinkSettings live = GuideSnippets.liveVideoSettings(system);
            assertEquals(OverflowPolicy.DROP_OLDEST_UNREAD, live.overflowPolicy());
            assertEquals(PeerGoneAction.WAIT, live.onConsumerLost());
            assertTrue(live.channel().dropOldestUnread());
            assertEquals(12_441_600, live.channel().slotSize());
        }
        finally
        {
            ExampleSystem.terminate(system);
        }
        // the guide's application.conf example
        final Config config = ConfigFactory.parseResources("guide-application.conf").withFallback(ConfigFactory.load());
        final ShmSinkSettings sink = ShmSinkSettings.create(config, "camera-1");
        assertEquals(Path.of("/dev/hugepages"), sink.channel().directory());
        assertEquals(4, sink.channel().slotCount());
        assertEquals(12_582_912, sink.channel().slotSize());
        assertEquals(WaitStrategy.BUSY_SPIN, sink.channel().waitStrategy());
        assertEquals(OverflowPolicy.DROP_OLDEST_UNREAD, sink.overflowPolicy());
        assertEquals(Duration.ofSeconds(1), sink.channel().livenessInterval().multipliedBy(10));
        assertEquals(2, ShmSourceSettings.create(config, "camera-1").maxHeldFrames());
        assertFalse(ShmStreamsSettings.create(config).sweepStaleOnStart());
    }
}
