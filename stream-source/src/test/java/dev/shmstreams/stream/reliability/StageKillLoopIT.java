package dev.shmstreams.stream.reliability;

import akka.Done;
import akka.actor.ActorSystem;
import akka.actor.typed.javadsl.Adapter;
import akka.actor.typed.javadsl.Behaviors;
import akka.japi.Pair;
import akka.stream.KillSwitches;
import akka.stream.UniqueKillSwitch;
import akka.stream.javadsl.Keep;
import akka.stream.javadsl.Source;
import akka.stream.testkit.TestSubscriber;
import akka.stream.testkit.javadsl.TestSink;
import akka.testkit.javadsl.TestKit;
import dev.shmstreams.control.ChannelEvent;
import dev.shmstreams.control.ChannelHandle;
import dev.shmstreams.control.ShmStreams;
import dev.shmstreams.stream.PeerGoneAction;
import dev.shmstreams.stream.ShmFrame;
import dev.shmstreams.stream.ShmSinkSettings;
import dev.shmstreams.stream.ShmSourceControl;
import dev.shmstreams.stream.ShmSourceSettings;
import dev.shmstreams.stream.SinkToSourceHelpers;
import dev.shmstreams.stream.it.AkkaConsumerMain;
import dev.shmstreams.stream.it.AkkaProducerMain;
import dev.shmstreams.stream.javadsl.ShmSink;
import dev.shmstreams.stream.javadsl.ShmSource;
import dev.shmstreams.transport.PeerLostException;
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
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * kill -9 of Akka graph processes, again and again, at seeded random points, with the other
 * stage in the test JVM: the transport kill loops (ProducerKillLoopIT, ConsumerKillLoopIT) one
 * level up, through ShmSink and ShmSource.
 *
 * <p><b>Producer graphs killed</b> ({@link AkkaProducerMain}: range into a ShmSink of checksummed,
 * numbered frames), each a fresh process creating the channel afresh at the same path, while frames
 * flow at full rate, while the ring is full (the test's ShmSource has no demand), or while the
 * producer's upstream is throttled. The ShmSource (test JVM, a TestSink probe downstream) must fail
 * with {@code PeerLostException} within the detection bound, after delivering exactly the frames
 * the segment file says were committed, each once, in order, intact (sequence = number in the
 * payload, CRC32C), none flagged redelivered; every frame released; the segment removed by it.
 *
 * <p><b>Consumer graphs killed</b> ({@link AkkaConsumerMain}: a ShmSource verifying every frame),
 * with the ShmSink in the test JVM set to {@code on-consumer-lost = wait}: the sink neither fails
 * nor completes, the control plane publishes PeerLost; the next consumer process re-attaches and
 * checks itself that it starts at the released sequence the file shows, gets exactly the frames the
 * dead one had polled ([released, cursor)) flagged redelivered and every later frame once, unflagged;
 * before its own kill it has verified and released at least two rings' worth, so every slot was
 * reused after the re-attach (none leaked). After the last kill a final consumer drains the stream
 * to its end: everything committed was verified by some consumer; the directory is empty.
 *
 * <p>CI runs {@code -Dshm.reliability.stage.kills} (default 12) kills per direction; each needs an
 * Akka child JVM (2-3 s to start on a loaded 2-core machine, the next two are started ahead while
 * the current one runs). {@code -Dshm.reliability.seed=S} picks other points.
 */
@ExtendWith(ShmTestDirectory.class)
class StageKillLoopIT
{
    private static final Duration STARTUP = Duration.ofSeconds(90);
    private static final Duration DETECTION = Duration.ofSeconds(20);
    private static final Duration TRANSFER = Duration.ofSeconds(60);
    private static final int SLOTS = 16;
    /** Frames per second the consumer-kill loop's producer offers. */
    private static final int PACE = 5_000;
    private static final List<String> PRODUCER_POINTS = List.of("flowing", "full", "throttled");
    private static final List<ChannelEvent> EVENTS = new CopyOnWriteArrayList<>();
    private static ActorSystem system;

    @BeforeAll
    static void start()
    {
        system = ActorSystem.create("StageKillLoopIT");
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

    private static int kills()
    {
        return Integer.getInteger("shm.reliability.stage.kills", 12);
    }

    private static long seed()
    {
        return Long.getLong("shm.reliability.seed", 20261123L);
    }

    @Test
    void aProducerGraphKilledAtRandomPointsLosesNoCommittedFrame(final Path dir) throws Exception
    {
        final int kills = kills();
        final long seed = seed();
        final Random random = new Random(seed);
        final String channel = "producer-kill";
        final long start = System.nanoTime();
        long frames = 0;
        long maxDetectionMs = 0;
        int survived = 0;
        try (Standby producers = new Standby(Standby.goDirectory("producer-kill"), kills, 2, (index, go) ->
            ChildJvm.start("StageKillLoopIT.producer-" + index, AkkaProducerMain.class,
                List.of("dir=" + dir, "channel=" + channel, "slots=" + SLOTS, go))))
        {
            for (int kill = 0; kill < kills; kill++)
            {
                final String point = PRODUCER_POINTS.get(random.nextInt(PRODUCER_POINTS.size()));
                final long before = 1 + random.nextInt("full".equals(point) ? 100 : 1_500);
                final long delayMs = random.nextInt(200);
                final int rate = "throttled".equals(point) ? 200 + random.nextInt(800) : 0;
                final String what = "kill " + kill + " (" + point + ", after " + before + " frames + " + delayMs + " ms)";
                try (ChildJvm producer = producers.next(STARTUP, "rate=" + rate))
                {
                    final Pair<ShmSourceControl, TestSubscriber.Probe<ShmFrame>> run = ShmSource.create(
                            ShmSourceSettings.create(system, channel).withDirectory(dir).withAttachTimeout(STARTUP))
                        .toMat(TestSink.probe(system), Keep.both()).run(system);
                    final ShmSourceControl control = run.first();
                    final TestSubscriber.Probe<ShmFrame> probe = run.second();
                    control.attached().toCompletableFuture().get(STARTUP.toSeconds(), TimeUnit.SECONDS);
                    try (SegmentProbe header = SegmentProbe.open(dir.resolve(channel)))
                    {
                        long next = 0;
                        for (; next < before; next++)
                        {
                            verify(probe.requestNext(), next, what);
                        }
                        final CompletableFuture<Long> killed;
                        if ("full".equals(point))
                        {
                            // no demand downstream: the ring fills and the producer's sink waits for space
                            awaitRingFull(header, what);
                            TimeUnit.MILLISECONDS.sleep(delayMs);
                            producer.kill9();
                            killed = CompletableFuture.completedFuture(System.nanoTime());
                        }
                        else
                        {
                            // killed from another thread while this one keeps taking frames
                            killed = CompletableFuture.supplyAsync(() ->
                            {
                                sleep(delayMs);
                                producer.kill9();
                                return System.nanoTime();
                            });
                        }
                        Throwable error;
                        while (true)
                        {
                            probe.request(1);
                            final scala.util.Either<Throwable, ShmFrame> element = probe.expectNextOrError();
                            if (element.isLeft())
                            {
                                error = element.left().get();
                                break;
                            }
                            verify(element.right().get(), next++, what);
                        }
                        final long failedAt = System.nanoTime();
                        final long killedAt = killed.get(STARTUP.toSeconds(), TimeUnit.SECONDS);
                        assertInstanceOf(PeerLostException.class, error, what);
                        final long detectionMs = TimeUnit.NANOSECONDS.toMillis(failedAt - killedAt);
                        assertTrue(detectionMs < DETECTION.toMillis(), what + ": failed " + detectionMs + " ms after the kill");
                        maxDetectionMs = Math.max(maxDetectionMs, detectionMs);
                        // committed: published, or its descriptor stored by a commit the kill cut short
                        assertEquals(header.committedSequence(SLOTS), next,
                            what + ": exactly the committed frames, once each, in order");
                        control.stopped().toCompletableFuture().get(DETECTION.toSeconds(), TimeUnit.SECONDS);
                        assertEquals(0, control.held(), what + ": every frame released");
                        frames += next;
                    }
                }
                assertEquals(List.of(), ShmTestDirectory.leftovers(dir),
                    what + ": the surviving source removed the dead producer's segment");
                survived++;
            }
        }
        ReliabilityReport.record("StageKillLoopIT.producer", "kills=" + kills + " survived=" + survived +
            " framesChecked=" + frames + " maxDetectionMs=" + maxDetectionMs + " seed=" + seed + " seconds=" +
            TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start));
    }

    @Test
    void aConsumerGraphKilledAtRandomPointsIsRedeliveredToTheNextAndLeaksNoSlot(final Path dir) throws Exception
    {
        final int kills = kills();
        final long seed = seed();
        final Random random = new Random(seed + 1);
        final String channel = "consumer-kill";
        final ChannelEvent attached = new ChannelEvent.PeerAttached(channel, ChannelHandle.Role.PRODUCER);
        final ChannelEvent lost = new ChannelEvent.PeerLost(channel, ChannelHandle.Role.PRODUCER);
        final long start = System.nanoTime();
        final AtomicLong pulled = new AtomicLong();
        // paced, so the flow leaves the two cores to the consumer JVMs starting ahead meanwhile;
        // still fast enough that every kill lands with frames in flight
        final Pair<UniqueKillSwitch, CompletionStage<Done>> run = Source.range(0, Integer.MAX_VALUE - 1)
            .throttle(PACE, Duration.ofSeconds(1))
            .viaMat(KillSwitches.single(), Keep.right())
            .map(n ->
            {
                pulled.incrementAndGet();
                return n;
            })
            .toMat(ShmSink.create(ShmSinkSettings.create(system, channel).withDirectory(dir).withSlots(SLOTS)
                .withSlotSize(4096).withOnConsumerLost(PeerGoneAction.WAIT).withDrainTimeout(TRANSFER),
                SinkToSourceHelpers.WRITER), Keep.both())
            .run(system);
        long expectFrom = 0;
        long redeliveredBelow = 0;
        long redelivered = 0;
        long maxDetectionMs = 0;
        long published = 0;
        int survived = 0;
        try (Standby consumers = new Standby(Standby.goDirectory("consumer-kill"), kills + 1, 2, (index, go) ->
            ChildJvm.start("StageKillLoopIT.consumer-" + index, AkkaConsumerMain.class,
                List.of("dir=" + dir, "channel=" + channel, go)));
             SegmentProbe header = SegmentProbe.open(awaitFile(dir.resolve(channel))))
        {
            for (int kill = 0; kill <= kills; kill++)
            {
                final boolean last = kill == kills;
                final int rate = !last && random.nextBoolean() ? 300 + random.nextInt(700) : 0;
                // two rings past the redelivered frames at least: every slot is reused after the re-attach
                final long threshold = 2 * SLOTS + random.nextInt(rate > 0 ? 200 : 1_000);
                final long delayMs = random.nextInt(150);
                final String what = (last ? "the last consumer" : "kill " + kill) + " (rate " + rate + ", after " +
                    threshold + " frames + " + delayMs + " ms, attached at " + expectFrom + ")";
                final int attachedBefore = count(attached);
                try (ChildJvm consumer = consumers.next(STARTUP, "expectFrom=" + expectFrom,
                    "redeliveredBelow=" + redeliveredBelow, "rate=" + rate))
                {
                    awaitReceived(consumer, threshold);
                    await(() -> count(attached) > attachedBefore, what + ": PeerAttached");
                    if (last)
                    {
                        run.first().shutdown();
                        final ChildJvm.Line result = consumer.awaitLine("RESULT", TRANSFER);
                        assertEquals("DONE", consumer.awaitLine(Pattern.compile("^(DONE|FAILED)"), TRANSFER).text()
                            .split(" ")[0], what);
                        assertEquals(Done.getInstance(), run.second().toCompletableFuture().get(TRANSFER.toSeconds(),
                            TimeUnit.SECONDS), "the sink completed once the last consumer drained");
                        published = header.publishedSequence();
                        assertEquals(pulled.get(), published, "every element pulled was committed");
                        assertEquals(published, result.longField("next"), what + ": through the last committed frame");
                        assertEquals(0, consumer.awaitExit(STARTUP), what);
                        break;
                    }
                    sleep(delayMs);
                    final int lostBefore = count(lost);
                    consumer.kill9();
                    final long killedAt = System.nanoTime();
                    assertNoFailureLine(consumer);
                    await(() -> count(lost) > lostBefore, what + ": PeerLost");
                    final long detectionMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
                    maxDetectionMs = Math.max(maxDetectionMs, detectionMs);

                    final long released = header.releasedSequence();
                    final long cursor = header.consumerCursor();
                    final long committed = header.publishedSequence();
                    assertTrue(released >= expectFrom + threshold, what + ": released " + released +
                        " though the consumer verified " + threshold + " frames from " + expectFrom);
                    assertTrue(released <= cursor && cursor <= committed && committed - released <= SLOTS,
                        what + ": released " + released + ", cursor " + cursor + ", published " + committed);
                    assertFalse(run.second().toCompletableFuture().isDone(), what + ": the sink waits for a new consumer");
                    redelivered += cursor - released;
                    expectFrom = released;
                    redeliveredBelow = cursor;
                }
                assertEquals(List.of(channel), ShmTestDirectory.leftovers(dir), what + ": the channel is kept");
                survived += last ? 0 : 1;
            }
        }
        finally
        {
            run.first().abort(new IllegalStateException("test over"));
        }
        await(() -> ShmTestDirectory.leftovers(dir).isEmpty(), "the segment removed by the last one out");
        ReliabilityReport.record("StageKillLoopIT.consumer", "kills=" + kills + " survived=" + survived +
            " framesChecked=" + published + " redelivered=" + redelivered + " maxDetectionMs=" + maxDetectionMs +
            " seed=" + seed + " seconds=" + TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start));
    }

    private static void verify(final ShmFrame frame, final long expected, final String what)
    {
        assertEquals(expected, frame.sequence(), what);
        assertFalse(frame.isRedelivered(), what + ": frame " + expected + " flagged redelivered");
        assertEquals(expected, SinkToSourceHelpers.verify(frame), what + ": the number in the payload");
    }

    private static void awaitRingFull(final SegmentProbe header, final String what) throws InterruptedException
    {
        await(() -> header.publishedSequence() - header.releasedSequence() == SLOTS, what + ": the ring full");
    }

    private static Path awaitFile(final Path path) throws InterruptedException
    {
        await(() -> Files.exists(path), path + " created");
        return path;
    }

    /** Take RECEIVED lines until one reaches {@code frames}; a FAILED or DONE line fails the test. */
    private static void awaitReceived(final ChildJvm consumer, final long frames)
    {
        while (true)
        {
            final ChildJvm.Line line = consumer.awaitLine(Pattern.compile("^(RECEIVED|FAILED|DONE)"), TRANSFER);
            assertTrue(line.text().startsWith("RECEIVED"), consumer.name() + ": " + line.text());
            if (Long.parseLong(line.text().substring("RECEIVED ".length())) >= frames)
            {
                return;
            }
        }
    }

    /** A victim that found a wrong frame before it was killed printed FAILED: look at what it left. */
    private static void assertNoFailureLine(final ChildJvm consumer)
    {
        final ChildJvm.Line failed;
        try
        {
            failed = consumer.awaitLine(Pattern.compile("^FAILED"), Duration.ofSeconds(10));
        }
        catch (final AssertionError none)
        {
            if (String.valueOf(none.getMessage()).contains("before printing a line matching"))
            {
                return;
            }
            throw none;
        }
        fail(consumer.name() + " found a wrong frame before it was killed: " + failed.text());
    }

    private static int count(final ChannelEvent event)
    {
        return (int)EVENTS.stream().filter(event::equals).count();
    }

    private static void await(final java.util.function.BooleanSupplier condition, final String what)
        throws InterruptedException
    {
        final long deadline = System.nanoTime() + DETECTION.toNanos();
        while (!condition.getAsBoolean())
        {
            assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what + "; events " + EVENTS);
            Thread.sleep(5);
        }
    }

    private static void sleep(final long millis)
    {
        try
        {
            TimeUnit.MILLISECONDS.sleep(millis);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }
}
