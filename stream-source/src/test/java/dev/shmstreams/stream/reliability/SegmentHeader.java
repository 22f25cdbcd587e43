package dev.shmstreams.stream.reliability;

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
 * The sequences in a segment's header, read from the file by the test JVM with {@code pread}: what
 * a killed peer really committed or released is what the file says, not what the survivor reports.
 * Opened while the peers run and kept open, so the file can still be read after a survivor unlinked
 * it. Takes no lock and maps nothing.
 */
final class SegmentHeader implements AutoCloseable
{
    private final Path path;
    private final FileChannel channel;
    private final ByteBuffer scratch = ByteBuffer.allocate(Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);

    private SegmentHeader(final Path path, final FileChannel channel)
    {
        this.path = path;
        this.channel = channel;
    }

    static SegmentHeader open(final Path path)
    {
        try
        {
            return new SegmentHeader(path, FileChannel.open(path, StandardOpenOption.READ));
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot open segment " + path, ex);
        }
    }

    /** @return frames [0, published) were committed. */
    long published()
    {
        return readLong(HeaderDescriptor.PUBLISHED_SEQUENCE_OFFSET);
    }

    /** @return the consumer's released sequence: frames below it were released. */
    long released()
    {
        return readLong(HeaderDescriptor.releasedSequenceOffset(0));
    }

    /** @return the consumer's cursor: the next sequence it would have polled. */
    long consumerCursor()
    {
        return readLong(HeaderDescriptor.consumerBlockOffset(0) + ParticipantDescriptor.CURSOR_OFFSET);
    }

    private long readLong(final int offset)
    {
        try
        {
            scratch.clear();
            while (scratch.hasRemaining())
            {
                if (channel.read(scratch, offset + scratch.position()) < 0)
                {
                    throw new IllegalStateException("segment " + path + " ends before offset " + offset);
                }
            }
            return scratch.getLong(0);
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
            // read-only: nothing to lose
        }
    }
}
