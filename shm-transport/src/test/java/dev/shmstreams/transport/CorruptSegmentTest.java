package dev.shmstreams.transport;

import dev.shmstreams.transport.layout.HeaderDescriptor;
import dev.shmstreams.transport.layout.ParticipantDescriptor;
import dev.shmstreams.transport.layout.SlotDescriptor;
import dev.shmstreams.transport.test.ShmTestDirectory;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.function.Consumer;

import static dev.shmstreams.transport.layout.HeaderDescriptor.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * A hostile or broken peer writes garbage into a live segment through its own mapping; this side
 * must fail with a typed error naming what it expected and found, never read outside its mapping.
 */
@ExtendWith(ShmTestDirectory.class)
class CorruptSegmentTest
{
    private static final int SLOTS = 4;
    private ShmProducer producer;
    private ShmConsumer consumer;
    private FileChannel hostileChannel;
    private UnsafeBuffer hostile;

    private ChannelSettings settings(final Path dir)
    {
        return ChannelSettings.create("corrupt").withDirectory(dir).withSlotCount(SLOTS).withSlotSize(4096)
            .withAttachTimeout(Duration.ofMillis(300));
    }

    /** Producer up, and an independent read-write mapping of its file: the hostile peer's view. */
    private void createWithHostileView(final Path dir) throws IOException
    {
        producer = ShmProducer.create(settings(dir));
        hostileChannel = FileChannel.open(dir.resolve("corrupt"), StandardOpenOption.READ, StandardOpenOption.WRITE);
        final MappedByteBuffer mapped = hostileChannel.map(FileChannel.MapMode.READ_WRITE, 0, hostileChannel.size());
        hostile = new UnsafeBuffer(mapped);
    }

    @AfterEach
    void close() throws IOException
    {
        if (consumer != null)
        {
            consumer.close();
        }
        if (producer != null)
        {
            producer.close();
        }
        if (hostileChannel != null)
        {
            hostileChannel.close();
        }
    }

    private void send(final int count)
    {
        for (int i = 0; i < count; i++)
        {
            final long seq = producer.tryClaim();
            producer.commit(seq, 16);
        }
    }

    private <T extends Throwable> T attachFails(final Path dir, final Class<T> type, final String... fragments)
    {
        final T error = assertThrows(type, () -> consumer = ShmConsumer.attach(settings(dir)));
        for (final String fragment : fragments)
        {
            assertTrue(error.getMessage().contains(fragment), "'" + fragment + "' in: " + error.getMessage());
        }
        return error;
    }

    private CorruptSegmentException pollFails(final String... fragments)
    {
        final CorruptSegmentException error = assertThrows(CorruptSegmentException.class, consumer::poll);
        for (final String fragment : fragments)
        {
            assertTrue(error.getMessage().contains(fragment), "'" + fragment + "' in: " + error.getMessage());
        }
        return error;
    }

    @Test
    void wrongMagicIsAForeignSegment(final Path dir) throws IOException
    {
        createWithHostileView(dir);
        hostile.putLong(MAGIC_OFFSET, 0x1122334455667788L);
        attachFails(dir, ForeignSegmentException.class, "expected magic 0x314d5254534d4853", "found 0x1122334455667788");
    }

    @Test
    void byteSwappedMagicIsNamedAsSuch(final Path dir) throws IOException
    {
        createWithHostileView(dir);
        hostile.putLong(MAGIC_OFFSET, Long.reverseBytes(MAGIC));
        attachFails(dir, ForeignSegmentException.class, "big-endian");
    }

    @Test
    void anotherLayoutVersionIsTypedWithBothNumbers(final Path dir) throws IOException
    {
        createWithHostileView(dir);
        hostile.putInt(VERSION_OFFSET, 2);
        final LayoutVersionException error = attachFails(dir, LayoutVersionException.class, "version 2", "version 1");
        assertEquals(1, error.expected());
        assertEquals(2, error.found());
    }

    @Test
    void impossibleGeometryIsCorrupt(final Path dir) throws IOException
    {
        createWithHostileView(dir);
        check(dir, h -> h.putInt(SLOT_COUNT_OFFSET, 3), "power of two", "found 3");
        check(dir, h -> h.putInt(SLOT_COUNT_OFFSET, -8), "found -8");
        check(dir, h -> h.putInt(SLOT_SIZE_OFFSET, 4097), "multiple of 4096", "found 4097");
        check(dir, h -> h.putInt(SLOT_SIZE_OFFSET, Integer.MAX_VALUE), "found 2147483647");
        check(dir, h -> h.putInt(SLOT_ALIGNMENT_OFFSET, 512), "alignment", "found 512");
        // a page-sized slot claiming the small-slot alignment: packed slots are smaller than a page
        check(dir, h -> h.putInt(SLOT_ALIGNMENT_OFFSET, 128), "multiple of 128 in [128, 3968]", "found 4096");
        check(dir, h -> h.putLong(DATA_OFFSET_OFFSET, 0), "data offset should be", "found 0");
        check(dir, h -> h.putLong(SEGMENT_LENGTH_OFFSET, Long.MAX_VALUE), "segment length should be");
        check(dir, h -> h.putInt(HEADER_LENGTH_OFFSET, 1), "header length should be");
        check(dir, h -> h.putInt(MAX_CONSUMERS_OFFSET, 9), "max consumers should be 8, found 9");
        check(dir, h -> h.putInt(SLOT_DESCRIPTOR_LENGTH_OFFSET, 64), "slot descriptor length should be 128, found 64");
    }

    private void check(final Path dir, final Consumer<UnsafeBuffer> damage, final String... fragments)
    {
        final byte[] saved = new byte[CONTROL_BLOCK_LENGTH];
        hostile.getBytes(0, saved);
        damage.accept(hostile);
        attachFails(dir, CorruptSegmentException.class, fragments);
        hostile.putBytes(0, saved);
    }

    @Test
    void aTruncatedOrShortFileIsDetectedBeforeAnyAccess(final Path dir) throws IOException
    {
        createWithHostileView(dir);
        final long length = hostileChannel.size();
        hostileChannel.truncate(length - 4096);
        attachFails(dir, CorruptSegmentException.class, "truncated", String.valueOf(length - 4096), String.valueOf(length));
        hostileChannel.truncate(100);
        attachFails(dir, CorruptSegmentException.class, "100 bytes", "shorter than the 4096-byte header page");
    }

    @Test
    void anUnexpectedGeometryIsAMismatchNotCorruption(final Path dir) throws IOException
    {
        createWithHostileView(dir);
        final LayoutMismatchException size = assertThrows(LayoutMismatchException.class,
            () -> ShmConsumer.attach(settings(dir).withExpectedGeometry(0, 12_441_600)));
        assertTrue(size.getMessage().contains("slots of 4096 bytes") && size.getMessage().contains("12441600"),
            size.getMessage());
        final LayoutMismatchException count = assertThrows(LayoutMismatchException.class,
            () -> ShmConsumer.attach(settings(dir).withExpectedGeometry(8, 0)));
        assertTrue(count.getMessage().contains("4 slots") && count.getMessage().contains("expects 8"), count.getMessage());
        consumer = ShmConsumer.attach(settings(dir).withExpectedGeometry(4, 100));
    }

    @Test
    void impossibleSequencesAtAttachAreCorrupt(final Path dir) throws IOException
    {
        createWithHostileView(dir);
        hostile.putLong(releasedSequenceOffset(0), 10);
        attachFails(dir, CorruptSegmentException.class, "released 10", "published 0");
        hostile.putLong(releasedSequenceOffset(0), 0);
        hostile.putLong(PUBLISHED_SEQUENCE_OFFSET, SLOTS + 1);
        attachFails(dir, CorruptSegmentException.class, "published 5");
        hostile.putLong(PUBLISHED_SEQUENCE_OFFSET, 0);
        hostile.putLong(consumerBlockOffset(0) + ParticipantDescriptor.CURSOR_OFFSET, 3);
        attachFails(dir, CorruptSegmentException.class, "cursor 3");
    }

    @Test
    void aPublishedSequenceBeyondTheRingOrGoingBackIsCorrupt(final Path dir) throws IOException
    {
        createWithHostileView(dir);
        consumer = ShmConsumer.attach(settings(dir));
        hostile.putLongVolatile(PUBLISHED_SEQUENCE_OFFSET, 1_000_000);
        pollFails("published sequence 1000000 is impossible", "4 slots");

        consumer.close();
        hostile.putLongVolatile(PUBLISHED_SEQUENCE_OFFSET, 0);
        consumer = ShmConsumer.attach(settings(dir));
        send(2);
        assertEquals(0, consumer.poll());
        assertEquals(1, consumer.poll());
        // frames are taken by their descriptors: the empty poll is what reads published (2)
        assertEquals(ShmConsumer.EMPTY, consumer.poll());
        hostile.putLongVolatile(PUBLISHED_SEQUENCE_OFFSET, 1);
        pollFails("published sequence 1 is impossible (previously 2");
    }

    @Test
    void aDescriptorThatDoesNotMatchItsSequenceIsCorrupt(final Path dir) throws IOException
    {
        createWithHostileView(dir);
        consumer = ShmConsumer.attach(settings(dir));
        final int descriptor = SlotDescriptor.descriptorOffset(0);

        send(1);
        hostile.putLong(descriptor + SlotDescriptor.SEQUENCE_OFFSET, 77);
        pollFails("descriptor of slot 0", "sequence 77");
        hostile.putLong(descriptor + SlotDescriptor.SEQUENCE_OFFSET, 0);

        hostile.putInt(descriptor + SlotDescriptor.LENGTH_OFFSET, 4097);
        pollFails("length 4097 (slot holds 4096)");
        hostile.putInt(descriptor + SlotDescriptor.LENGTH_OFFSET, -1);
        pollFails("length -1");
        hostile.putInt(descriptor + SlotDescriptor.LENGTH_OFFSET, 16);

        hostile.putInt(descriptor + SlotDescriptor.FLAGS_OFFSET, 0x0000_0100);
        pollFails("flags 0x100");
        hostile.putInt(descriptor + SlotDescriptor.FLAGS_OFFSET, 0);

        assertEquals(0, consumer.poll(), "repaired: the frame is delivered, nothing lost");
        assertEquals(16, consumer.frame(0).length());
    }

    /**
     * Drop-oldest mode: the consumer's released sequence may jump (to the read cursor) over frames it
     * holds, so the published-sequence bound alone does not stop a producer fooled by a forged
     * released sequence from reusing a held slot. Found by HostilePeerFuzzTest.
     */
    @Test
    void aSlotReusedUnderAHeldFrameIsCorruptAndTheHeldFrameStaysIntact(final Path dir) throws IOException
    {
        producer = ShmProducer.create(settings(dir).withDropOldestUnread(true));
        hostileChannel = FileChannel.open(dir.resolve("corrupt"), StandardOpenOption.READ, StandardOpenOption.WRITE);
        hostile = new UnsafeBuffer(hostileChannel.map(FileChannel.MapMode.READ_WRITE, 0, hostileChannel.size()));
        consumer = ShmConsumer.attach(settings(dir));
        send(SLOTS);
        for (long s = 0; s < SLOTS; s++)
        {
            assertEquals(s, consumer.poll());
            if (s != 1)
            {
                consumer.release(s);
            }
        }
        assertEquals(1, consumer.released(), "frame 1 is held");
        // another process moves the released sequence past the held frame: the producer reuses its slot
        hostile.putLongVolatile(releasedSequenceOffset(0), SLOTS);
        send(2);
        assertEquals(SLOTS, consumer.poll(), "slot 0 was released: its next frame is fine");
        pollFails("frame 5 was published into slot 1 while this consumer still holds frame 1");
        final Frame held = consumer.frame(1);
        assertEquals(1, held.sequence(), "the held frame was not re-armed with the new one");
    }

    @Test
    void anUnknownProducerStateIsCorrupt(final Path dir) throws IOException
    {
        createWithHostileView(dir);
        consumer = ShmConsumer.attach(settings(dir));
        hostile.putIntVolatile(PRODUCER_BLOCK_OFFSET + ParticipantDescriptor.STATE_OFFSET, 77);
        pollFails("producer state 77");
        hostile.putIntVolatile(PRODUCER_BLOCK_OFFSET + ParticipantDescriptor.STATE_OFFSET,
            ParticipantDescriptor.STATE_ACTIVE);
    }

    @Test
    void aGarbageErrorLengthIsReportedNotFollowed(final Path dir) throws IOException
    {
        createWithHostileView(dir);
        consumer = ShmConsumer.attach(settings(dir));
        producer.fail("short");
        hostile.putIntVolatile(PRODUCER_BLOCK_OFFSET + ParticipantDescriptor.ERROR_LENGTH_OFFSET, 1 << 30);
        assertEquals(ShmConsumer.PRODUCER_FAILED, consumer.poll());
        assertEquals("(corrupt error text: length 1073741824)", consumer.producerError());
    }

    @Test
    void aReleasedSequenceBeyondPublishedOrGoingBackIsCorruptForTheProducer(final Path dir) throws IOException
    {
        createWithHostileView(dir);
        send(SLOTS);
        hostile.putLongVolatile(releasedSequenceOffset(0), 1_000);
        CorruptSegmentException error = assertThrows(CorruptSegmentException.class, producer::tryClaim);
        assertTrue(error.getMessage().contains("released sequence 1000 is impossible"), error.getMessage());

        hostile.putLongVolatile(releasedSequenceOffset(0), 2);
        assertEquals(SLOTS, producer.tryClaim());
        hostile.putLongVolatile(releasedSequenceOffset(0), 1);
        producer.commit(SLOTS, 1);
        error = assertThrows(CorruptSegmentException.class, () -> producer.tryClaim(3));
        assertTrue(error.getMessage().contains("released sequence 1 is impossible (previously 2"), error.getMessage());
    }

    @Test
    void aWaiterCountLeftByADeadConsumerIsResetOnAttach(final Path dir) throws IOException
    {
        createWithHostileView(dir);
        hostile.putIntVolatile(CONSUMER_WAITERS_OFFSET, 1);
        consumer = ShmConsumer.attach(settings(dir));
        assertEquals(0, hostile.getIntVolatile(CONSUMER_WAITERS_OFFSET));
        send(2);
        assertEquals(0, producer.counter(ParticipantDescriptor.PRODUCER_WAKES), "no wake syscall for a ghost waiter");
    }

    /**
     * Seeded random garbage in the shared header while both sides run: only normal results or
     * ShmExceptions may come out; never an IndexOutOfBoundsException or worse.
     */
    @Test
    void randomGarbageInTheHeaderOnlyEverYieldsTypedErrors(final Path dir) throws IOException
    {
        createWithHostileView(dir);
        consumer = ShmConsumer.attach(settings(dir));
        final SplittableRandom random = new SplittableRandom(20261123);
        final int headerLength = producer.layout().headerLength();
        int typed = 0;
        for (int round = 0; round < 2_000; round++)
        {
            final int offset = random.nextInt(headerLength / 4) * 4;
            final int value = random.nextBoolean() ? random.nextInt() : random.nextInt(-2, 10);
            hostile.putIntVolatile(offset, value);
            try
            {
                final long seq = producer.tryClaim();
                if (seq >= 0)
                {
                    producer.frame(seq).buffer().putLong(0, seq);
                    producer.commit(seq, 8);
                }
                final long got = consumer.poll();
                if (got >= 0)
                {
                    consumer.frame(got).buffer().getLong(0);
                    consumer.release(got);
                }
                producer.consumerState();
                consumer.producerState();
                consumer.producerError();
            }
            catch (final ShmException expected)
            {
                typed++;
            }
        }
        assertTrue(typed > 0, "garbage must have been noticed at least once");
    }
}
