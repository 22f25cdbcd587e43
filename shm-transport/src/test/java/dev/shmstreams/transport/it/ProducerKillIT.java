package dev.shmstreams.transport.it;

import dev.shmstreams.transport.ChannelSettings;
import dev.shmstreams.transport.Frame;
import dev.shmstreams.transport.PeerState;
import dev.shmstreams.transport.ShmConsumer;
import dev.shmstreams.transport.ShmProducer;
import dev.shmstreams.transport.layout.ParticipantDescriptor;
import dev.shmstreams.transport.test.SegmentProbe;
import dev.shmstreams.transport.test.ShmTestDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static dev.shmstreams.transport.it.Peers.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * kill -9 of a producer child while it keeps committing, with the consumer in the test JVM.
 *
 * <p>The promise under test (DESIGN §1, §5): frames committed before a producer died are still
 * delivered, then the consumer learns the producer is lost, within the liveness interval plus a
 * margin. "Committed" is read from the segment itself after the kill ({@link SegmentProbe}), not
 * taken from either side's word. The consumer is the survivor, so its close() must unlink the
 * segment the dead producer created; unless a restarted producer swept it and created a new one
 * at the same path meanwhile, which the old consumer's close() must leave alone.
 */
@ExtendWith(ShmTestDirectory.class)
class ProducerKillIT
{
    private static final int SLOTS = 16;
    private static final int SLOT_SIZE = 8192;

    private long killedAt;
    private long publishedAtKill = -1;

    /**
     * @param killAfter frames the consumer has received and released when it waits for the producer
     *                  to have committed half a ring more, and kills it.
     */
    @ParameterizedTest(name = "kill after {0} frames")
    @ValueSource(ints = { 3_000, 40_000 })
    void everyFrameCommittedBeforeAKillIsDeliveredThenTheProducerIsLost(final int killAfter, final Path dir)
    {
        final ChannelSettings settings = settings(dir, "producer-kill-" + killAfter, SLOTS, SLOT_SIZE);
        final long seed = 0xB0 + killAfter;
        final FrameVerifier verifier = new FrameVerifier(seed, SLOT_SIZE);
        try (ChildJvm producer = ChildJvm.start(childName(getClass(), "killAfter" + killAfter, "producer"),
            ProducerProcess.class, args(settings, seed, "frames=-1")))
        {
            producer.awaitLine("CREATED", STARTUP);
            try (SegmentProbe probe = SegmentProbe.open(settings.path());
                ShmConsumer consumer = ShmConsumer.attach(settings))
            {
                verifier.expectFrom(consumer.nextSequence());
                final long terminal = receive(consumer, verifier, () ->
                {
                    if (verifier.count() == killAfter)
                    {
                        kill(producer, probe, consumer);
                    }
                });
                final Duration detectedAfter = Duration.ofNanos(System.nanoTime() - killedAt);

                assertNotEquals(0, killedAt, "the stream ended before the kill: " +
                    ConsumerProcess.terminalName(terminal) + " after " + verifier.summary());
                assertEquals("PRODUCER_LOST", ConsumerProcess.terminalName(terminal));
                assertEquals(PeerState.LOST, consumer.producerState());
                assertEquals(ShmConsumer.PRODUCER_LOST, consumer.poll(), "lost stays lost");
                assertTrue(detectedAfter.compareTo(LIVENESS_INTERVAL.plus(DETECTION)) < 0,
                    "producer loss noticed " + detectedAfter.toMillis() + " ms after the kill");
                assertEveryCommittedFrameDelivered(probe, verifier, killAfter);
                assertEquals(probe.committedSequence(SLOTS), consumer.released());
                assertTrue(Files.exists(settings.path()), () -> "the survivor still has the segment; " +
                    describeDirectory(settings));
            }
        }
        assertSegmentRemoved(settings);
    }

    @Test
    void aProducerRestartedAfterAKillSweepsTheDeadSegmentWithoutDisturbingItsConsumer(final Path dir)
    {
        final ChannelSettings settings = settings(dir, "producer-restart", SLOTS, SLOT_SIZE);
        final long deadSeed = 0xB1;
        final long newSeed = 0xB2;
        final int killAfter = 2_000;
        final int newFrames = 3_000;
        final FrameVerifier verifier = new FrameVerifier(deadSeed, SLOT_SIZE);
        try (ChildJvm dead = ChildJvm.start(childName(getClass(), "restart", "killed-producer"),
            ProducerProcess.class, args(settings, deadSeed, "frames=-1")))
        {
            dead.awaitLine("CREATED", STARTUP);
            final ShmProducer restarted;
            final Object newInode;
            try (SegmentProbe probe = SegmentProbe.open(settings.path());
                ShmConsumer old = ShmConsumer.attach(settings))
            {
                verifier.expectFrom(old.nextSequence());
                final Object deadInode = inode(settings.path());
                // receive and kill, but leave the frames committed after the kill in the ring for now
                while (verifier.count() < killAfter)
                {
                    final long sequence = old.poll();
                    assertTrue(sequence >= ShmConsumer.EMPTY, ConsumerProcess.terminalName(sequence));
                    if (sequence >= 0)
                    {
                        verifyAndRelease(old, sequence, verifier);
                    }
                }
                kill(dead, probe, old);

                restarted = ShmProducer.create(settings);
                try
                {
                    newInode = inode(settings.path());
                    assertNotEquals(deadInode, newInode, "the dead producer's segment was swept, a new one created");
                    final long terminal = receive(old, verifier, () -> { });
                    assertEquals("PRODUCER_LOST", ConsumerProcess.terminalName(terminal),
                        "the old consumer drains the unlinked segment it still maps, then learns its producer died");
                    assertEveryCommittedFrameDelivered(probe, verifier, killAfter);
                }
                catch (final RuntimeException | AssertionError ex)
                {
                    restarted.close();
                    throw ex;
                }
            }

            try (restarted;
                ChildJvm consumer = ChildJvm.start(childName(getClass(), "restart", "new-consumer"),
                    ConsumerProcess.class, args(settings, newSeed)))
            {
                assertEquals(newInode, inode(settings.path()),
                    "the old consumer's close() must not unlink the restarted producer's segment");
                sendUntil(restarted, newSeed, newFrames, TRANSFER);
                restarted.complete();
                assertTrue(restarted.awaitConsumed(TRANSFER.toNanos()), "the new consumer took everything");
                final ChildJvm.Line result = consumer.awaitLine("RESULT", TRANSFER);
                final Map<String, String> fields = result.fields();
                assertEquals("END_OF_STREAM", fields.get("terminal"), result.text());
                assertEquals("0", fields.get("first"), "a fresh stream: " + result.text());
                assertEquals(String.valueOf(newFrames), fields.get("next"), result.text());
                assertEquals("0", fields.get("redelivered"), result.text());
                assertEquals(0, consumer.awaitExit(TRANSFER), "new consumer exit code");
            }
        }
        assertSegmentRemoved(settings);
    }

    /** @return what is in the test directory, or that it is gone: tells who removed a segment. */
    static String describeDirectory(final ChannelSettings settings)
    {
        final Path dir = settings.directory();
        return Files.isDirectory(dir) ? "directory " + dir + " holds " + ShmTestDirectory.leftovers(dir) :
            "directory " + dir + " itself is gone";
    }

    /**
     * Give the producer time to commit frames the consumer has not read yet (so the kill lands
     * with committed-but-unread frames in the ring, while the producer keeps committing or just
     * blocked on the full ring: those frames are what the test is about), then kill it.
     */
    private void kill(final ChildJvm producer, final SegmentProbe probe, final ShmConsumer consumer)
    {
        final long target = consumer.released() + SLOTS / 2;
        final long deadline = System.nanoTime() + STARTUP.toNanos();
        while (probe.publishedSequence() < target)
        {
            assertTrue(System.nanoTime() - deadline < 0, "the producer did not commit up to " + target);
            Thread.onSpinWait();
        }
        producer.kill9();
        killedAt = System.nanoTime();
        publishedAtKill = probe.publishedSequence();
    }

    private void assertEveryCommittedFrameDelivered(
        final SegmentProbe probe, final FrameVerifier verifier, final int killAfter)
    {
        final long published = probe.publishedSequence();
        assertEquals(publishedAtKill, published, "a dead producer publishes nothing more");
        assertEquals(ParticipantDescriptor.STATE_ACTIVE, probe.producerState(), "killed, so it never detached");
        assertTrue(published >= killAfter + SLOTS / 2, "published " + published);
        // committed: published, or its descriptor stored by a commit the kill cut short
        final long committed = probe.committedSequence(SLOTS);
        assertEquals(0, verifier.first());
        assertEquals(committed, verifier.next(), "every committed frame delivered, in order: " + verifier.summary() +
            " (published " + published + ")");
        assertEquals(committed, verifier.count(), verifier.summary());
        assertEquals(0, verifier.redelivered(), verifier.summary());
    }

    /**
     * Poll, verify and release until a terminal result.
     *
     * @param afterFrame runs after each verified frame.
     * @return the terminal result code.
     */
    private long receive(final ShmConsumer consumer, final FrameVerifier verifier, final Runnable afterFrame)
    {
        final long deadline = System.nanoTime() + TRANSFER.toNanos();
        while (true)
        {
            final long sequence = consumer.poll();
            if (sequence >= 0)
            {
                verifyAndRelease(consumer, sequence, verifier);
                afterFrame.run();
            }
            else if (sequence == ShmConsumer.EMPTY)
            {
                assertTrue(System.nanoTime() - deadline < 0, "no terminal result within " + TRANSFER +
                    ": received " + verifier.summary() + ", producer " + consumer.producerState());
                consumer.awaitFrames(TimeUnit.MILLISECONDS.toNanos(100));
            }
            else
            {
                return sequence;
            }
        }
    }

    private void verifyAndRelease(final ShmConsumer consumer, final long sequence, final FrameVerifier verifier)
    {
        try (Frame frame = consumer.frame(sequence))
        {
            final String problem = verifier.verify(frame);
            if (problem != null)
            {
                fail(problem + (killedAt == 0 ? " (before the kill)" : " (after the kill)"));
            }
        }
    }
}
