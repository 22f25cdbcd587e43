package dev.shmstreams.transport.it;

import dev.shmstreams.transport.Frame;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * Checks every frame a consumer receives against {@link FramePattern}: the sequence is exactly the
 * next one (no loss, no duplicate, in order), the frame id, length and user metadata are those of
 * that sequence, the payload's CRC32C matches the one in the metadata, and the payload equals the
 * recomputed one byte for byte. Also checks that frames flagged redelivered form a prefix of what
 * this consumer received: a redelivered frame after a fresh one would mean the ring handed out a
 * slot twice.
 *
 * <p>Reuses its buffers: checking costs no allocation per frame, so it does not slow the consumer
 * into hiding races.
 */
final class FrameVerifier
{
    private final long seed;
    private final int maxLength;
    private final CRC32C crc = new CRC32C();
    private final byte[] received;
    private long gapFrom = -1;
    private long gapTo = -1;
    private final byte[] expected;
    private final UnsafeBuffer expectedBuffer;

    private long first = -1;
    private long next = -1;
    private long count;
    private long redelivered;
    private long firstRedelivered = -1;
    private long lastRedelivered = -1;

    FrameVerifier(final long seed, final int maxLength)
    {
        this.seed = seed;
        this.maxLength = maxLength;
        this.received = new byte[maxLength + Long.BYTES];
        this.expected = new byte[maxLength + Long.BYTES];
        this.expectedBuffer = new UnsafeBuffer(expected);
    }

    /** @param sequence the sequence the next frame must have: the consumer's released sequence at attach. */
    void expectFrom(final long sequence)
    {
        first = sequence;
        next = sequence;
    }

    /**
     * Frames {@code [from, to)} were released by a previous consumer (out of order) and must not
     * be delivered: after frame {@code from - 1} comes frame {@code to}.
     */
    void expectGap(final long from, final long to)
    {
        gapFrom = from;
        gapTo = to;
    }

    /**
     * @param frame a held frame.
     * @return null if it is the frame expected next and intact, otherwise what is wrong.
     */
    String verify(final Frame frame)
    {
        final long sequence = frame.sequence();
        if (sequence != next)
        {
            return "expected sequence " + next + ", received " + frame;
        }
        final long frameId = FramePattern.frameId(seed, sequence);
        if (frame.frameId() != frameId)
        {
            return "frame " + sequence + ": frame id " + frame.frameId() + ", expected " + frameId;
        }
        final int length = FramePattern.length(seed, sequence, maxLength);
        if (frame.length() != length)
        {
            return "frame " + sequence + ": length " + frame.length() + ", expected " + length;
        }
        final DirectBuffer metadata = frame.metadata();
        if (metadata.getLong(FramePattern.SEQUENCE_OFFSET) != sequence ||
            metadata.getInt(FramePattern.LENGTH_OFFSET) != length ||
            metadata.getLong(FramePattern.SEED_OFFSET) != seed)
        {
            return "frame " + sequence + ": user metadata names sequence " +
                metadata.getLong(FramePattern.SEQUENCE_OFFSET) + ", length " +
                metadata.getInt(FramePattern.LENGTH_OFFSET) + ", seed " + metadata.getLong(FramePattern.SEED_OFFSET);
        }
        frame.buffer().getBytes(0, received, 0, length);
        crc.reset();
        crc.update(received, 0, length);
        final int checksum = (int)crc.getValue();
        if (checksum != metadata.getInt(FramePattern.CRC_OFFSET))
        {
            return "frame " + sequence + " of " + length + " bytes: CRC32C 0x" + Integer.toHexString(checksum) +
                ", metadata says 0x" + Integer.toHexString(metadata.getInt(FramePattern.CRC_OFFSET));
        }
        FramePattern.fill(expectedBuffer, seed, sequence, length);
        final int mismatch = Arrays.mismatch(received, 0, length, expected, 0, length);
        if (mismatch >= 0)
        {
            return "frame " + sequence + " of " + length + " bytes: payload differs from the expected one at byte " +
                mismatch;
        }
        if (frame.isRedelivered())
        {
            if (redelivered != count)
            {
                return "frame " + sequence + " is flagged redelivered after " + (count - redelivered) +
                    " fresh frames";
            }
            if (firstRedelivered < 0)
            {
                firstRedelivered = sequence;
            }
            lastRedelivered = sequence;
            redelivered++;
        }
        count++;
        next++;
        if (next == gapFrom)
        {
            next = gapTo;
        }
        return null;
    }

    long first()
    {
        return first;
    }

    /** @return the sequence expected next: one past the last verified frame. */
    long next()
    {
        return next;
    }

    long count()
    {
        return count;
    }

    long redelivered()
    {
        return redelivered;
    }

    long firstRedelivered()
    {
        return firstRedelivered;
    }

    long lastRedelivered()
    {
        return lastRedelivered;
    }

    /** @return the fields of a RESULT line. */
    String summary()
    {
        return "first=" + first + " next=" + next + " received=" + count + " redelivered=" + redelivered +
            " firstRedelivered=" + firstRedelivered + " lastRedelivered=" + lastRedelivered;
    }
}
