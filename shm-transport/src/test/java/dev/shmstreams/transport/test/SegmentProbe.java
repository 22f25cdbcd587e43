package dev.shmstreams.transport.test;

import dev.shmstreams.transport.layout.HeaderDescriptor;
import dev.shmstreams.transport.layout.ParticipantDescriptor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A read-only look at a segment's header from the test JVM, independent of the library's own
 * reading code: what a dead producer really published is what is in the file, not what a
 * survivor says it saw.
 *
 * <p>Opened while the peers run and kept open, so the file can still be read after a survivor
 * unlinked it. Uses plain {@code pread} on the descriptor: on tmpfs that reads the very pages the
 * peers have mapped. Takes no lock, so it never changes what the peers see of each other.
 */
public final class SegmentProbe implements AutoCloseable
{
    private final Path path;
    private final FileChannel channel;
    private final ByteBuffer scratch = ByteBuffer.allocate(Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);

    private SegmentProbe(final Path path, final FileChannel channel)
    {
        this.path = path;
        this.channel = channel;
    }

    public static SegmentProbe open(final Path path)
    {
        try
        {
            return new SegmentProbe(path, FileChannel.open(path, StandardOpenOption.READ));
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot open segment " + path, ex);
        }
    }

    /** @return the published sequence: frames [0, published) were committed. */
    public long publishedSequence()
    {
        return readLong(HeaderDescriptor.PUBLISHED_SEQUENCE_OFFSET);
    }

    /**
     * @param slots the segment's slot count.
     * @return the end of the committed frames: the published sequence, and past it every frame
     * whose descriptor's sequence is already stored. A commit release-stores the descriptor's
     * sequence before it publishes (and a batch stores each frame's before publishing once), and a
     * consumer may take a frame by its descriptor, so a producer killed between the two stores
     * leaves frames committed, and deliverable, beyond its published sequence.
     */
    public long committedSequence(final int slots)
    {
        final long published = publishedSequence();
        long sequence = published;
        while (sequence < published + slots &&
            readLong(dev.shmstreams.transport.layout.SlotDescriptor.descriptorOffset((int)sequence & (slots - 1)) +
                dev.shmstreams.transport.layout.SlotDescriptor.SEQUENCE_OFFSET) == sequence)
        {
            sequence++;
        }
        return sequence;
    }

    /** @return consumer 0's released sequence. */
    public long releasedSequence()
    {
        return readLong(HeaderDescriptor.releasedSequenceOffset(0));
    }

    /** @return the producer block's state, a {@code ParticipantDescriptor.STATE_*}. */
    public int producerState()
    {
        return readInt(HeaderDescriptor.PRODUCER_BLOCK_OFFSET + ParticipantDescriptor.STATE_OFFSET);
    }

    /** @return consumer 0's block state, a {@code ParticipantDescriptor.STATE_*}. */
    public int consumerState()
    {
        return readInt(HeaderDescriptor.consumerBlockOffset(0) + ParticipantDescriptor.STATE_OFFSET);
    }

    /** @return consumer 0's cursor: the next sequence it would poll. */
    public long consumerCursor()
    {
        return readLong(HeaderDescriptor.consumerBlockOffset(0) + ParticipantDescriptor.CURSOR_OFFSET);
    }

    /** @return how many consumer threads say they sleep on the consumer futex now. */
    public int consumerWaiters()
    {
        return readInt(HeaderDescriptor.CONSUMER_WAITERS_OFFSET);
    }

    /** @return how many producer threads say they sleep on the producer futex now. */
    public int producerWaiters()
    {
        return readInt(HeaderDescriptor.PRODUCER_WAITERS_OFFSET);
    }

    /** @return the released-out-of-order mark of slot {@code index}'s descriptor (-1 if none). */
    public long releasedMark(final int index)
    {
        return readLong(dev.shmstreams.transport.layout.SlotDescriptor.descriptorOffset(index) +
            dev.shmstreams.transport.layout.SlotDescriptor.RELEASED_MARK_OFFSET);
    }

    private int readInt(final int offset)
    {
        read(offset, Integer.BYTES);
        return scratch.getInt(0);
    }

    private long readLong(final int offset)
    {
        read(offset, Long.BYTES);
        return scratch.getLong(0);
    }

    private void read(final int offset, final int length)
    {
        try
        {
            scratch.clear().limit(length);
            while (scratch.hasRemaining())
            {
                if (channel.read(scratch, offset + scratch.position()) < 0)
                {
                    throw new IllegalStateException("segment " + path + " ends before offset " + offset);
                }
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot read segment " + path, ex);
        }
    }

    @Override
    public void close()
    {
        try
        {
            channel.close();
        }
        catch (final IOException ignore)
        {
            // read-only descriptor: nothing to lose
        }
    }
}
