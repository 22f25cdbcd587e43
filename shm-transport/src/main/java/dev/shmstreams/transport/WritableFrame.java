package dev.shmstreams.transport;

import dev.shmstreams.transport.layout.SlotDescriptor;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A claimed slot, written in place by the producer. A flyweight: one instance per slot, handed out
 * by {@link ShmProducer#frame(long)} while its sequence is claimed and refusing use once committed
 * or aborted. Not thread-safe; belongs to the producer's thread.
 */
public final class WritableFrame
{
    static final int LENGTH_UNSET = -1;

    private final UnsafeBuffer slot;
    private final UnsafeBuffer metadata;
    long sequence = -1;
    int length;
    long frameId;
    long timestampNanos;
    int flags;

    WritableFrame(final UnsafeBuffer slot, final UnsafeBuffer metadata)
    {
        this.slot = slot;
        this.metadata = metadata;
    }

    void arm(final long sequence)
    {
        this.sequence = sequence;
        this.length = LENGTH_UNSET;
        this.frameId = sequence;
        this.timestampNanos = 0;
        this.flags = 0;
    }

    void disarm()
    {
        sequence = -1;
    }

    private void checkClaimed()
    {
        if (sequence < 0)
        {
            throw new IllegalStateException("this frame is not claimed: it was committed or aborted");
        }
    }

    /** @return the claimed sequence. */
    public long sequence()
    {
        checkClaimed();
        return sequence;
    }

    /**
     * @return the whole slot, writable in place; capacity is the slot size. The same buffer object
     * serves every lap of the slot: do not keep it after commit.
     */
    public MutableDirectBuffer buffer()
    {
        checkClaimed();
        return slot;
    }

    /** @return the slot capacity in bytes: the largest length this frame can commit. */
    public int capacity()
    {
        return slot.capacity();
    }

    /** @return the descriptor's user-metadata area ({@value SlotDescriptor#USER_METADATA_LENGTH} bytes), in place. */
    public MutableDirectBuffer metadata()
    {
        checkClaimed();
        return metadata;
    }

    /** @param length payload bytes, for {@link ShmProducer#commitUpTo(long)}. */
    public WritableFrame length(final int length)
    {
        checkClaimed();
        if (length < 0 || length > slot.capacity())
        {
            throw tooLarge(length);
        }
        this.length = length;
        return this;
    }

    /** Out of line: keeps {@link #length(int)} small enough to inline into a commit loop. */
    private FrameTooLargeException tooLarge(final int length)
    {
        return new FrameTooLargeException("frame of " + length + " bytes does not fit a slot of " +
            slot.capacity() + " bytes");
    }

    /** @param frameId the frame id the consumer sees; defaults to the sequence. */
    public WritableFrame frameId(final long frameId)
    {
        checkClaimed();
        this.frameId = frameId;
        return this;
    }

    /** @param timestampNanos the timestamp the consumer sees; defaults to CLOCK_MONOTONIC at commit. */
    public WritableFrame timestampNanos(final long timestampNanos)
    {
        checkClaimed();
        this.timestampNanos = timestampNanos;
        return this;
    }

    /** @param userFlags flags in the high 16 bits ({@link SlotDescriptor#USER_FLAGS_MASK}). */
    public WritableFrame userFlags(final int userFlags)
    {
        checkClaimed();
        if ((userFlags & ~SlotDescriptor.USER_FLAGS_MASK) != 0)
        {
            throw new IllegalArgumentException("user flags must be within 0xFFFF0000, were 0x" +
                Integer.toHexString(userFlags));
        }
        this.flags = userFlags;
        return this;
    }
}
