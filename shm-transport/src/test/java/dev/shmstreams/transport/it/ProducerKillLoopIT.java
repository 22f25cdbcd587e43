package dev.shmstreams.transport.it;

import dev.shmstreams.transport.ChannelSettings;
import dev.shmstreams.transport.Frame;
import dev.shmstreams.transport.PeerState;
import dev.shmstreams.transport.ShmConsumer;
import dev.shmstreams.transport.layout.ParticipantDescriptor;
import dev.shmstreams.transport.test.SegmentProbe;
import dev.shmstreams.transport.test.ShmTestDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

import static dev.shmstreams.transport.it.Peers.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * kill -9 of the producer, again and again, each time at a point of its protocol picked at random
 * ({@link FaultProducerProcess}: a claim written but not committed, right after a commit, half a
 * batch committed, waiting on a full ring, or anywhere at full rate), with the consumer in the test
 * JVM.
 *
 * <p>After each kill: the consumer reports {@code PRODUCER_LOST} within the liveness interval plus
 * a margin, after delivering exactly the frames the segment says were committed (its published
 * sequence, read from the file after the kill) — each once, in order, intact (CRC32C and
 * recomputed payload), none flagged redelivered, nothing claimed-but-uncommitted; the consumer's
 * close() removes the dead producer's segment, so the next producer creates it afresh at the same
 * path and the test directory is empty at the end.
 *
 * <p>{@code -Dshm.reliability.kills=N} (default 50) and {@code -Dshm.reliability.seed=S} for a
 * longer or a different run.
 */
@ExtendWith(ShmTestDirectory.class)
class ProducerKillLoopIT
{
    private static final int SLOTS = 16;
    private static final int SLOT_SIZE = 4096;
    private static final List<String> POINTS = List.of("claimed", "committed", "batch", "full", "free");

    @Test
    void aProducerKilledAtRandomPointsLosesNoCommittedFrameAndLeavesNothing(final Path dir) throws Exception
    {
        final int kills = Integer.getInteger("shm.reliability.kills", 50);
        final long seed = Long.getLong("shm.reliability.seed", 20261123L);
        final Random random = new Random(seed);
        final ChannelSettings settings = settings(dir, "producer-kill-loop", SLOTS, SLOT_SIZE);
        final long start = System.nanoTime();
        long frames = 0;
        long maxDetectionMs = 0;
        int survived = 0;
        for (int kill = 0; kill < kills; kill++)
        {
            final String point = POINTS.get(random.nextInt(POINTS.size()));
            final long after = 20 + random.nextInt(2_000);
            final long frameSeed = seed * 1_000 + kill;
            final String what = "kill " + kill + " at " + point + " after " + after;
            try (ChildJvm producer = ChildJvm.start(childName(getClass(), "kill" + kill, "producer-" + point),
                FaultProducerProcess.class, args(settings, frameSeed, "point=" + point, "after=" + after)))
            {
                producer.awaitLine("CREATED", STARTUP);
                try (SegmentProbe probe = SegmentProbe.open(settings.path());
                    ShmConsumer consumer = ShmConsumer.attach(settings))
                {
                    final Receiver receiver = new Receiver(consumer, new FrameVerifier(frameSeed, SLOT_SIZE),
                        "full".equals(point) ? after - SLOTS : Long.MAX_VALUE);
                    receiver.start();
                    final ChildJvm.Line at = producer.awaitLine(Pattern.compile("^AT "), TRANSFER);
                    if ("free".equals(point))
                    {
                        TimeUnit.MILLISECONDS.sleep(random.nextInt(150));
                    }
                    producer.kill9();
                    final long killedAt = System.nanoTime();
                    final long publishedAtKill = probe.publishedSequence();
                    receiver.unpause();
                    receiver.join(TRANSFER.toMillis());
                    assertFalse(receiver.isAlive(), what + ": the consumer did not finish: " + receiver.verifier.summary());
                    assertNull(receiver.problem, what + ": " + receiver.problem);

                    assertEquals("PRODUCER_LOST", ConsumerProcess.terminalName(receiver.terminal), what);
                    final long detectionMs = TimeUnit.NANOSECONDS.toMillis(receiver.endedAt - killedAt);
                    assertTrue(detectionMs < LIVENESS_INTERVAL.plus(DETECTION).toMillis(),
                        what + ": loss reported " + detectionMs + " ms after the kill");
                    maxDetectionMs = Math.max(maxDetectionMs, detectionMs);
                    assertEquals(PeerState.LOST, consumer.producerState(), what);
                    assertEquals(publishedAtKill, probe.publishedSequence(), what + ": a dead producer publishes nothing");
                    assertEquals(ParticipantDescriptor.STATE_ACTIVE, probe.producerState(), what + ": it never detached");
                    if (!"free".equals(point))
                    {
                        assertEquals(at.longField("published"), publishedAtKill, what + ": published at the point: " +
                            at.text());
                    }
                    // committed: published, or its descriptor stored by a commit the kill cut short
                    final long committedAtKill = probe.committedSequence(SLOTS);
                    final FrameVerifier verifier = receiver.verifier;
                    assertEquals(0, verifier.first(), what);
                    assertEquals(committedAtKill, verifier.next(), what + ": every committed frame, in order: " +
                        verifier.summary() + " (published " + publishedAtKill + ")");
                    assertEquals(committedAtKill, verifier.count(), what + ": each once: " + verifier.summary());
                    assertEquals(0, verifier.redelivered(), what);
                    assertEquals(committedAtKill, consumer.released(), what);
                    frames += verifier.count();
                }
            }
            assertSegmentRemoved(settings);
            survived++;
        }
        ReliabilityReport.record("ProducerKillLoopIT", "kills=" + kills + " survived=" + survived +
            " framesChecked=" + frames + " maxDetectionMs=" + maxDetectionMs + " seed=" + seed + " seconds=" +
            TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start));
    }

    /** The consumer's loop, on its own thread while the test thread waits for the kill point. */
    private static final class Receiver extends Thread
    {
        private final ShmConsumer consumer;
        private final FrameVerifier verifier;
        private final AtomicLong pauseAt;
        private volatile long terminal;
        private volatile long endedAt;
        private volatile String problem;

        Receiver(final ShmConsumer consumer, final FrameVerifier verifier, final long pauseAt)
        {
            super("receiver");
            this.consumer = consumer;
            this.verifier = verifier;
            this.pauseAt = new AtomicLong(pauseAt);
            verifier.expectFrom(consumer.nextSequence());
            setDaemon(true);
        }

        /** Stop pausing: a receiver paused to let the ring fill reads again. */
        void unpause()
        {
            pauseAt.set(Long.MAX_VALUE);
        }

        @Override
        public void run()
        {
            final long deadline = System.nanoTime() + TRANSFER.toNanos();
            try
            {
                while (System.nanoTime() - deadline < 0)
                {
                    if (verifier.next() >= pauseAt.get())
                    {
                        TimeUnit.MILLISECONDS.sleep(1);
                        continue;
                    }
                    final long sequence = consumer.poll();
                    if (sequence >= 0)
                    {
                        try (Frame frame = consumer.frame(sequence))
                        {
                            final String wrong = verifier.verify(frame);
                            if (wrong != null)
                            {
                                problem = wrong;
                                return;
                            }
                        }
                    }
                    else if (sequence == ShmConsumer.EMPTY)
                    {
                        consumer.awaitFrames(TimeUnit.MILLISECONDS.toNanos(50));
                    }
                    else
                    {
                        endedAt = System.nanoTime();
                        terminal = sequence;
                        return;
                    }
                }
                problem = "no terminal result within " + TRANSFER;
            }
            catch (final Throwable ex)
            {
                problem = ex.toString();
            }
        }
    }
}
