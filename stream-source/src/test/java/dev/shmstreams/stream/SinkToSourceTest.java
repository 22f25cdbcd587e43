package dev.shmstreams.stream;

import akka.Done;
import akka.actor.ActorSystem;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.Source;
import akka.testkit.javadsl.TestKit;
import dev.shmstreams.stream.javadsl.ShmSink;
import dev.shmstreams.stream.javadsl.ShmSource;
import dev.shmstreams.transport.WaitStrategy;
import dev.shmstreams.transport.test.ShmTestDirectory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Path;
import java.util.List;
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
            .runWith(Sink.fold(0, (expected, n) ->
            {
                if (n.intValue() != expected.intValue())
                {
                    throw new IllegalStateException("expected frame " + expected + ", got " + n);
                }
                return expected + 1;
            }), system);
        assertEquals(FRAMES, consumed.toCompletableFuture().get(120, TimeUnit.SECONDS));
        produced.toCompletableFuture().get(30, TimeUnit.SECONDS);
        Thread.sleep(100);
        assertEquals(List.of(), ShmTestDirectory.leftovers(dir), "both ends closed: the segment is gone");
    }
}
