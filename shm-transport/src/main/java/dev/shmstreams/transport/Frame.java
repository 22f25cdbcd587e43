package dev.shmstreams.transport;

import dev.shmstreams.transport.layout.SlotDescriptor;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A frame held by the consumer: a read-only view of its slot, in place, and the descriptor fields
 * read (and checked) when it was polled. A flyweight, one per slot: valid from
 * {@link ShmConsumer#poll()} until {@link #release()}; after that every accessor throws, and the
 * payload and metadata views are emptied so a kept reference to either throws too instead of
 * reading the slot's next frame. Identify frames by {@link #sequence()}, not by object identity.
 */
public final class Frame implements AutoCloseable
{
    private static final byte[] EMPTY = new byte[0];

    private final ShmConsumer consumer;
    private final UnsafeBuffer slot;
    private final UnsafeBuffer payload = new UnsafeBuffer(EMPTY);
    private final UnsafeBuffer metadataArea;
    private final UnsafeBuffer metadata = new UnsafeBuffer(EMPTY);
    /** The slot's address when it is off-heap (a mapped segment), else 0: the payload view wraps it unchecked. */
    private final long slotAddress;
    /** Whether {@link #metadata} is wrapped: only once asked for, so a frame nobody asks pays nothing for it. */
    private boolean metadataWrapped;
    long sequence = -1;
    private int length;
    private long frameId;
    private long timestampNanos;
    private int flags;
    private boolean redelivered;
    boolean retained;

    Frame(final ShmConsumer consumer, final UnsafeBuffer slot, final UnsafeBuffer metadata)
    {
        this.consumer = consumer;
        this.slot = slot;
        this.metadataArea = metadata;
        this.slotAddress = slot.byteArray() == null ? slot.addressOffset() : 0;
    }

    void arm(
        final long sequence,
        final int length,
        final long frameId,
        final long timestampNanos,
        final int flags,
        final boolean redelivered)
    {
        this.sequence = sequence;
        this.length = length;
        this.frameId = frameId;
        this.timestampNanos = timestampNanos;
        this.flags = flags;
        this.redelivered = redelivered;
        this.retained = false;
        // the consumer has checked 0 <= length <= slot capacity: no second bounds check here
        if (slotAddress != 0)
        {
            payload.wrap(slotAddress, length);
        }
        else
        {
            payload.wrap(slot, 0, length);
        }
    }

    /** Views handed out before now see nothing from here on: a stale reference reads no later frame. */
    void disarm()
    {
        sequence = -1;
        payload.wrap(EMPTY);
        if (metadataWrapped)
        {
            metadata.wrap(EMPTY);
            metadataWrapped = false;
        }
    }

    private void checkHeld()
    {
        if (sequence < 0)
        {
            throw new IllegalStateException("frame already released: its slot may hold another frame by now");
        }
    }

    public long sequence()
    {
        checkHeld();
        return sequence;
    }

    /** @return the payload, {@link #length()} bytes, read in place from shared memory. */
    public DirectBuffer buffer()
    {
        checkHeld();
        return payload;
    }

    public int length()
    {
        checkHeld();
        return length;
    }

    public long frameId()
    {
        checkHeld();
        return frameId;
    }

    /** @return the producer's timestamp: CLOCK_MONOTONIC ns at commit unless it set its own. */
    public long timestampNanos()
    {
        checkHeld();
        return timestampNanos;
    }

    /** @return the user flags (high 16 bits of the descriptor flags). */
    public int userFlags()
    {
        checkHeld();
        return flags & SlotDescriptor.USER_FLAGS_MASK;
    }

    /**
     * @return true if a previous consumer polled this frame but died or detached before releasing
     * it: it may have been processed once already.
     */
    public boolean isRedelivered()
    {
        checkHeld();
        return redelivered;
    }

    /**
     * @return the descriptor's user-metadata area ({@value SlotDescriptor#USER_METADATA_LENGTH} bytes),
     * read in place: a producer that rewrites it while the frame is held is misbehaving.
     */
    public DirectBuffer metadata()
    {
        checkHeld();
        if (!metadataWrapped)
        {
            metadata.wrap(metadataArea, 0, SlotDescriptor.USER_METADATA_LENGTH);
            metadataWrapped = true;
        }
        return metadata;
    }

    /**
     * In a {@link ShmConsumer#drain} handler: keep this frame after the handler returns; release it
     * later with {@link #release()}.
     */
    public void retain()
    {
        checkHeld();
        retained = true;
    }

    /** Give the slot back to the producer. Exactly once: a second call throws. */
    public void release()
    {
        checkHeld();
        consumer.release(sequence);
    }

    /** Same as {@link #release()}, for try-with-resources. */
    @Override
    public void close()
    {
        release();
    }

    @Override
    public String toString()
    {
        return sequence < 0 ? "Frame{released}" :
            "Frame{sequence=" + sequence + ", frameId=" + frameId + ", length=" + length + ", timestamp=" +
            timestampNanos + (redelivered ? ", redelivered" : "") + '}';
    }
}
