package dev.shmstreams.examples;

import dev.shmstreams.transport.layout.HeaderDescriptor;
import dev.shmstreams.transport.layout.ParticipantDescriptor;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A read-only look at a live channel's header page, as {@code shm-stat} takes it: the published and
 * released sequences and the participants' counters, read with volatile loads at the offsets of
 * docs/layout.md ({@link HeaderDescriptor}, {@link ParticipantDescriptor}). It takes no lock and
 * writes nothing, so a demo's supervising process can chart a ring it is not part of.
 *
 * <p>Why not the stage's API: {@code ShmSourceControl} tells frames, bytes, held and dropped, but
 * not the ring's occupancy, which only the segment knows.
 */
public final class RingProbe
{
    private static final int PAGE = 4096;
    private static final int PRODUCER = HeaderDescriptor.PRODUCER_BLOCK_OFFSET;
    private static final int CONSUMER = HeaderDescriptor.consumerBlockOffset(0);

    private final UnsafeBuffer header;
    private final int slots;

    private RingProbe(final UnsafeBuffer header)
    {
        this.header = header;
        this.slots = header.getInt(HeaderDescriptor.SLOT_COUNT_OFFSET);
    }

    /**
     * @param segment the channel's file.
     * @return a probe, or null while the file does not exist or is not initialised yet.
     */
    public static RingProbe open(final Path segment)
    {
        if (!Files.isRegularFile(segment))
        {
            return null;
        }
        try (FileChannel channel = FileChannel.open(segment, StandardOpenOption.READ))
        {
            if (channel.size() < PAGE)
            {
                return null;
            }
            final UnsafeBuffer header = new UnsafeBuffer(channel.map(FileChannel.MapMode.READ_ONLY, 0, PAGE));
            if (header.getLong(HeaderDescriptor.MAGIC_OFFSET) != HeaderDescriptor.MAGIC ||
                header.getIntVolatile(HeaderDescriptor.VERSION_OFFSET) != HeaderDescriptor.LAYOUT_VERSION)
            {
                return null;
            }
            return new RingProbe(header);
        }
        catch (final IOException ex)
        {
            return null;
        }
    }

    public int slots()
    {
        return slots;
    }

    /** @return frames committed so far. */
    public long published()
    {
        return header.getLongVolatile(HeaderDescriptor.PUBLISHED_SEQUENCE_OFFSET);
    }

    /** @return frames the consumer gave back (or the producer dropped past, with drop-oldest-unread). */
    public long released()
    {
        return header.getLongVolatile(HeaderDescriptor.releasedSequenceOffset(0));
    }

    /**
     * @return slots holding a frame not yet released, 0 .. slots. With drop-oldest-unread the
     * released sequence lags the frames the producer dropped, hence the clamp.
     */
    public long occupancy()
    {
        final long released = released();
        return Math.max(0, Math.min(slots, published() - released));
    }

    /** @param index a {@code PRODUCER_*} counter of {@link ParticipantDescriptor}. */
    public long producerCounter(final int index)
    {
        return header.getLongVolatile(PRODUCER + ParticipantDescriptor.counterOffset(index));
    }

    /** @param index a {@code CONSUMER_*} counter of {@link ParticipantDescriptor}. */
    public long consumerCounter(final int index)
    {
        return header.getLongVolatile(CONSUMER + ParticipantDescriptor.counterOffset(index));
    }

    /** @return the consumer's state word ({@code STATE_*} of {@link ParticipantDescriptor}). */
    public int consumerState()
    {
        return header.getIntVolatile(CONSUMER + ParticipantDescriptor.STATE_OFFSET);
    }
}
