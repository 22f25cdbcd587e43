package dev.shmstreams.transport;

import dev.shmstreams.transport.layout.ParticipantDescriptor;
import dev.shmstreams.transport.test.ShmTestDirectory;
import org.agrona.DirectBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The claim / commit / poll / release protocol, on heap memory and on a mapped segment: the same
 * assertions must hold for both.
 */
@ExtendWith(ShmTestDirectory.class)
class RingProtocolTest
{
    private ShmProducer producer;
    private ShmConsumer consumer;

    private void open(final boolean mapped, final Path dir, final int slots, final int slotSize)
    {
        final ChannelSettings settings = ChannelSettings.create("ring").withDirectory(dir).withSlotCount(slots)
            .withSlotSize(slotSize).withAttachTimeout(java.time.Duration.ofSeconds(1));
        if (mapped)
        {
            producer = ShmProducer.create(settings);
            consumer = ShmConsumer.attach(settings);
        }
        else
        {
            final InMemoryRing ring = InMemoryRing.create(slots, slotSize, settings);
            producer = ring.producer();
            consumer = ring.consumer();
        }
    }

    @AfterEach
    void close()
    {
        if (consumer != null)
        {
            consumer.close();
        }
        if (producer != null)
        {
            producer.close();
        }
    }

    private long send(final int value, final int length)
    {
        final long seq = producer.tryClaim();
        assertTrue(seq >= 0, "claim failed: " + seq);
        producer.frame(seq).buffer().putInt(0, value);
        producer.commit(seq, length);
        return seq;
    }

    @ParameterizedTest
    @ValueSource(booleans = { false, true })
    void framesArriveInPlaceWithTheirHeaderFields(final boolean mapped, final Path dir)
    {
        open(mapped, dir, 4, 4096);
        assertEquals(ShmConsumer.EMPTY, consumer.poll());

        final long seq = producer.tryClaim();
        assertEquals(0, seq);
        final WritableFrame frame = producer.frame(seq);
        assertEquals(4096, frame.capacity());
        frame.buffer().putStringWithoutLengthAscii(0, "hello, frame");
        frame.metadata().putInt(0, 3840);
        frame.metadata().putInt(4, 2160);
        frame.frameId(42).timestampNanos(123_456_789L).userFlags(0x0001_0000);
        producer.commit(seq, 12);

        final long got = consumer.poll();
        assertEquals(0, got);
        final Frame received = consumer.frame(got);
        assertEquals(12, received.length());
        assertEquals(12, received.buffer().capacity(), "the view is exactly the payload");
        assertEquals("hello, frame", received.buffer().getStringWithoutLengthAscii(0, 12));
        assertEquals(42, received.frameId());
        assertEquals(123_456_789L, received.timestampNanos());
        assertEquals(0x0001_0000, received.userFlags());
        assertEquals(3840, received.metadata().getInt(0));
        assertEquals(2160, received.metadata().getInt(4));
        assertFalse(received.isRedelivered());
        received.release();
        assertEquals(1, consumer.released());
        assertEquals(ShmConsumer.EMPTY, consumer.poll());
    }

    @ParameterizedTest
    @ValueSource(booleans = { false, true })
    void defaultFrameIdIsTheSequenceAndDefaultTimestampIsCommitTime(final boolean mapped, final Path dir)
    {
        open(mapped, dir, 2, 64);
        final long before = System.nanoTime();
        send(1, 4);
        final long after = System.nanoTime();
        try (Frame frame = consumer.frame(consumer.poll()))
        {
            assertEquals(0, frame.frameId());
            assertTrue(frame.timestampNanos() >= before && frame.timestampNanos() <= after);
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = { false, true })
    void ringFullIsAResultCodeAndReleaseGivesTheSlotBack(final boolean mapped, final Path dir)
    {
        open(mapped, dir, 4, 64);
        for (int i = 0; i < 4; i++)
        {
            send(i, 4);
        }
        assertEquals(ShmProducer.RING_FULL, producer.tryClaim());
        assertEquals(1, producer.counter(ParticipantDescriptor.PRODUCER_RING_FULL));

        final long first = consumer.poll();
        assertEquals(ShmProducer.RING_FULL, producer.tryClaim(), "polled but not released: still full");
        consumer.release(first);
        assertEquals(4, producer.tryClaim());
    }

    @ParameterizedTest
    @ValueSource(booleans = { false, true })
    void wrapsAroundOverManyLapsWithoutLossDuplicateOrCorruption(final boolean mapped, final Path dir)
    {
        open(mapped, dir, 4, 8192);
        final SplittableRandom random = new SplittableRandom(7);
        final int frames = 20_000;
        int sent = 0;
        int received = 0;
        final CRC32C crc = new CRC32C();
        final byte[] scratch = new byte[8192];
        while (received < frames)
        {
            while (sent < frames)
            {
                final long seq = producer.tryClaim();
                if (seq < 0)
                {
                    assertEquals(ShmProducer.RING_FULL, seq);
                    break;
                }
                final WritableFrame frame = producer.frame(seq);
                final int length = 8 + random.nextInt(8192 - 8);
                final SplittableRandom content = new SplittableRandom(seq);
                for (int i = 8; i < length; i++)
                {
                    scratch[i] = (byte)content.nextInt();
                }
                frame.buffer().putBytes(8, scratch, 8, length - 8);
                crc.reset();
                crc.update(scratch, 8, length - 8);
                frame.buffer().putLong(0, crc.getValue());
                producer.commit(seq, length);
                sent++;
            }
            final long seq = consumer.poll();
            if (seq < 0)
            {
                continue;
            }
            assertEquals(received, seq, "in order, no loss, no duplicate");
            try (Frame frame = consumer.frame(seq))
            {
                final DirectBuffer buffer = frame.buffer();
                buffer.getBytes(8, scratch, 0, frame.length() - 8);
                crc.reset();
                crc.update(scratch, 0, frame.length() - 8);
                assertEquals(buffer.getLong(0), crc.getValue(), "payload of frame " + seq);
            }
            received++;
        }
        assertEquals(frames, producer.published());
        assertEquals(frames, consumer.released());
    }

    @ParameterizedTest
    @ValueSource(booleans = { false, true })
    void outOfOrderReleaseAdvancesOverTheContiguousPrefixOnly(final boolean mapped, final Path dir)
    {
        open(mapped, dir, 4, 64);
        for (int i = 0; i < 4; i++)
        {
            send(i, 4);
        }
        final long a = consumer.poll();
        final long b = consumer.poll();
        final long c = consumer.poll();
        consumer.release(c);
        consumer.release(b);
        assertEquals(0, consumer.released(), "frame 0 still held");
        assertEquals(ShmProducer.RING_FULL, producer.tryClaim());
        consumer.release(a);
        assertEquals(3, consumer.released(), "prefix 0..2 released at once");
        assertEquals(4, producer.tryClaim(3), "frame 3 is still held: three slots free");
        assertEquals(ShmProducer.RING_FULL, producer.tryClaim());
    }

    @ParameterizedTest
    @ValueSource(booleans = { false, true })
    void aReleasedFrameRefusesAccessAndCannotBeReleasedTwice(final boolean mapped, final Path dir)
    {
        open(mapped, dir, 2, 64);
        send(7, 4);
        final long seq = consumer.poll();
        final Frame frame = consumer.frame(seq);
        final DirectBuffer kept = frame.buffer();
        final DirectBuffer keptMetadata = frame.metadata();
        assertEquals(7, kept.getInt(0));
        keptMetadata.getLong(0);
        frame.release();

        assertThrows(IllegalStateException.class, frame::buffer);
        assertThrows(IllegalStateException.class, frame::length);
        assertThrows(IllegalStateException.class, frame::release);
        assertThrows(IllegalStateException.class, () -> consumer.release(seq));
        assertThrows(IllegalStateException.class, () -> consumer.frame(seq));
        assertThrows(IndexOutOfBoundsException.class, () -> kept.getInt(0),
            "a kept payload view must not read the slot's next frame");
        assertThrows(IllegalStateException.class, frame::metadata);
        assertThrows(IndexOutOfBoundsException.class, () -> keptMetadata.getLong(0),
            "nor a kept metadata view the next frame's metadata");
        assertThrows(IllegalStateException.class, () -> consumer.release(99), "never polled");
    }

    @ParameterizedTest
    @ValueSource(booleans = { false, true })
    void aCommittedFrameRefusesFurtherWrites(final boolean mapped, final Path dir)
    {
        open(mapped, dir, 2, 64);
        final long seq = producer.tryClaim();
        final WritableFrame frame = producer.frame(seq);
        producer.commit(seq, 0);
        assertThrows(IllegalStateException.class, frame::buffer);
        assertThrows(IllegalStateException.class, () -> producer.commit(seq, 0));
        assertThrows(IllegalStateException.class, () -> producer.frame(seq));
    }

    @ParameterizedTest
    @ValueSource(booleans = { false, true })
    void aFrameLargerThanItsSlotIsATypedErrorAndLosesNothing(final boolean mapped, final Path dir)
    {
        open(mapped, dir, 2, 4096);
        final long seq = producer.tryClaim();
        final FrameTooLargeException error =
            assertThrows(FrameTooLargeException.class, () -> producer.commit(seq, 4097));
        assertTrue(error.getMessage().contains("4097") && error.getMessage().contains("4096"), error.getMessage());
        producer.frame(seq).buffer().putInt(0, 5);
        producer.commit(seq, 4096);
        assertEquals(seq, consumer.poll());
        assertEquals(5, consumer.frame(seq).buffer().getInt(0));
    }

    @ParameterizedTest
    @ValueSource(booleans = { false, true })
    void batchClaimAndCommitPublishTogether(final boolean mapped, final Path dir)
    {
        open(mapped, dir, 8, 64);
        final long first = producer.tryClaim(5);
        assertEquals(0, first);
        for (long s = first; s < first + 5; s++)
        {
            producer.frame(s).length((int)s + 4).buffer().putInt(0, (int)s * 10);
        }
        assertEquals(ShmConsumer.EMPTY, consumer.poll(), "nothing published before commitUpTo");
        producer.commitUpTo(first + 4);
        assertEquals(5, producer.published());

        final List<Integer> seen = new ArrayList<>();
        assertEquals(5, consumer.drain(f -> seen.add(f.buffer().getInt(0) + f.length()), 10));
        assertEquals(List.of(4, 15, 26, 37, 48), seen);
        assertEquals(5, consumer.released(), "a drained batch is released");
        assertEquals(5, producer.tryClaim(8), "all released: the whole ring is free");
        assertEquals(ShmProducer.RING_FULL, producer.tryClaim());
    }

    @ParameterizedTest
    @ValueSource(booleans = { false, true })
    void commitUpToRefusesAFrameWithoutLength(final boolean mapped, final Path dir)
    {
        open(mapped, dir, 4, 64);
        final long first = producer.tryClaim(2);
        producer.frame(first).length(1);
        assertThrows(IllegalStateException.class, () -> producer.commitUpTo(first + 1));
        assertEquals(0, producer.published(), "nothing committed");
        producer.frame(first + 1).length(2);
        producer.commitUpTo(first + 1);
        assertEquals(2, producer.published());
    }

    @ParameterizedTest
    @ValueSource(booleans = { false, true })
    void outOfOrderCommitsPublishInOrder(final boolean mapped, final Path dir)
    {
        open(mapped, dir, 4, 64);
        final long a = producer.tryClaim();
        final long b = producer.tryClaim();
        producer.commit(b, 2);
        assertEquals(ShmConsumer.EMPTY, consumer.poll(), "b waits for a");
        producer.commit(a, 1);
        assertEquals(a, consumer.poll());
        assertEquals(b, consumer.poll());
    }

    @ParameterizedTest
    @ValueSource(booleans = { false, true })
    void drainKeepsRetainedFramesHeld(final boolean mapped, final Path dir)
    {
        open(mapped, dir, 4, 64);
        for (int i = 0; i < 3; i++)
        {
            send(i, 4);
        }
        final List<Frame> kept = new ArrayList<>();
        consumer.drain(f ->
        {
            if (f.sequence() == 1)
            {
                f.retain();
                kept.add(f);
            }
        }, 10);
        assertEquals(1, consumer.released(), "frame 1 retained: prefix stops there");
        assertEquals(1, kept.get(0).buffer().getInt(0));
        kept.get(0).release();
        assertEquals(3, consumer.released());
    }

    @ParameterizedTest
    @ValueSource(booleans = { false, true })
    void abortOfTheLastClaimRollsBackAndAnEarlierOneIsSkipped(final boolean mapped, final Path dir)
    {
        open(mapped, dir, 4, 64);
        final long a = producer.tryClaim();
        producer.abort(a);
        assertEquals(a, producer.tryClaim(), "the same sequence again");

        final long b = producer.tryClaim();
        producer.abort(a);
        producer.frame(b).buffer().putInt(0, 77);
        producer.commit(b, 4);
        final long got = consumer.poll();
        assertEquals(b, got, "aborted frame skipped");
        assertEquals(77, consumer.frame(got).buffer().getInt(0));
        consumer.release(got);
        assertEquals(2, consumer.released(), "the skipped frame was released too");
        assertEquals(1, consumer.counter(ParticipantDescriptor.CONSUMER_SKIPPED));
    }

    @ParameterizedTest
    @ValueSource(booleans = { false, true })
    void completionIsSeenAfterEveryPublishedFrame(final boolean mapped, final Path dir)
    {
        open(mapped, dir, 4, 64);
        send(1, 4);
        send(2, 4);
        final long open = producer.tryClaim();
        producer.complete();
        assertEquals(ShmProducer.CLOSED, producer.tryClaim());
        assertThrows(IllegalStateException.class, () -> producer.frame(open), "completion aborts open claims");

        assertEquals(0, consumer.poll());
        assertEquals(1, consumer.poll());
        assertEquals(ShmConsumer.END_OF_STREAM, consumer.poll());
        assertEquals(ShmConsumer.END_OF_STREAM, consumer.poll());
    }

    @ParameterizedTest
    @ValueSource(booleans = { false, true })
    void failureCarriesItsMessageAfterEveryPublishedFrame(final boolean mapped, final Path dir)
    {
        open(mapped, dir, 4, 64);
        send(1, 4);
        producer.fail("camera unplugged");
        assertEquals(0, consumer.poll());
        assertEquals(ShmConsumer.PRODUCER_FAILED, consumer.poll());
        assertEquals("camera unplugged", consumer.producerError());
    }

    @ParameterizedTest
    @ValueSource(booleans = { false, true })
    void closingWithoutCompletingIsAFailureNotATruncatedSuccess(final boolean mapped, final Path dir)
    {
        open(mapped, dir, 4, 64);
        send(1, 4);
        producer.close();
        assertEquals(0, consumer.poll());
        assertEquals(ShmConsumer.PRODUCER_FAILED, consumer.poll());
        assertEquals("producer closed without completing", consumer.producerError());
    }

    @ParameterizedTest
    @ValueSource(booleans = { false, true })
    void cancellationReachesTheProducer(final boolean mapped, final Path dir)
    {
        open(mapped, dir, 4, 64);
        send(1, 4);
        consumer.cancel();
        assertEquals(ShmProducer.CONSUMER_CANCELLED, producer.tryClaim());
    }

    @ParameterizedTest
    @ValueSource(booleans = { false, true })
    void longErrorTextIsTruncatedOnACharacterBoundary(final boolean mapped, final Path dir)
    {
        open(mapped, dir, 2, 64);
        producer.fail("é".repeat(300));
        assertEquals(ShmConsumer.PRODUCER_FAILED, consumer.poll());
        assertEquals("é".repeat(190), consumer.producerError());
    }

    @ParameterizedTest
    @ValueSource(booleans = { false, true })
    void closedEndsReportClosed(final boolean mapped, final Path dir)
    {
        open(mapped, dir, 2, 64);
        consumer.close();
        assertEquals(ShmConsumer.CLOSED, consumer.poll());
        producer.close();
        assertEquals(ShmProducer.CLOSED, producer.tryClaim());
        consumer = null;
        producer = null;
    }
}
