package dev.shmstreams.stream;

import akka.Done;
import akka.actor.ActorSystem;
import akka.actor.typed.ActorRef;
import akka.actor.typed.javadsl.Adapter;
import akka.actor.typed.javadsl.Behaviors;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.Source;
import akka.testkit.javadsl.TestKit;
import com.typesafe.config.Config;
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
        return ActorSystem.create("ControlPlaneTest", config(dir, sweep, watchdogInterval, ""));
    }

    private static Config config(final Path dir, final boolean sweep, final String watchdogInterval, final String more)
    {
        return ConfigFactory.parseString(
            "shm-streams.directory = \"" + dir + "\"\n" +
            "shm-streams.control.watchdog-interval = " + watchdogInterval + "\n" +
            "shm-streams.control.sweep-stale-on-start = " + sweep + "\n" + more).withFallback(ConfigFactory.load()).resolve();
    }

    /** A segment no process holds, as a producer and consumer killed with kill -9 leave it. */
    private static Path staleSegment(final Path dir, final String name)
    {
        try (ShmProducer live = ShmProducer.create(ChannelSettings.create("template").withDirectory(dir)
            .withSlotCount(2).withSlotSize(4096)))
        {
            return Files.copy(dir.resolve("template"), dir.resolve(name));
        }
        catch (final java.io.IOException ex)
        {
            throw new java.io.UncheckedIOException(ex);
        }
    }

    private static void awaitGone(final Path file) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (Files.exists(file))
        {
            assertTrue(System.nanoTime() < deadline, file + " is still there");
            Thread.sleep(10);
        }
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
                assertEquals(List.of(dir.resolve("dead")), ShmStreams.get(Adapter.toTyped(system)).sweptAtStart()
                    .toCompletableFuture().get(30, TimeUnit.SECONDS));
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

    /**
     * Listed in akka.actor.typed.extensions, the extension starts with a classic actor system (and
     * sweeps) before any stage or call of ShmStreams.get: Akka finds a Java extension through its
     * static getInstance().
     */
    @Test
    void listedInAkkaExtensionsTheExtensionStartsAndSweepsWithAClassicSystem(final Path dir) throws Exception
    {
        final Path dead = staleSegment(dir, "dead");
        final ActorSystem system = ActorSystem.create("ControlPlaneTest", config(dir, true, "50ms",
            "akka.actor.typed.extensions += \"dev.shmstreams.control.ShmStreams$Id\"\n"));
        try
        {
            assertTrue(Adapter.toTyped(system).hasExtension(ShmStreams.ID), "loaded with the system");
            awaitGone(dead);
        }
        finally
        {
            TestKit.shutdownActorSystem(system);
        }
        assertEquals(List.of(), ShmTestDirectory.leftovers(dir));
    }

    @Test
    void listedInAkkaExtensionsTheExtensionStartsAndSweepsWithATypedSystem(final Path dir) throws Exception
    {
        final Path dead = staleSegment(dir, "dead");
        final akka.actor.typed.ActorSystem<Void> system = akka.actor.typed.ActorSystem.create(Behaviors.empty(),
            "ControlPlaneTest", config(dir, true, "50ms",
                "akka.actor.typed.extensions += \"dev.shmstreams.control.ShmStreams$Id\"\n"));
        try
        {
            assertTrue(system.hasExtension(ShmStreams.ID), "loaded with the system");
            awaitGone(dead);
            assertEquals(List.of(dead), ShmStreams.get(system).sweptAtStart().toCompletableFuture().get(30,
                TimeUnit.SECONDS));
        }
        finally
        {
            system.terminate();
            system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }

    /** Without the listing, nothing is swept until something uses the extension. */
    @Test
    void unlistedTheExtensionStartsOnFirstUse(final Path dir) throws Exception
    {
        final Path dead = staleSegment(dir, "dead");
        final ActorSystem system = system(dir, true);
        try
        {
            assertFalse(Adapter.toTyped(system).hasExtension(ShmStreams.ID));
            Thread.sleep(200);
            assertTrue(Files.exists(dead), "not swept before the extension starts");
            ShmStreams.get(Adapter.toTyped(system)).ready().toCompletableFuture().get(30, TimeUnit.SECONDS);
            assertFalse(Files.exists(dead), "swept by the time the extension is ready");
        }
        finally
        {
            TestKit.shutdownActorSystem(system);
        }
    }

    /**
     * A consumer (another process in production, here a transport consumer in this JVM) is still
     * attached and still reading when the producer's system shuts down: the segment's name is gone
     * once CoordinatedShutdown is over, yet the consumer drains what was committed and sees why the
     * stream ended.
     */
    @Test
    void coordinatedShutdownUnlinksTheNameWhileAConsumerIsStillAttached(final Path dir) throws Exception
    {
        final ActorSystem system = system(dir, false);
        final CompletionStage<Done> produced = Source.repeat(1).runWith(ShmSink.create(
            ShmSinkSettings.create(system, "attached").withSlots(4).withSlotSize(4096), (n, frame) -> 4), system);
        try (ShmConsumer consumer = ShmConsumer.attach(ChannelSettings.create("attached").withDirectory(dir)
            .withAttachTimeout(Duration.ofSeconds(30))))
        {
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (consumer.available() < 4)
            {
                assertTrue(System.nanoTime() < deadline, "the ring fills");
                Thread.sleep(5);
            }
            TestKit.shutdownActorSystem(system);
            assertTrue(produced.toCompletableFuture().isCompletedExceptionally(), "the sink was stopped");
            assertEquals(List.of(), ShmTestDirectory.leftovers(dir), "the name is gone, the consumer still attached");
            int drained = 0;
            long seq;
            while ((seq = consumer.poll()) >= 0)
            {
                consumer.release(seq);
                drained++;
            }
            assertEquals(4, drained, "the mapping stays valid: every committed frame is still read");
            assertEquals(ShmConsumer.PRODUCER_FAILED, seq);
            assertTrue(consumer.producerError().contains("shutting down"), consumer.producerError());
        }
        assertEquals(List.of(), ShmTestDirectory.leftovers(dir));
    }

    /**
     * A sink that completed before the shutdown, leaving its segment to a consumer still draining
     * it (drain timeout passed): the producer's system removes that name too.
     */
    @Test
    void coordinatedShutdownUnlinksTheNamesOfCompletedChannelsStillBeingDrained(final Path dir) throws Exception
    {
        final ActorSystem system = system(dir, false);
        final CompletionStage<Done> produced = Source.range(1, 3).runWith(ShmSink.create(
            ShmSinkSettings.create(system, "draining").withSlots(4).withSlotSize(4096)
                .withDrainTimeout(Duration.ofMillis(200)), (n, frame) -> 4), system);
        try (ShmConsumer consumer = ShmConsumer.attach(ChannelSettings.create("draining").withDirectory(dir)
            .withAttachTimeout(Duration.ofSeconds(30))))
        {
            produced.toCompletableFuture().get(30, TimeUnit.SECONDS);
            assertEquals(List.of("draining"), ShmTestDirectory.leftovers(dir), "left to the attached consumer");
            TestKit.shutdownActorSystem(system);
            assertEquals(List.of(), ShmTestDirectory.leftovers(dir), "removed by the producer's shutdown");
            for (int i = 0; i < 3; i++)
            {
                consumer.release(consumer.poll());
            }
            assertEquals(ShmConsumer.END_OF_STREAM, consumer.poll());
        }
    }

    /**
     * The fallback: a sink whose thread is stuck (its writer blocks) cannot close when asked; after
     * shutdown-timeout its name is unlinked anyway, while the stage still has the segment mapped.
     */
    @Test
    void coordinatedShutdownUnlinksTheNameOfAStageThatDidNotCloseInTime(final Path dir) throws Exception
    {
        final ActorSystem system = ActorSystem.create("ControlPlaneTest", config(dir, false, "50ms",
            "shm-streams.control.shutdown-timeout = 300ms\n"));
        final java.util.concurrent.CountDownLatch stuck = new java.util.concurrent.CountDownLatch(1);
        final java.util.concurrent.CountDownLatch unblock = new java.util.concurrent.CountDownLatch(1);
        try
        {
            Source.range(1, 1000).runWith(ShmSink.create(ShmSinkSettings.create(system, "stuck").withSlots(4)
                .withSlotSize(4096), (n, frame) ->
            {
                if (n == 2)
                {
                    stuck.countDown();
                    unblock.await();
                }
                return 4;
            }), system);
            assertTrue(stuck.await(30, TimeUnit.SECONDS), "the writer blocks the stage's thread");
            assertEquals(List.of("stuck"), ShmTestDirectory.leftovers(dir));
            final CompletionStage<Done> shutdown = akka.actor.CoordinatedShutdown.get(system)
                .runAll(akka.actor.CoordinatedShutdown.unknownReason());
            awaitGone(dir.resolve("stuck"));
            assertEquals(1, unblock.getCount(), "unlinked while the stage still could not close");
            unblock.countDown();
            shutdown.toCompletableFuture().get(60, TimeUnit.SECONDS);
        }
        finally
        {
            unblock.countDown();
            TestKit.shutdownActorSystem(system);
        }
        assertEquals(List.of(), ShmTestDirectory.leftovers(dir));
    }

    /**
     * A consumer process stopped with SIGSTOP for longer than the stall timeout: its lock is held,
     * its heartbeat ages, and the producer side publishes PeerStalled (never PeerLost); after SIGCONT
     * the heartbeat resumes and PeerAttached follows. The sink does not fail meanwhile.
     */
    @Test
    void aStoppedPeerIsPublishedAsStalledThenAttachedAgain(final Path dir) throws Exception
    {
        final ActorSystem system = system(dir, false);
        try
        {
            final List<ChannelEvent> events = new CopyOnWriteArrayList<>();
            ShmStreams.get(Adapter.toTyped(system)).subscribe(Adapter.spawn(system, Behaviors.receive(ChannelEvent.class)
                .onAnyMessage(event ->
                {
                    events.add(event);
                    return Behaviors.same();
                }).build(), "listener"));
            final ShmSinkSettings settings = ShmSinkSettings.create(system, "stall").withSlots(4).withSlotSize(4096);
            final CompletionStage<Done> produced = Source.repeat(1).runWith(ShmSink.create(
                settings.withChannel(settings.channel().withStallTimeout(Duration.ofMillis(500))), (n, frame) -> 4),
                system);
            final ChannelEvent attached = new ChannelEvent.PeerAttached("stall", ChannelHandle.Role.PRODUCER);
            final ChannelEvent stalled = new ChannelEvent.PeerStalled("stall", ChannelHandle.Role.PRODUCER);
            try (dev.shmstreams.transport.it.ChildJvm consumer = dev.shmstreams.transport.it.ChildJvm.start(
                "ControlPlaneTest.stall.consumer", dev.shmstreams.stream.it.HoldingConsumerMain.class,
                List.of("dir=" + dir, "channel=stall", "poll=2", "release=1")))
            {
                consumer.awaitLine("HOLDING", Duration.ofSeconds(60));
                await(events, attached::equals, "the consumer attached");
                consumer.signal("STOP");
                try
                {
                    await(events, stalled::equals, "the stopped consumer reported stalled");
                }
                finally
                {
                    consumer.signal("CONT");
                }
                // records are equal by value: the second PeerAttached is the last one, after the stall
                await(events, e -> events.lastIndexOf(attached) > events.indexOf(stalled),
                    "the consumer attached again after SIGCONT");
                assertFalse(events.stream().anyMatch(e -> e instanceof ChannelEvent.PeerLost), "a stall is no loss: " +
                    events);
                assertFalse(produced.toCompletableFuture().isDone(), "the sink still runs");
            }
        }
        finally
        {
            TestKit.shutdownActorSystem(system);
        }
        assertEquals(List.of(), ShmTestDirectory.leftovers(dir));
    }
}
