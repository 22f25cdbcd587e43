package dev.shmstreams.stream;

import akka.Done;
import akka.actor.ActorSystem;
import akka.actor.typed.ActorRef;
import akka.actor.typed.javadsl.Adapter;
import akka.actor.typed.javadsl.Behaviors;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.Source;
import akka.testkit.javadsl.TestKit;
import com.typesafe.config.ConfigFactory;
import dev.shmstreams.control.ChannelEvent;
import dev.shmstreams.control.ChannelHandle;
import dev.shmstreams.control.ShmStreams;
import dev.shmstreams.stream.javadsl.ShmSink;
import dev.shmstreams.stream.javadsl.ShmSource;
import dev.shmstreams.transport.ChannelSettings;
import dev.shmstreams.transport.ShmConsumer;
import dev.shmstreams.transport.ShmProducer;
import dev.shmstreams.transport.test.ShmTestDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The ShmStreams extension: events for attach, detach and overrun; the sweep of stale segments at
 * start; closing channels on CoordinatedShutdown.
 */
@ExtendWith(ShmTestDirectory.class)
class ControlPlaneTest
{
    private static ActorSystem system(final Path dir, final boolean sweep)
    {
        return system(dir, sweep, "50ms");
    }

    private static ActorSystem system(final Path dir, final boolean sweep, final String watchdogInterval)
    {
        return ActorSystem.create("ControlPlaneTest", ConfigFactory.parseString(
            "shm-streams.directory = \"" + dir + "\"\n" +
            "shm-streams.control.watchdog-interval = " + watchdogInterval + "\n" +
            "shm-streams.control.sweep-stale-on-start = " + sweep + "\n").withFallback(ConfigFactory.load()));
    }

    /**
     * A source that fails within one watchdog interval of its producer dying still gets its
     * PeerLost event published, before ChannelClosed: the watchdog takes a last look at unregister.
     */
    @Test
    void aPeerLostBetweenTwoWatchdogLooksIsStillPublished(final Path dir) throws Exception
    {
        final ActorSystem system = system(dir, false, "1h");
        try
        {
            final List<ChannelEvent> events = new CopyOnWriteArrayList<>();
            ShmStreams.get(Adapter.toTyped(system)).subscribe(Adapter.spawn(system, Behaviors.receive(ChannelEvent.class)
                .onAnyMessage(event ->
                {
                    events.add(event);
                    return Behaviors.same();
                }).build(), "listener"));
            try (dev.shmstreams.transport.it.ChildJvm producer = dev.shmstreams.transport.it.ChildJvm.start(
                "ControlPlaneTest.producer", dev.shmstreams.stream.it.AkkaProducerMain.class,
                List.of("dir=" + dir, "channel=lost", "slots=16")))
            {
                final akka.japi.Pair<ShmSourceControl, CompletionStage<Done>> run = ShmSource.create(
                        ShmSourceSettings.create(system, "lost").withAttachTimeout(Duration.ofSeconds(60)))
                    .toMat(Sink.foreach(ShmFrame::release), akka.stream.javadsl.Keep.both()).run(system);
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (run.first().frames() < 100)
                {
                    assertTrue(System.nanoTime() < deadline, "frames flow");
                    Thread.sleep(10);
                }
                producer.kill9();
                try
                {
                    run.second().toCompletableFuture().get(30, TimeUnit.SECONDS);
                    fail("the source must fail");
                }
                catch (final java.util.concurrent.ExecutionException ex)
                {
                    assertInstanceOf(dev.shmstreams.transport.PeerLostException.class, ex.getCause());
                }
            }
            final ChannelEvent lost = new ChannelEvent.PeerLost("lost", ChannelHandle.Role.CONSUMER);
            final ChannelEvent closed = new ChannelEvent.ChannelClosed("lost", ChannelHandle.Role.CONSUMER);
            await(events, closed::equals, "the consumer end closed");
            assertTrue(events.contains(lost), "PeerLost published: " + events);
            assertTrue(events.indexOf(lost) < events.indexOf(closed), "before ChannelClosed: " + events);
        }
        finally
        {
            TestKit.shutdownActorSystem(system);
        }
        assertEquals(List.of(), ShmTestDirectory.leftovers(dir));
    }

    private static void await(final List<ChannelEvent> events, final Predicate<ChannelEvent> expected, final String what)
        throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (events.stream().noneMatch(expected))
        {
            if (System.nanoTime() > deadline)
            {
                fail("no " + what + " among " + events);
            }
            Thread.sleep(10);
        }
    }

    @Test
    void eventsTellAttachDetachAndOverrun(final Path dir) throws Exception
    {
        final ActorSystem system = system(dir, false);
        try
        {
            final List<ChannelEvent> events = new CopyOnWriteArrayList<>();
            final ActorRef<ChannelEvent> listener = Adapter.spawn(system, Behaviors.receive(ChannelEvent.class)
                .onAnyMessage(event ->
                {
                    events.add(event);
                    return Behaviors.same();
                }).build(), "listener");
            final ShmStreams shm = ShmStreams.get(Adapter.toTyped(system));
            shm.subscribe(listener);

            final CompletionStage<Done> produced = Source.range(0, 99).throttle(10, Duration.ofMillis(10))
                .runWith(ShmSink.create(ShmSinkSettings.create(system, "events").withSlots(4).withSlotSize(4096)
                    .withOverflowPolicy(OverflowPolicy.DROP_NEWEST), (n, frame) -> 4), system);
            await(events, e -> e instanceof ChannelEvent.ChannelOpened && ((ChannelEvent.ChannelOpened)e).role() ==
                ChannelHandle.Role.PRODUCER, "producer opened");
            await(events, e -> e instanceof ChannelEvent.Overrun, "overrun: nobody reads, drop-newest drops");
            assertEquals(1, shm.openChannels().size());

            // the watchdog samples every watchdog-interval (50 ms here): stay attached across several samples
            final CompletionStage<Done> consumed = ShmSource.create(ShmSourceSettings.create(system, "events"))
                .take(3).throttle(1, Duration.ofMillis(200)).runWith(Sink.foreach(ShmFrame::release), system);
            await(events, e -> e.equals(new ChannelEvent.PeerAttached("events", ChannelHandle.Role.PRODUCER)),
                "the producer side seeing its consumer");
            await(events, e -> e.equals(new ChannelEvent.PeerAttached("events", ChannelHandle.Role.CONSUMER)),
                "the consumer side seeing its producer");
            consumed.toCompletableFuture().get(30, TimeUnit.SECONDS);
            await(events, e -> e.equals(new ChannelEvent.ChannelClosed("events", ChannelHandle.Role.CONSUMER)),
                "the consumer end closed");
            produced.toCompletableFuture().get(30, TimeUnit.SECONDS);
            await(events, e -> e.equals(new ChannelEvent.ChannelClosed("events", ChannelHandle.Role.PRODUCER)),
                "the producer end closed");
        }
        finally
        {
            TestKit.shutdownActorSystem(system);
        }
    }

    @Test
    void staleSegmentsAreSweptWhenTheExtensionStarts(final Path dir) throws Exception
    {
        try (ShmProducer live = ShmProducer.create(ChannelSettings.create("live").withDirectory(dir).withSlotCount(2)
            .withSlotSize(4096)))
        {
            Files.copy(dir.resolve("live"), dir.resolve("dead"));
            final ActorSystem system = system(dir, true);
            try
            {
                assertEquals(List.of(dir.resolve("dead")), ShmStreams.get(Adapter.toTyped(system)).sweptAtStart());
                assertEquals(List.of("live"), ShmTestDirectory.leftovers(dir));
            }
            finally
            {
                TestKit.shutdownActorSystem(system);
            }
        }
    }

    @Test
    void coordinatedShutdownClosesTheChannelsOfTheSystem(final Path dir) throws Exception
    {
        final ActorSystem system = system(dir, false);
        final CompletionStage<Done> produced = Source.repeat(1).runWith(ShmSink.create(
            ShmSinkSettings.create(system, "shutdown").withSlots(2).withSlotSize(4096), (n, frame) -> 4), system);
        try (ShmConsumer consumer = ShmConsumer.attach(ChannelSettings.create("shutdown").withDirectory(dir)
            .withAttachTimeout(Duration.ofSeconds(30))))
        {
            TestKit.shutdownActorSystem(system);
            assertTrue(produced.toCompletableFuture().isCompletedExceptionally(), "the sink was stopped");

            long seq;
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while ((seq = consumer.poll()) >= 0 || seq == ShmConsumer.EMPTY)
            {
                if (seq >= 0)
                {
                    consumer.release(seq);
                }
                assertTrue(System.nanoTime() < deadline);
            }
            assertEquals(ShmConsumer.PRODUCER_FAILED, seq);
            assertTrue(consumer.producerError().contains("shutting down"), consumer.producerError());
        }
        assertEquals(List.of(), ShmTestDirectory.leftovers(dir));
    }
}
