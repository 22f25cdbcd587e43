package dev.shmstreams.stream.reliability;

import akka.Done;
import akka.actor.ActorSystem;
import akka.actor.typed.javadsl.Adapter;
import akka.actor.typed.javadsl.Behaviors;
import akka.japi.Pair;
import akka.stream.KillSwitches;
import akka.stream.UniqueKillSwitch;
import akka.stream.javadsl.Keep;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.Source;
import akka.testkit.javadsl.TestKit;
import dev.shmstreams.control.ChannelEvent;
import dev.shmstreams.control.ChannelHandle;
import dev.shmstreams.control.ShmStreams;
import dev.shmstreams.stream.ShmSinkSettings;
import dev.shmstreams.stream.ShmSourceControl;
import dev.shmstreams.stream.ShmSourceSettings;
import dev.shmstreams.stream.SinkToSourceHelpers;
import dev.shmstreams.stream.it.AkkaConsumerMain;
import dev.shmstreams.stream.it.AkkaProducerMain;
import dev.shmstreams.stream.javadsl.ShmSink;
import dev.shmstreams.stream.javadsl.ShmSource;
import dev.shmstreams.transport.it.ChildJvm;
import dev.shmstreams.transport.it.ReliabilityReport;
import dev.shmstreams.transport.test.SegmentProbe;
import dev.shmstreams.transport.test.ShmTestDirectory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * SIGSTOP of a peer stage process for longer than the stall timeout, then SIGCONT: the stage in the
 * test JVM sees a stall (PeerStalled on the control plane), never a loss and never an error; the
 * ring stays as it was; after SIGCONT the peer is attached again and the stream continues to its
 * end with every frame once, in order, intact. Both directions: the consumer graph stopped (the
 * sink waits on a full ring) and the producer graph stopped (the source waits on an empty one).
 */
@ExtendWith(ShmTestDirectory.class)
class StageStallIT
{
    private static final Duration STARTUP = Duration.ofSeconds(90);
    private static final Duration TRANSFER = Duration.ofSeconds(90);
    /** The test side's stall timeout; the peer stays stopped for a stall timeout after it was reported. */
    private static final Duration STALL = Duration.ofSeconds(1);
    private static final int SLOTS = 16;
    private static final List<ChannelEvent> EVENTS = new CopyOnWriteArrayList<>();
    private static ActorSystem system;

    @BeforeAll
    static void start()
    {
        system = ActorSystem.create("StageStallIT");
        ShmStreams.get(Adapter.toTyped(system)).subscribe(Adapter.spawn(system, Behaviors.receive(ChannelEvent.class)
            .onAnyMessage(event ->
            {
                EVENTS.add(event);
                return Behaviors.same();
            }).build(), "events"));
    }

    @AfterAll
    static void stop()
    {
        TestKit.shutdownActorSystem(system);
    }

    @Test
    void aStoppedConsumerGraphIsAStallAndTheStreamContinuesAfterSigcont(final Path dir) throws Exception
    {
        final String channel = "stall-consumer";
        final ChannelHandle.Role role = ChannelHandle.Role.PRODUCER;
        final AtomicLong pulled = new AtomicLong();
        final ShmSinkSettings settings = ShmSinkSettings.create(system, channel).withDirectory(dir).withSlots(SLOTS)
            .withSlotSize(4096);
        final Pair<UniqueKillSwitch, CompletionStage<Done>> run = Source.range(0, Integer.MAX_VALUE - 1)
            .viaMat(KillSwitches.single(), Keep.right())
            .map(n ->
            {
                pulled.incrementAndGet();
                return n;
            })
            .toMat(ShmSink.create(settings.withChannel(settings.channel().withStallTimeout(STALL)),
                SinkToSourceHelpers.WRITER), Keep.both())
            .run(system);
        final long stoppedMs;
        try (ChildJvm consumer = ChildJvm.start("StageStallIT.consumer", AkkaConsumerMain.class,
            List.of("dir=" + dir, "channel=" + channel));
             SegmentProbe header = SegmentProbe.open(awaitFile(dir.resolve(channel))))
        {
            final long before = awaitReceived(consumer, 500);
            stoppedMs = stopAndContinue(consumer, channel, role, () ->
            {
                // frozen, not broken: the ring stays exactly full, the sink neither fails nor completes
                assertEquals(SLOTS, header.publishedSequence() - header.releasedSequence(), "the ring is full while the consumer is stopped");
                assertFalse(run.second().toCompletableFuture().isDone(), "the sink waits");
            });
            awaitReceived(consumer, before + 4L * SLOTS);
            run.first().shutdown();
            final ChildJvm.Line result = consumer.awaitLine("RESULT", TRANSFER);
            assertEquals("DONE count=" + header.publishedSequence(), consumer.awaitLine("DONE", TRANSFER).text(),
                "every frame once");
            assertEquals(header.publishedSequence(), result.longField("next"), "in order, through the last one");
            assertEquals(pulled.get(), header.publishedSequence());
            assertEquals(0, result.longField("redelivered"));
            assertEquals(0, consumer.awaitExit(STARTUP));
            assertEquals(Done.getInstance(), run.second().toCompletableFuture().get(TRANSFER.toSeconds(), TimeUnit.SECONDS));
            ReliabilityReport.record("StageStallIT.consumer", "stoppedMs=" + stoppedMs + " framesChecked=" +
                header.publishedSequence() + " lost=0 corrupt=0");
        }
        await(() -> ShmTestDirectory.leftovers(dir).isEmpty(), "the segment removed");
    }

    @Test
    void aStoppedProducerGraphIsAStallAndTheStreamContinuesAfterSigcont(final Path dir) throws Exception
    {
        final String channel = "stall-producer";
        final int frames = 6_000;
        final ShmSourceSettings settings = ShmSourceSettings.create(system, channel).withDirectory(dir)
            .withAttachTimeout(STARTUP);
        try (ChildJvm producer = ChildJvm.start("StageStallIT.producer", AkkaProducerMain.class,
            List.of("dir=" + dir, "channel=" + channel, "slots=" + SLOTS, "frames=" + frames, "rate=1500")))
        {
            final Pair<ShmSourceControl, CompletionStage<Long>> run = ShmSource.create(
                    settings.withChannel(settings.channel().withStallTimeout(STALL)))
                .map(SinkToSourceHelpers::verify)
                .toMat(Sink.fold(0L, (expected, n) ->
                {
                    assertEquals(expected.longValue(), n.longValue(), "frames in order, none lost or repeated");
                    return expected + 1;
                }), Keep.both())
                .run(system);
            final ShmSourceControl control = run.first();
            await(() -> control.frames() >= 500, "frames flow");
            final long stoppedMs = stopAndContinue(producer, channel, ChannelHandle.Role.CONSUMER, () ->
            {
                assertFalse(run.second().toCompletableFuture().isDone(), "the source waits");
                assertEquals(0, control.occupancy(), "the ring is drained, nothing half-written appears");
            });
            assertEquals(frames, run.second().toCompletableFuture().get(TRANSFER.toSeconds(), TimeUnit.SECONDS),
                "every frame once, in order, intact");
            assertTrue(producer.awaitLine(Pattern.compile("^(DONE|FAILED)"), TRANSFER).text().startsWith("DONE"));
            assertEquals(0, producer.awaitExit(STARTUP));
            ReliabilityReport.record("StageStallIT.producer", "stoppedMs=" + stoppedMs + " framesChecked=" + frames +
                " lost=0 corrupt=0");
        }
        await(() -> ShmTestDirectory.leftovers(dir).isEmpty(), "the segment removed");
    }

    /**
     * SIGSTOP the peer, wait for PeerStalled, keep it stopped one more stall timeout, check what
     * must hold meanwhile, SIGCONT (always), wait for PeerAttached.
     *
     * @return how long the peer was stopped, in ms.
     */
    private static long stopAndContinue(
        final ChildJvm peer, final String channel, final ChannelHandle.Role role, final Runnable whileStopped)
        throws InterruptedException
    {
        final ChannelEvent stalled = new ChannelEvent.PeerStalled(channel, role);
        final ChannelEvent attached = new ChannelEvent.PeerAttached(channel, role);
        final ChannelEvent lost = new ChannelEvent.PeerLost(channel, role);
        final long stoppedAt = System.nanoTime();
        peer.signal("STOP");
        try
        {
            await(() -> EVENTS.contains(stalled), "PeerStalled");
            Thread.sleep(STALL.toMillis());
            whileStopped.run();
        }
        finally
        {
            peer.signal("CONT");
        }
        final long stoppedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stoppedAt);
        // records are equal by value: the PeerAttached after the stall is the last one
        await(() -> EVENTS.lastIndexOf(attached) > EVENTS.indexOf(stalled), "PeerAttached after SIGCONT");
        assertFalse(EVENTS.contains(lost), "a stall is not a loss: " + EVENTS);
        return stoppedMs;
    }

    private static long awaitReceived(final ChildJvm consumer, final long frames)
    {
        while (true)
        {
            final ChildJvm.Line line = consumer.awaitLine(Pattern.compile("^(RECEIVED|FAILED|DONE)"), TRANSFER);
            assertTrue(line.text().startsWith("RECEIVED"), consumer.name() + ": " + line.text());
            final long received = Long.parseLong(line.text().substring("RECEIVED ".length()));
            if (received >= frames)
            {
                return received;
            }
        }
    }

    private static Path awaitFile(final Path path) throws InterruptedException
    {
        await(() -> Files.exists(path), path + " created");
        return path;
    }

    private static void await(final BooleanSupplier condition, final String what) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TRANSFER.toNanos();
        while (!condition.getAsBoolean())
        {
            assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what + "; events " + EVENTS);
            Thread.sleep(5);
        }
    }
}
