package dev.shmstreams.stream.it;

import akka.Done;
import akka.actor.ActorSystem;
import akka.actor.typed.javadsl.Adapter;
import akka.actor.typed.javadsl.Behaviors;
import akka.japi.Pair;
import akka.stream.javadsl.Keep;
import akka.stream.javadsl.Source;
import akka.stream.testkit.TestPublisher;
import akka.stream.testkit.javadsl.TestSource;
import akka.testkit.javadsl.TestKit;
import dev.shmstreams.control.ChannelEvent;
import dev.shmstreams.control.ChannelHandle;
import dev.shmstreams.control.ShmStreams;
import dev.shmstreams.stream.FrameWriter;
import dev.shmstreams.stream.PeerGoneAction;
import dev.shmstreams.stream.ShmSinkSettings;
import dev.shmstreams.stream.javadsl.ShmSink;
import dev.shmstreams.transport.ChannelSettings;
import dev.shmstreams.transport.Frame;
import dev.shmstreams.transport.ShmConsumer;
import dev.shmstreams.transport.it.ChildJvm;
import dev.shmstreams.transport.test.ShmTestDirectory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * What the sink does when its consumer goes away: {@code on-consumer-lost = complete} and
 * {@code wait} with a consumer process killed with kill -9 while it holds a frame, and
 * {@code on-consumer-cancel = wait} with a consumer that cancels. (The default policies, fail on
 * loss and complete on cancel, are covered by AkkaCrossProcessIT and ShmSinkTest.)
 */
@ExtendWith(ShmTestDirectory.class)
class ShmSinkPeerGoneIT
{
    private static final Duration START = Duration.ofSeconds(60);
    private static final Duration DETECTION = Duration.ofSeconds(30);
    /** Several liveness intervals (100 ms): long enough for the sink to have acted on a change. */
    private static final long SETTLE_MS = 600;
    private static final FrameWriter<Integer> INT_WRITER = (value, frame) ->
    {
        frame.buffer().putInt(0, value);
        return 4;
    };
    private static ActorSystem system;

    @BeforeAll
    static void start()
    {
        system = ActorSystem.create("ShmSinkPeerGoneIT");
    }

    @AfterAll
    static void stop()
    {
        TestKit.shutdownActorSystem(system);
    }

    private static ShmSinkSettings settings(final Path dir)
    {
        return ShmSinkSettings.create(system, "sink").withDirectory(dir).withSlots(4).withSlotSize(4096)
            .withDrainTimeout(Duration.ofSeconds(30));
    }

    private static ChildJvm holdingConsumer(final String name, final Path dir, final int poll, final int release)
    {
        return ChildJvm.start("ShmSinkPeerGoneIT." + name + ".consumer", HoldingConsumerMain.class,
            List.of("dir=" + dir, "channel=sink", "poll=" + poll, "release=" + release));
    }

    private static ShmConsumer attach(final Path dir)
    {
        return ShmConsumer.attach(ChannelSettings.create("sink").withDirectory(dir).withAttachTimeout(START));
    }

    private static long pollWithin(final ShmConsumer consumer) throws InterruptedException
    {
        final long deadline = System.nanoTime() + START.toNanos();
        while (true)
        {
            final long seq = consumer.poll();
            if (seq != ShmConsumer.EMPTY)
            {
                return seq;
            }
            assertTrue(System.nanoTime() < deadline, "no frame within " + START);
            consumer.awaitFrames(TimeUnit.MILLISECONDS.toNanos(50));
        }
    }

    /** The control plane's events of this test's sink. */
    private static List<ChannelEvent> listen()
    {
        final List<ChannelEvent> events = new CopyOnWriteArrayList<>();
        ShmStreams.get(Adapter.toTyped(system)).subscribe(Adapter.spawnAnonymous(system,
            Behaviors.receive(ChannelEvent.class).onAnyMessage(event ->
            {
                events.add(event);
                return Behaviors.same();
            }).build()));
        return events;
    }

    private static void awaitEvent(final List<ChannelEvent> events, final ChannelEvent expected)
        throws InterruptedException
    {
        final long deadline = System.nanoTime() + DETECTION.toNanos();
        while (!events.contains(expected))
        {
            assertTrue(System.nanoTime() < deadline, "no " + expected + " among " + events);
            Thread.sleep(10);
        }
    }

    @Test
    void onConsumerLostCompleteCompletesTheSinkAndCancelsUpstream(final Path dir) throws Exception
    {
        final Pair<TestPublisher.Probe<Integer>, CompletionStage<Done>> run = TestSource.<Integer>probe(system)
            .toMat(ShmSink.create(settings(dir).withOnConsumerLost(PeerGoneAction.COMPLETE), INT_WRITER), Keep.both())
            .run(system);
        final TestPublisher.Probe<Integer> upstream = run.first();
        try (ChildJvm consumer = holdingConsumer("lostComplete", dir, 3, 2))
        {
            for (int i = 0; i < 4; i++)
            {
                upstream.sendNext(i);
            }
            assertEquals("HOLDING next=3 released=2", consumer.awaitLine("HOLDING", START).text());
            assertFalse(run.second().toCompletableFuture().isDone(), "the sink runs while its consumer lives");
            consumer.kill9();
            assertEquals(Done.getInstance(), run.second().toCompletableFuture().get(DETECTION.toSeconds(),
                TimeUnit.SECONDS), "completed, not failed");
            upstream.expectCancellation();
        }
        assertEquals(List.of(), ShmTestDirectory.leftovers(dir), "the surviving producer removed the segment");
    }

    /**
     * on-consumer-lost = wait: the sink keeps the channel and its stream when the consumer dies
     * holding a frame; a consumer started afterwards attaches where the dead one had released,
     * gets the frame it held again (flagged redelivered), then every later frame once, and the
     * sink completes normally after it.
     */
    @Test
    void onConsumerLostWaitKeepsTheChannelForARestartedConsumer(final Path dir) throws Exception
    {
        final List<ChannelEvent> events = listen();
        final CompletionStage<Done> done = Source.range(0, 19)
            .runWith(ShmSink.create(settings(dir).withOnConsumerLost(PeerGoneAction.WAIT), INT_WRITER), system);
        try (ChildJvm first = holdingConsumer("lostWait", dir, 3, 2))
        {
            assertEquals("HOLDING next=3 released=2", first.awaitLine("HOLDING", START).text());
            first.kill9();
        }
        awaitEvent(events, new ChannelEvent.PeerLost("sink", ChannelHandle.Role.PRODUCER));
        Thread.sleep(SETTLE_MS);
        assertFalse(done.toCompletableFuture().isDone(), "the sink waits: neither completed nor failed");
        assertEquals(List.of("sink"), ShmTestDirectory.leftovers(dir), "the channel is kept");

        try (ShmConsumer second = attach(dir))
        {
            assertEquals(2, second.nextSequence(), "attached where the dead consumer had released");
            for (int expected = 2; expected < 20; expected++)
            {
                final long seq = pollWithin(second);
                assertEquals(expected, seq);
                try (Frame frame = second.frame(seq))
                {
                    assertEquals(expected, frame.buffer().getInt(0));
                    assertEquals(expected == 2, frame.isRedelivered(), "only the frame the dead consumer held " +
                        "is flagged redelivered: " + frame);
                }
            }
            assertEquals(ShmConsumer.END_OF_STREAM, pollWithin(second));
            assertEquals(Done.getInstance(), done.toCompletableFuture().get(DETECTION.toSeconds(), TimeUnit.SECONDS));
        }
        assertEquals(List.of(), ShmTestDirectory.leftovers(dir));
    }

    /**
     * on-consumer-cancel = wait: a consumer that cancels does not end the stream; the sink keeps
     * the channel and its upstream, and another consumer continues from what the first released.
     */
    @Test
    void onConsumerCancelWaitKeepsTheChannelForAnotherConsumer(final Path dir) throws Exception
    {
        final Pair<TestPublisher.Probe<Integer>, CompletionStage<Done>> run = TestSource.<Integer>probe(system)
            .toMat(ShmSink.create(settings(dir).withOnConsumerCancel(PeerGoneAction.WAIT), INT_WRITER), Keep.both())
            .run(system);
        final TestPublisher.Probe<Integer> upstream = run.first();
        try (ShmConsumer first = attach(dir))
        {
            for (int i = 0; i < 4; i++)
            {
                upstream.sendNext(i);
            }
            for (int expected = 0; expected < 2; expected++)
            {
                final long seq = pollWithin(first);
                assertEquals(expected, first.frame(seq).buffer().getInt(0));
                first.release(seq);
            }
            first.cancel();
        }
        Thread.sleep(SETTLE_MS);
        assertFalse(run.second().toCompletableFuture().isDone(), "the sink waits: neither completed nor failed");
        upstream.expectNoMessage(scala.concurrent.duration.FiniteDuration.create(200, TimeUnit.MILLISECONDS));
        assertEquals(List.of("sink"), ShmTestDirectory.leftovers(dir), "the channel is kept");

        try (ShmConsumer second = attach(dir))
        {
            assertEquals(2, second.nextSequence(), "continues where the first consumer released");
            for (int i = 4; i < 8; i++)
            {
                upstream.sendNext(i);
            }
            upstream.sendComplete();
            for (int expected = 2; expected < 8; expected++)
            {
                final long seq = pollWithin(second);
                try (Frame frame = second.frame(seq))
                {
                    assertEquals(expected, frame.buffer().getInt(0));
                    assertFalse(frame.isRedelivered(), "a cancelled consumer's released frames are not redelivered");
                }
            }
            assertEquals(ShmConsumer.END_OF_STREAM, pollWithin(second));
            assertEquals(Done.getInstance(), run.second().toCompletableFuture().get(DETECTION.toSeconds(),
                TimeUnit.SECONDS));
        }
        assertEquals(List.of(), ShmTestDirectory.leftovers(dir));
    }
}
