package dev.shmstreams.transport.it;

import dev.shmstreams.transport.ChannelSettings;
import dev.shmstreams.transport.test.ShmTestDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static dev.shmstreams.transport.it.Peers.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * 100,000 frames of varied length between two child JVMs, every one checked by the consumer
 * ({@link FrameVerifier}): none lost, none duplicated, none corrupted, all in order; then both
 * close normally and the last one out unlinks the segment.
 *
 * <p>Once with the consumer waiting for a channel that does not exist yet, once with the consumer
 * arriving at a ring the producer has already filled and is blocked on.
 */
@ExtendWith(ShmTestDirectory.class)
class CrossProcessTransferIT
{
    private static final int FRAMES = 100_000;
    private static final int SLOTS = 16;
    private static final int SLOT_SIZE = 8192;

    @Test
    void consumerStartedBeforeTheProducerReceivesEveryFrameInOrderIntact(final Path dir)
    {
        final ChannelSettings settings = settings(dir, "transfer-consumer-first", SLOTS, SLOT_SIZE);
        final long seed = 0xA1;
        try (ChildJvm consumer = ChildJvm.start(childName(getClass(), "consumerFirst", "consumer"),
            ConsumerProcess.class, args(settings, seed)))
        {
            consumer.awaitLine("ATTACHING", STARTUP);
            assertFalse(Files.exists(settings.path()), "no producer yet, so no segment");
            try (ChildJvm producer = ChildJvm.start(childName(getClass(), "consumerFirst", "producer"),
                ProducerProcess.class, args(settings, seed, "frames=" + FRAMES)))
            {
                final ChildJvm.Line attached = consumer.awaitLine("ATTACHED", STARTUP);
                assertEquals(0, attached.longField("next"), attached.text());
                assertTransferred(producer, consumer);
            }
        }
        assertSegmentRemoved(settings);
    }

    @Test
    void consumerStartedAfterTheProducerFilledTheRingReceivesEveryFrameInOrderIntact(final Path dir)
    {
        final ChannelSettings settings = settings(dir, "transfer-producer-first", SLOTS, SLOT_SIZE);
        final long seed = 0xA2;
        try (ChildJvm producer = ChildJvm.start(childName(getClass(), "producerFirst", "producer"),
            ProducerProcess.class, args(settings, seed, "frames=" + FRAMES)))
        {
            final ChildJvm.Line full = producer.awaitLine("RING_FULL", STARTUP);
            assertEquals(SLOTS, full.longField("published"), "the producer fills every slot, then waits: " + full);
            assertTrue(Files.exists(settings.path()));
            try (ChildJvm consumer = ChildJvm.start(childName(getClass(), "producerFirst", "consumer"),
                ConsumerProcess.class, args(settings, seed)))
            {
                final ChildJvm.Line attached = consumer.awaitLine("ATTACHED", STARTUP);
                assertEquals(0, attached.longField("next"), attached.text());
                assertTrue(attached.field("producerState").matches("ALIVE|STALLED"), "attached: " + attached.text());
                assertTransferred(producer, consumer);
            }
        }
        assertSegmentRemoved(settings);
    }

    private static void assertTransferred(final ChildJvm producer, final ChildJvm consumer)
    {
        final ChildJvm.Line result = consumer.awaitLine("RESULT", TRANSFER);
        final Map<String, String> fields = result.fields();
        assertEquals("END_OF_STREAM", fields.get("terminal"), result.text());
        assertEquals("0", fields.get("first"), result.text());
        assertEquals(String.valueOf(FRAMES), fields.get("received"), "every frame exactly once: " + result.text());
        assertEquals(String.valueOf(FRAMES), fields.get("next"), result.text());
        assertEquals(String.valueOf(FRAMES), fields.get("released"), result.text());
        assertEquals("0", fields.get("redelivered"), "nothing to redeliver on a first attach: " + result.text());

        final ChildJvm.Line done = producer.awaitLine("DONE", TRANSFER);
        assertEquals(FRAMES, done.longField("published"), done.text());
        assertEquals("true", done.field("consumed"), "the consumer released every frame: " + done.text());

        consumer.awaitLine("CLOSED", TRANSFER);
        producer.awaitLine("CLOSED", TRANSFER);
        assertEquals(0, consumer.awaitExit(TRANSFER), "consumer exit code");
        assertEquals(0, producer.awaitExit(TRANSFER), "producer exit code");
    }
}
