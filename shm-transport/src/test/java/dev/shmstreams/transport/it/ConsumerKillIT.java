package dev.shmstreams.transport.it;

import dev.shmstreams.transport.ChannelInUseException;
import dev.shmstreams.transport.ChannelSettings;
import dev.shmstreams.transport.PeerState;
import dev.shmstreams.transport.ShmConsumer;
import dev.shmstreams.transport.ShmProducer;
import dev.shmstreams.transport.test.SegmentProbe;
import dev.shmstreams.transport.test.ShmTestDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;

import static dev.shmstreams.transport.it.Peers.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * kill -9 of a consumer child that holds frames it polled and never released, with the producer
 * in the test JVM.
 *
 * <p>The promises under test (DESIGN §1, §5): the producer learns its consumer is lost; the held
 * slots are not lost with it but reclaimed by the next consumer, which gets exactly the unreleased
 * frames again, flagged redelivered, then the rest; no slot stays leaked (the producer can claim
 * the whole ring at once afterwards); and the survivor's close() unlinks the segment.
 */
@ExtendWith(ShmTestDirectory.class)
class ConsumerKillIT
{
    private static final int SLOTS = 16;
    private static final int SLOT_SIZE = 4096;
    private static final int RELEASED_BEFORE_KILL = 1_000;
    private static final int HELD = 5;
    private static final int FRAMES = 5_000;

    @Test
    void framesHeldByAKilledConsumerAreRedeliveredToTheNextOneAndNoSlotLeaks(final Path dir)
    {
        final ChannelSettings settings = settings(dir, "consumer-kill-redeliver", SLOTS, SLOT_SIZE);
        final long seed = 0xC1;
        try (ShmProducer producer = ShmProducer.create(settings);
            SegmentProbe probe = SegmentProbe.open(settings.path()))
        {
            assertEquals(PeerState.NOT_ATTACHED, producer.consumerState());
            holdThenKill(producer, probe, settings, seed, "redeliver");

            assertEquals(ShmProducer.RING_FULL, producer.tryClaim(),
                "the dead consumer's slots stay reserved for redelivery until a consumer re-attaches");

            try (ChildJvm second = ChildJvm.start(childName(getClass(), "redeliver", "second-consumer"),
                ConsumerProcess.class, args(settings, seed)))
            {
                final ChildJvm.Line attached = second.awaitLine("ATTACHED", STARTUP);
                assertEquals(RELEASED_BEFORE_KILL, attached.longField("next"),
                    "a re-attaching consumer starts at the released sequence: " + attached.text());
                assertTrue(producer.consumerState().isAlive(), "consumer " + producer.consumerState());

                sendUntil(producer, seed, FRAMES - SLOTS, TRANSFER);
                assertTrue(producer.awaitConsumed(TRANSFER.toNanos()), "the second consumer releases everything");

                // every slot back with the producer: the whole ring can be claimed in one go
                final long first = producer.tryClaim(SLOTS);
                assertEquals(FRAMES - SLOTS, first, "claim of all " + SLOTS + " slots after the re-attach");
                commitAll(producer, seed, first, SLOTS);
                producer.complete();
                assertTrue(producer.awaitConsumed(TRANSFER.toNanos()), "the second consumer releases everything");

                final ChildJvm.Line result = second.awaitLine("RESULT", TRANSFER);
                final Map<String, String> fields = result.fields();
                assertEquals("END_OF_STREAM", fields.get("terminal"), result.text());
                assertEquals(String.valueOf(RELEASED_BEFORE_KILL), fields.get("first"),
                    "nothing the dead consumer released comes again: " + result.text());
                assertEquals(String.valueOf(FRAMES), fields.get("next"),
                    "and then every later frame: " + result.text());
                assertEquals(String.valueOf(FRAMES - RELEASED_BEFORE_KILL), fields.get("received"), result.text());
                assertEquals(String.valueOf(HELD), fields.get("redelivered"),
                    "exactly the held frames are flagged redelivered: " + result.text());
                assertEquals(String.valueOf(RELEASED_BEFORE_KILL), fields.get("firstRedelivered"), result.text());
                assertEquals(String.valueOf(RELEASED_BEFORE_KILL + HELD - 1), fields.get("lastRedelivered"),
                    result.text());
                assertEquals(0, second.awaitExit(TRANSFER), "second consumer exit code");
            }
            assertEquals(PeerState.DETACHED, producer.consumerState());
            assertTrue(Files.exists(settings.path()), "the producer is still attached");
        }
        assertSegmentRemoved(settings);
    }

    @Test
    void theProducerUnlinksTheSegmentWhenItClosesAfterItsConsumerWasKilled(final Path dir)
    {
        final ChannelSettings settings = settings(dir, "consumer-kill-unlink", SLOTS, SLOT_SIZE);
        final long seed = 0xC2;
        try (ShmProducer producer = ShmProducer.create(settings);
            SegmentProbe probe = SegmentProbe.open(settings.path()))
        {
            holdThenKill(producer, probe, settings, seed, "unlink");
            assertTrue(Files.exists(settings.path()), "nobody closed yet");
        }
        assertSegmentRemoved(settings);
    }

    @Test
    void aConsumerReattachingAfterTheProducerLeftGetsTheHeldFramesThenTheEndAndUnlinks(final Path dir)
    {
        final ChannelSettings settings = settings(dir, "consumer-kill-after-producer-left", SLOTS, SLOT_SIZE);
        final long seed = 0xC3;
        final ShmProducer producer = ShmProducer.create(settings);
        try (SegmentProbe probe = SegmentProbe.open(settings.path());
            ChildJvm holder = startHolding(producer, probe, settings, seed, "afterProducerLeft"))
        {
            producer.complete();
            producer.close();
            assertTrue(Files.exists(settings.path()), "the holding consumer is still attached");
            holder.kill9();
            assertTrue(Files.exists(settings.path()), "a killed process unlinks nothing");
        }
        finally
        {
            producer.close();
        }

        try (ChildJvm second = ChildJvm.start(childName(getClass(), "afterProducerLeft", "second-consumer"),
            ConsumerProcess.class, args(settings, seed)))
        {
            final ChildJvm.Line result = second.awaitLine("RESULT", TRANSFER);
            final Map<String, String> fields = result.fields();
            assertEquals("END_OF_STREAM", fields.get("terminal"), "the producer completed: " + result.text());
            assertEquals("DETACHED", fields.get("producerState"), result.text());
            assertEquals(String.valueOf(RELEASED_BEFORE_KILL), fields.get("first"), result.text());
            assertEquals(String.valueOf(RELEASED_BEFORE_KILL + SLOTS), fields.get("next"),
                "every frame the producer published: " + result.text());
            assertEquals(String.valueOf(HELD), fields.get("redelivered"), result.text());
            assertEquals(String.valueOf(RELEASED_BEFORE_KILL + HELD - 1), fields.get("lastRedelivered"), result.text());
            assertEquals(0, second.awaitExit(TRANSFER), "second consumer exit code");
        }
        assertSegmentRemoved(settings);
    }

    /**
     * Start a consumer that releases {@link #RELEASED_BEFORE_KILL} frames, then holds {@link #HELD}
     * more; fill the ring behind it; kill it; wait until the producer reports it lost.
     */
    private void holdThenKill(
        final ShmProducer producer,
        final SegmentProbe probe,
        final ChannelSettings settings,
        final long seed,
        final String testName)
    {
        try (ChildJvm holder = startHolding(producer, probe, settings, seed, testName))
        {
            holder.kill9();
            final long deadline = System.nanoTime() + LIVENESS_INTERVAL.plus(DETECTION).toNanos();
            PeerState state;
            while ((state = producer.consumerState()) != PeerState.LOST)
            {
                assertTrue(System.nanoTime() - deadline < 0, "consumer state still " + state + " " +
                    LIVENESS_INTERVAL.plus(DETECTION).toMillis() + " ms after kill -9");
                sleep(Duration.ofMillis(10));
            }
            assertEquals(PeerState.LOST, producer.consumerState(), "lost stays lost");
            assertEquals(RELEASED_BEFORE_KILL, probe.releasedSequence(), "a dead consumer releases nothing");
        }
    }

    /**
     * Start a consumer that releases {@link #RELEASED_BEFORE_KILL} frames, then holds {@link #HELD}
     * more and sleeps; fill the ring behind it.
     *
     * @return the holding consumer, still running.
     */
    private ChildJvm startHolding(
        final ShmProducer producer,
        final SegmentProbe probe,
        final ChannelSettings settings,
        final long seed,
        final String testName)
    {
        final ChildJvm holder = ChildJvm.start(childName(getClass(), testName, "holding-consumer"),
            ConsumerProcess.class, args(settings, seed, "releaseFirst=" + RELEASED_BEFORE_KILL, "hold=" + HELD));
        try
        {
            // fits exactly: the holder releases [0, RELEASED_BEFORE_KILL) and keeps the next slots
            sendUntil(producer, seed, RELEASED_BEFORE_KILL + SLOTS, TRANSFER);
            final ChildJvm.Line holding = holder.awaitLine("HOLDING", TRANSFER);
            assertEquals(RELEASED_BEFORE_KILL, holding.longField("first"), holding.text());
            assertEquals(HELD, holding.longField("count"), holding.text());
            assertEquals(RELEASED_BEFORE_KILL, holding.longField("released"), holding.text());

            assertEquals(RELEASED_BEFORE_KILL, probe.releasedSequence(), "released sequence in the segment");
            assertEquals(RELEASED_BEFORE_KILL + HELD, probe.consumerCursor(), "consumer cursor in the segment");
            assertEquals(RELEASED_BEFORE_KILL + SLOTS, probe.publishedSequence(), "published sequence in the segment");
            assertEquals(ShmProducer.RING_FULL, producer.tryClaim(), "the consumer holds the ring");
            assertTrue(producer.consumerState().isAlive(), "consumer " + producer.consumerState());
            assertThrows(ChannelInUseException.class, () -> ShmConsumer.attach(settings),
                "one consumer at a time: the holder's lock refuses a second one");
            assertEquals(RELEASED_BEFORE_KILL + HELD, probe.consumerCursor(), "and the refused one changed nothing");
            return holder;
        }
        catch (final RuntimeException | AssertionError ex)
        {
            holder.close();
            throw ex;
        }
    }

    private static void commitAll(final ShmProducer producer, final long seed, final long first, final int count)
    {
        final CRC32C crc = new CRC32C();
        final byte[] scratch = new byte[SLOT_SIZE];
        for (long sequence = first; sequence < first + count; sequence++)
        {
            final int length = FramePattern.write(producer.frame(sequence), seed, SLOT_SIZE, crc, scratch);
            producer.frame(sequence).length(length);
        }
        producer.commitUpTo(first + count - 1);
    }

    private static void sleep(final Duration duration)
    {
        try
        {
            TimeUnit.NANOSECONDS.sleep(duration.toNanos());
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", ex);
        }
    }
}
