package dev.shmstreams.transport.it;

import dev.shmstreams.transport.ChannelInUseException;
import dev.shmstreams.transport.ChannelSettings;
import dev.shmstreams.transport.Frame;
import dev.shmstreams.transport.PeerState;
import dev.shmstreams.transport.ShmConsumer;
import dev.shmstreams.transport.ShmProducer;
import dev.shmstreams.transport.test.ShmTestDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static dev.shmstreams.transport.it.Peers.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * A frozen producer is not a dead one (PeerState javadoc): SIGSTOP a producer child mid-stream and
 * the consumer in the test JVM reports it {@link PeerState#STALLED} once its heartbeat is older
 * than the stall timeout, but never {@link PeerState#LOST} and never ends the stream; SIGCONT and
 * it is {@link PeerState#ALIVE} again and the stream goes on without loss. Then kill -9 ends it as
 * usual. Only the file lock tells death; the heartbeat only tells a silent peer, so a new
 * producer must not sweep a stopped one's segment either.
 */
@ExtendWith(ShmTestDirectory.class)
class ProducerStoppedIT
{
    private static final int SLOTS = 16;
    private static final int SLOT_SIZE = 4096;
    private static final Duration STALL_TIMEOUT = Duration.ofSeconds(2);
    private static final int BEFORE_STOP = 2_000;
    private static final int AFTER_CONTINUE = 5_000;

    private final FrameVerifier verifier = new FrameVerifier(0xE1, SLOT_SIZE);

    @Test
    void aStoppedProducerIsStalledNotLostAndResumesWithoutLoss(final Path dir)
    {
        final ChannelSettings settings = settings(dir, "producer-stopped", SLOTS, SLOT_SIZE)
            .withStallTimeout(STALL_TIMEOUT);
        try (ChildJvm producer = ChildJvm.start(childName(getClass(), "stopped", "producer"),
            ProducerProcess.class, args(settings, 0xE1, "frames=-1")))
        {
            producer.awaitLine("CREATED", STARTUP);
            try (ShmConsumer consumer = ShmConsumer.attach(settings))
            {
                verifier.expectFrom(consumer.nextSequence());
                receiveUntil(consumer, BEFORE_STOP);
                assertTrue(consumer.producerState().isAlive(), "producer " + consumer.producerState());

                producer.signal("STOP");
                // drain what it committed before it froze; then nothing, and no terminal result
                final long deadline = System.nanoTime() + STALL_TIMEOUT.plus(DETECTION).toNanos();
                PeerState state;
                while ((state = consumer.producerState()) != PeerState.STALLED)
                {
                    assertNotEquals(PeerState.LOST, state, "a stopped producer still holds its lock");
                    assertTrue(System.nanoTime() - deadline < 0, "producer state still " + state);
                    pollOnce(consumer);
                }
                assertTrue(consumer.producerState().isAlive(), "stalled counts as attached");
                final Object inode = inode(settings.path());
                assertThrows(ChannelInUseException.class, () -> ShmProducer.create(settings),
                    "a stopped producer still holds its lock: its segment is not stale");
                assertEquals(inode, inode(settings.path()), "and it was not swept");
                final long frozenAt = verifier.next();
                for (int i = 0; i < 5; i++)
                {
                    assertEquals(ShmConsumer.EMPTY, consumer.poll(),
                        "no frame, no terminal result from a stopped producer");
                    consumer.awaitFrames(TimeUnit.MILLISECONDS.toNanos(100));
                }
                assertEquals(frozenAt, verifier.next());

                producer.signal("CONT");
                receiveUntil(consumer, verifier.count() + AFTER_CONTINUE);
                final long aliveDeadline = System.nanoTime() + DETECTION.toNanos();
                while ((state = consumer.producerState()) != PeerState.ALIVE)
                {
                    assertTrue(System.nanoTime() - aliveDeadline < 0,
                        "producer state still " + state + " after SIGCONT");
                    pollOnce(consumer);
                }

                producer.kill9();
                final long lostDeadline = System.nanoTime() + LIVENESS_INTERVAL.plus(DETECTION).toNanos();
                long code;
                while ((code = pollOnce(consumer)) == ShmConsumer.EMPTY || code >= 0)
                {
                    assertTrue(System.nanoTime() - lostDeadline < 0, "no PRODUCER_LOST after the kill");
                }
                assertEquals("PRODUCER_LOST", ConsumerProcess.terminalName(code));
                assertEquals(0, verifier.redelivered());
                assertTrue(verifier.count() >= BEFORE_STOP + AFTER_CONTINUE, verifier.summary());
            }
        }
        assertSegmentRemoved(settings);
    }

    private void receiveUntil(final ShmConsumer consumer, final long count)
    {
        final long deadline = System.nanoTime() + TRANSFER.toNanos();
        while (verifier.count() < count)
        {
            final long code = pollOnce(consumer);
            assertTrue(code >= ShmConsumer.EMPTY, "stream ended: " + ConsumerProcess.terminalName(code));
            assertTrue(System.nanoTime() - deadline < 0, "received only " + verifier.summary());
        }
    }

    /** @return what poll() returned; a frame is verified and released, EMPTY waits a little. */
    private long pollOnce(final ShmConsumer consumer)
    {
        final long sequence = consumer.poll();
        if (sequence >= 0)
        {
            try (Frame frame = consumer.frame(sequence))
            {
                final String problem = verifier.verify(frame);
                assertNull(problem, problem);
            }
        }
        else if (sequence == ShmConsumer.EMPTY)
        {
            consumer.awaitFrames(TimeUnit.MILLISECONDS.toNanos(50));
        }
        return sequence;
    }
}
