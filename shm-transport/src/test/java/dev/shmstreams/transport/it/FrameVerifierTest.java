package dev.shmstreams.transport.it;

import dev.shmstreams.transport.ChannelSettings;
import dev.shmstreams.transport.Frame;
import dev.shmstreams.transport.InMemoryRing;
import dev.shmstreams.transport.ShmConsumer;
import dev.shmstreams.transport.ShmProducer;
import dev.shmstreams.transport.WritableFrame;
import org.agrona.MutableDirectBuffer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The cross-process tests are only as good as their frame check: this shows, in one process and
 * in milliseconds, that {@link FrameVerifier} accepts the frames {@link FramePattern} writes and
 * rejects each kind of damage those tests exist to catch.
 */
class FrameVerifierTest
{
    private static final int SLOT_SIZE = 4096;
    private static final long SEED = 42;

    private final CRC32C crc = new CRC32C();
    private final byte[] scratch = new byte[SLOT_SIZE];
    private ShmProducer producer;
    private ShmConsumer consumer;
    private FrameVerifier verifier;

    @BeforeEach
    void open()
    {
        final InMemoryRing ring = InMemoryRing.create(8, SLOT_SIZE, ChannelSettings.create("verifier"));
        producer = ring.producer();
        consumer = ring.consumer();
        verifier = new FrameVerifier(SEED, SLOT_SIZE);
        verifier.expectFrom(0);
    }

    /** @return the slot buffer, kept past commit so a test can damage the frame as a broken ring would. */
    private MutableDirectBuffer send()
    {
        final long sequence = producer.tryClaim();
        assertTrue(sequence >= 0);
        final WritableFrame frame = producer.frame(sequence);
        final MutableDirectBuffer slot = frame.buffer();
        producer.commit(sequence, FramePattern.write(frame, SEED, SLOT_SIZE, crc, scratch));
        return slot;
    }

    private String verifyNext()
    {
        final long sequence = consumer.poll();
        assertTrue(sequence >= 0, "poll returned " + sequence);
        try (Frame frame = consumer.frame(sequence))
        {
            return verifier.verify(frame);
        }
    }

    @Test
    void acceptsIntactFramesOfEveryLengthIncludingEmptyAndFull()
    {
        boolean sawEmpty = false;
        boolean sawFull = false;
        for (int i = 0; i < 2_000; i++)
        {
            send();
            final int length = FramePattern.length(SEED, i, SLOT_SIZE);
            sawEmpty |= length == 0;
            sawFull |= length == SLOT_SIZE;
            assertNull(verifyNext());
        }
        assertTrue(sawEmpty && sawFull, "the pattern covers both edges");
        assertEquals(2_000, verifier.count());
        assertEquals(2_000, verifier.next());
    }

    @Test
    void rejectsADamagedPayload()
    {
        MutableDirectBuffer slot = send();
        while (FramePattern.length(SEED, verifier.next(), SLOT_SIZE) < 100)
        {
            assertNull(verifyNext());
            slot = send();
        }
        slot.putByte(99, (byte)~slot.getByte(99));
        assertTrue(verifyNext().contains("CRC32C"));
    }

    @Test
    void rejectsALostFrame()
    {
        send();
        send();
        consumer.frame(consumer.poll()).release();
        assertTrue(verifyNext().startsWith("expected sequence 0"));
    }

    @Test
    void rejectsAFrameOfAnotherPattern()
    {
        final FrameVerifier other = new FrameVerifier(SEED + 1, SLOT_SIZE);
        other.expectFrom(0);
        send();
        try (Frame frame = consumer.frame(consumer.poll()))
        {
            assertTrue(other.verify(frame).contains("frame id"));
        }
    }
}
