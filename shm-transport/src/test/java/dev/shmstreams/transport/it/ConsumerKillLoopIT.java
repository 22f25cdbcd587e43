package dev.shmstreams.transport.it;

import dev.shmstreams.transport.ChannelSettings;
import dev.shmstreams.transport.PeerState;
import dev.shmstreams.transport.ShmProducer;
import dev.shmstreams.transport.test.SegmentProbe;
import dev.shmstreams.transport.test.ShmTestDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.zip.CRC32C;

import static dev.shmstreams.transport.it.Peers.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * kill -9 of the consumer, again and again, each time at a point picked at random
 * ({@link FaultConsumerProcess}: holding polled frames, after releasing some out of order, inside
 * a drain batch, asleep in the futex wait, or anywhere at full rate), with the producer sending
 * continuously from the test JVM. Each consumer is the re-attacher of the previous kill and the
 * victim of the next.
 *
 * <p>After each kill: the producer reports the consumer {@link PeerState#LOST} within the liveness
 * interval plus a margin; the segment's accounting (released sequence, cursor, released-out-of-order
 * marks, read from the file) matches what the victim said at its kill point; the next consumer
 * starts exactly at the released sequence, gets every frame the victim polled but did not release
 * flagged redelivered, never gets one it released out of order, then every later frame once, in
 * order and intact; and every slot is used again after the re-attach (its released sequence passes
 * the victim's cursor by a whole ring) — no slot leaked. At the end the producer claims the whole
 * ring in one go, completes, the last consumer sees the end of the stream at exactly the published
 * sequence, and the segment is removed.
 *
 * <p>{@code -Dshm.reliability.kills=N} (default 50), {@code -Dshm.reliability.seed=S}.
 */
@ExtendWith(ShmTestDirectory.class)
class ConsumerKillLoopIT
{
    private static final int SLOTS = 16;
    private static final int SLOT_SIZE = 4096;
    private static final List<String> POINTS = List.of("holding", "outOfOrder", "drain", "waiting", "free");

    @Test
    void aConsumerKilledAtRandomPointsLosesNothingCommittedAndLeaksNoSlot(final Path dir) throws Exception
    {
        final int kills = Integer.getInteger("shm.reliability.kills", 50);
        final long seed = Long.getLong("shm.reliability.seed", 20261123L);
        final Random random = new Random(seed + 1);
        final long frameSeed = seed + 0xC0;
        final ChannelSettings settings = settings(dir, "consumer-kill-loop", SLOTS, SLOT_SIZE);
        final long start = System.nanoTime();
        long frames = 0;
        long redelivered = 0;
        long skipped = 0;
        long maxDetectionMs = 0;
        int survived = 0;
        long expectStart = 0;
        long redeliverUntil = 0;
        List<Long> skip = List.of();

        try (ShmProducer producer = ShmProducer.create(settings);
            SegmentProbe probe = SegmentProbe.open(settings.path()))
        {
            final Sender sender = new Sender(producer, frameSeed);
            sender.start();
            try
            {
                for (int kill = 0; kill < kills; kill++)
                {
                    final String point = POINTS.get(random.nextInt(POINTS.size()));
                    final long after = 2L * SLOTS + random.nextInt(300);
                    final String what = "kill " + kill + " at " + point + " after " + after;
                    try (ChildJvm consumer = ChildJvm.start(childName(getClass(), "kill" + kill, "consumer-" + point),
                        FaultConsumerProcess.class, args(settings, frameSeed, "point=" + point, "after=" + after,
                            "expectStart=" + expectStart, "redeliverUntil=" + redeliverUntil,
                            "skip=" + join(skip), "pointSeed=" + random.nextLong())))
                    {
                        assertEquals(expectStart, consumer.awaitLine("ATTACHED", STARTUP).longField("next"), what);
                        final ChildJvm.Line at = consumer.awaitLine("AT", TRANSFER);
                        assertTrue(at.longField("released") >= redeliverUntil + SLOTS, what +
                            ": every slot used again since the re-attach: " + at.text());
                        redelivered += at.longField("redelivered");
                        if ("waiting".equals(point))
                        {
                            sender.paused = true;
                            awaitCondition(() -> probe.consumerWaiters() > 0 &&
                                probe.releasedSequence() == probe.publishedSequence(), what + ": consumer asleep");
                        }
                        else if ("free".equals(point))
                        {
                            TimeUnit.MILLISECONDS.sleep(random.nextInt(100));
                        }
                        consumer.kill9();
                        final long killedAt = System.nanoTime();
                        awaitCondition(() -> producer.consumerState() == PeerState.LOST, what + ": producer sees LOST");
                        maxDetectionMs = Math.max(maxDetectionMs,
                            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt));
                        assertNull(sender.problem, sender.problem);

                        final long released = probe.releasedSequence();
                        final long cursor = probe.consumerCursor();
                        final List<Long> marked = new ArrayList<>();
                        for (long s = released; s < cursor; s++)
                        {
                            if (probe.releasedMark((int)(s & (SLOTS - 1))) == s)
                            {
                                marked.add(s);
                            }
                        }
                        assertTrue(cursor - released <= SLOTS && released <= probe.publishedSequence(), what +
                            ": released " + released + ", cursor " + cursor);
                        if (!"free".equals(point) && !"waiting".equals(point))
                        {
                            assertEquals(at.longField("released"), released, what + ": " + at.text());
                            assertEquals(at.longField("next"), cursor, what + ": " + at.text());
                        }
                        final long unreleased = "outOfOrder".equals(point) ? 1 : cursor - released - marked.size();
                        assertEquals("outOfOrder".equals(point) ? cursor - released - 1 : 0, marked.size(), what +
                            ": out-of-order releases marked " + marked);
                        assertTrue(unreleased >= 0, what);
                        frames += at.longField("received");
                        skipped += marked.size();
                        expectStart = released;
                        redeliverUntil = cursor;
                        skip = marked;
                        sender.paused = false;
                    }
                    survived++;
                }

                // the last consumer: checks the last kill's redelivery, then runs to the end of the stream
                try (ChildJvm last = ChildJvm.start(childName(getClass(), "end", "consumer"),
                    FaultConsumerProcess.class, args(settings, frameSeed, "point=end", "expectStart=" + expectStart,
                        "redeliverUntil=" + redeliverUntil, "skip=" + join(skip))))
                {
                    assertEquals(expectStart, last.awaitLine("ATTACHED", STARTUP).longField("next"));
                    final long target = probe.publishedSequence() + 4L * SLOTS;
                    awaitCondition(() -> probe.releasedSequence() >= target, "the last consumer reads");
                    sender.stopped = true;
                    sender.join(TRANSFER.toMillis());
                    assertNull(sender.problem, sender.problem);
                    assertTrue(producer.awaitConsumed(TRANSFER.toNanos()), "the last consumer released everything");
                    final long first = producer.tryClaim(SLOTS);
                    assertEquals(producer.published(), first, "the whole ring can be claimed at once: no slot leaked");
                    final CRC32C crc = new CRC32C();
                    final byte[] scratch = new byte[SLOT_SIZE];
                    for (long s = first; s < first + SLOTS; s++)
                    {
                        producer.frame(s).length(FramePattern.write(producer.frame(s), frameSeed, SLOT_SIZE, crc, scratch));
                    }
                    producer.commitUpTo(first + SLOTS - 1);
                    producer.complete();
                    final Map<String, String> result = last.awaitLine("RESULT", TRANSFER).fields();
                    assertEquals("END_OF_STREAM", result.get("terminal"), result.toString());
                    assertEquals(String.valueOf(producer.published()), result.get("next"),
                        "every committed frame reached a consumer: " + result);
                    assertEquals(0, last.awaitExit(TRANSFER));
                    frames += Long.parseLong(result.get("received"));
                    redelivered += Long.parseLong(result.get("redelivered"));
                }
            }
            finally
            {
                sender.stopped = true;
                sender.join(TRANSFER.toMillis());
            }
            ReliabilityReport.record("ConsumerKillLoopIT", "kills=" + kills + " survived=" + survived +
                " framesCheckedBeforeKillPoints=" + frames + " framesVerifiedAndReleased=" + producer.published() +
                " redeliveredFlagged=" +
                redelivered + " outOfOrderNotRedelivered=" + skipped + " maxDetectionMs=" + maxDetectionMs +
                " seed=" + seed + " seconds=" + TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start));
        }
        assertSegmentRemoved(settings);
    }

    private static String join(final List<Long> values)
    {
        return values.stream().map(String::valueOf).collect(Collectors.joining(","));
    }

    private static void awaitCondition(final java.util.function.BooleanSupplier condition, final String what)
        throws InterruptedException
    {
        final long deadline = System.nanoTime() + LIVENESS_INTERVAL.plus(DETECTION).toNanos();
        while (!condition.getAsBoolean())
        {
            assertTrue(System.nanoTime() - deadline < 0, "timed out: " + what);
            TimeUnit.MILLISECONDS.sleep(2);
        }
    }

    /** The producer's loop, on its own thread: sends until stopped, holds off while paused. */
    static final class Sender extends Thread
    {
        private final ShmProducer producer;
        private final long seed;
        volatile boolean paused;
        volatile boolean stopped;
        volatile String problem;

        Sender(final ShmProducer producer, final long seed)
        {
            super("sender");
            this.producer = producer;
            this.seed = seed;
            // SLOT_SIZE below: the test's channels all use it
            setDaemon(true);
        }

        @Override
        public void run()
        {
            final CRC32C crc = new CRC32C();
            final byte[] scratch = new byte[SLOT_SIZE];
            try
            {
                while (!stopped)
                {
                    if (paused)
                    {
                        TimeUnit.MILLISECONDS.sleep(1);
                        continue;
                    }
                    final long sequence = producer.tryClaim();
                    if (sequence >= 0)
                    {
                        producer.commit(sequence, FramePattern.write(producer.frame(sequence), seed, SLOT_SIZE, crc, scratch));
                    }
                    else if (sequence == ShmProducer.RING_FULL)
                    {
                        producer.awaitSpace(TimeUnit.MILLISECONDS.toNanos(50));
                    }
                    else
                    {
                        problem = "tryClaim returned " + sequence;
                        return;
                    }
                }
            }
            catch (final Throwable ex)
            {
                problem = ex.toString();
            }
        }
    }
}
