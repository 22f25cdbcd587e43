package dev.shmstreams.jcstress;

import dev.shmstreams.transport.ChannelSettings;
import dev.shmstreams.transport.Frame;
import dev.shmstreams.transport.InMemoryRing;
import dev.shmstreams.transport.ShmConsumer;
import dev.shmstreams.transport.ShmProducer;
import dev.shmstreams.transport.WritableFrame;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The frames the tests send: every field of frame {@code s} holds a value derived from {@code s}
 * and never zero, so a reader can tell, field by field, whether it sees the frame it expects, an
 * older lap of the slot, a newer one, or zero-initialised memory.
 *
 * <p>Rings live on the heap ({@link InMemoryRing}): the exact claim / commit / poll / release code
 * of {@link ShmProducer} and {@link ShmConsumer}, without segment file, futex or liveness, so
 * nothing is ever created under /dev/shm.
 */
final class TestFrames
{
    /** Result code for a {@link dev.shmstreams.transport.CorruptSegmentException}: the consumer saw an impossible descriptor or sequence. */
    static final int CORRUPT = -100;

    /** Payload words per frame: 64 bytes, one cache line of the slot. */
    static final int PAYLOAD_WORDS = 8;
    static final int SLOT_SIZE = 4096;

    /** Bits of {@link #staleFields}: one per payload word (0..7), then these. */
    static final int STALE_METADATA = 1 << PAYLOAD_WORDS;
    static final int STALE_LENGTH = STALE_METADATA << 1;
    static final int STALE_FRAME_ID = STALE_METADATA << 2;
    static final int STALE_TIMESTAMP = STALE_METADATA << 3;
    static final int STALE_USER_FLAGS = STALE_METADATA << 4;

    private static final ChannelSettings SETTINGS = ChannelSettings.create("jcstress");
    private static final ChannelSettings DROP_OLDEST_SETTINGS = SETTINGS.withDropOldestUnread(true);

    private TestFrames()
    {
    }

    /**
     * @param slotCount a power of two.
     * @return a fresh heap ring of {@link #SLOT_SIZE}-byte slots.
     */
    static InMemoryRing ring(final int slotCount)
    {
        return InMemoryRing.create(slotCount, SLOT_SIZE, SETTINGS);
    }

    /**
     * @param slotCount a power of two.
     * @return a fresh heap ring in drop-oldest-unread mode (segment flag {@code FLAG_DROP_OLDEST}).
     */
    static InMemoryRing dropOldestRing(final int slotCount)
    {
        return InMemoryRing.create(slotCount, SLOT_SIZE, DROP_OLDEST_SETTINGS);
    }

    static long word(final long sequence, final int index)
    {
        return (sequence + 1) << 32 | (index + 1);
    }

    static int length(final long sequence)
    {
        return PAYLOAD_WORDS * Long.BYTES + (int)sequence;
    }

    static long frameId(final long sequence)
    {
        return 0x1D00_0000L + sequence;
    }

    static long timestamp(final long sequence)
    {
        return 0x7500_0000L + sequence;
    }

    static int userFlags(final long sequence)
    {
        return (int)(sequence + 1) << 16;
    }

    static long metadata(final long sequence)
    {
        return 0x3E7A_0000L + sequence;
    }

    /**
     * Write every field of frame {@code sequence} into its claimed slot, with plain stores, as an
     * application would: payload in place, user metadata in place, descriptor fields through the
     * flyweight (stored by commit).
     */
    static void write(final ShmProducer producer, final long sequence)
    {
        final WritableFrame frame = producer.frame(sequence);
        final MutableDirectBuffer payload = frame.buffer();
        for (int i = 0; i < PAYLOAD_WORDS; i++)
        {
            payload.putLong(i * Long.BYTES, word(sequence, i));
        }
        frame.metadata().putLong(0, metadata(sequence));
        frame.frameId(frameId(sequence)).timestampNanos(timestamp(sequence)).userFlags(userFlags(sequence));
    }

    /**
     * Claim, write and commit one frame; for test set-up, where the ring is known to have room.
     *
     * @return its sequence.
     */
    static long publish(final ShmProducer producer)
    {
        final long sequence = producer.tryClaim();
        if (sequence < 0)
        {
            throw new IllegalStateException("set-up could not claim: " + sequence);
        }
        write(producer, sequence);
        producer.commit(sequence, length(sequence));
        return sequence;
    }

    /**
     * Poll one frame; for test set-up, where a frame is known to be published.
     *
     * @return its sequence.
     */
    static long take(final ShmConsumer consumer)
    {
        final long sequence = consumer.poll();
        if (sequence < 0)
        {
            throw new IllegalStateException("set-up could not poll: " + sequence);
        }
        return sequence;
    }

    /**
     * Read, in place, what the consumer may read of a held frame while the producer could be
     * writing the slot's next lap: the payload and the user metadata (both live in shared memory;
     * the other descriptor fields were copied into the flyweight at poll time).
     *
     * @return a bit per payload word, plus {@link #STALE_METADATA}, that does not hold frame
     * {@code sequence}'s value; 0 when all do.
     */
    static int staleContent(final Frame frame, final long sequence)
    {
        int stale = 0;
        final DirectBuffer payload = frame.buffer();
        for (int i = 0; i < PAYLOAD_WORDS; i++)
        {
            if (payload.getLong(i * Long.BYTES) != word(sequence, i))
            {
                stale |= 1 << i;
            }
        }
        if (frame.metadata().getLong(0) != metadata(sequence))
        {
            stale |= STALE_METADATA;
        }
        return stale;
    }

    /**
     * @return {@link #staleContent} plus a bit for each descriptor field (length, frame id,
     * timestamp, user flags) that is not frame {@code sequence}'s; 0 when the whole frame is the
     * committed one.
     */
    static int staleFields(final Frame frame, final long sequence)
    {
        int stale = staleContent(frame, sequence);
        if (frame.length() != length(sequence))
        {
            stale |= STALE_LENGTH;
        }
        if (frame.frameId() != frameId(sequence))
        {
            stale |= STALE_FRAME_ID;
        }
        if (frame.timestampNanos() != timestamp(sequence))
        {
            stale |= STALE_TIMESTAMP;
        }
        if (frame.userFlags() != userFlags(sequence))
        {
            stale |= STALE_USER_FLAGS;
        }
        return stale;
    }

    /**
     * The whole header region of a heap ring, for the futex tests, which must touch the futex
     * word and waiter count exactly where {@link dev.shmstreams.transport.internal.Endpoint} does.
     * A frame's user-metadata view wraps the header's backing array at an offset; the array itself
     * is the header.
     *
     * @param metadataView {@link WritableFrame#metadata()} or {@link Frame#metadata()} of a heap ring.
     * @return a view of the header from offset 0.
     */
    static UnsafeBuffer header(final DirectBuffer metadataView)
    {
        final byte[] array = metadataView.byteArray();
        if (array == null)
        {
            throw new IllegalStateException("not a heap ring: the metadata view has no backing array");
        }
        return new UnsafeBuffer(array);
    }
}
