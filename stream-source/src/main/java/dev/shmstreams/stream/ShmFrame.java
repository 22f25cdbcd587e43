package dev.shmstreams.stream;

import akka.util.ByteString;
import dev.shmstreams.transport.Frame;
import org.agrona.DirectBuffer;

import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * One frame emitted by a {@link dev.shmstreams.stream.javadsl.ShmSource}: a read-only view of its
 * slot in shared memory, valid until released. Release it exactly once ({@link #release()} or
 * {@link #close()}, from any thread); the slot then goes back to the producer. Every accessor of a
 * released frame throws, so a frame cannot read the slot's next contents; a {@link DirectBuffer}
 * obtained from {@link #buffer()} must not be used after release either.
 *
 * <pre>{@code
 * .map(frame -> { try (frame) { return analyse(frame.buffer(), frame.length()); } })
 * }</pre>
 */
public final class ShmFrame implements AutoCloseable
{
    /** Who gives the slot back; implemented by the source stage. */
    public interface Owner
    {
        void release(ShmFrame frame);
    }

    private static final AtomicIntegerFieldUpdater<ShmFrame> RELEASED =
        AtomicIntegerFieldUpdater.newUpdater(ShmFrame.class, "released");

    private final Owner owner;
    private final Frame frame;
    private final long sequence;
    private volatile int released;

    /**
     * INTERNAL API: created by the source stage for a frame it holds.
     */
    public ShmFrame(final Owner owner, final Frame frame, final long sequence)
    {
        this.owner = owner;
        this.frame = frame;
        this.sequence = sequence;
    }

    private void checkHeld()
    {
        if (released != 0)
        {
            throw new IllegalStateException("frame " + sequence + " was released: its slot may hold another frame");
        }
    }

    public long sequence()
    {
        return sequence;
    }

    /** @return the payload, {@link #length()} bytes, in place in shared memory. */
    public DirectBuffer buffer()
    {
        checkHeld();
        return frame.buffer();
    }

    public int length()
    {
        checkHeld();
        return frame.length();
    }

    public long frameId()
    {
        checkHeld();
        return frame.frameId();
    }

    /** @return the producer's timestamp, CLOCK_MONOTONIC ns (commit time unless the producer set it). */
    public long timestampNanos()
    {
        checkHeld();
        return frame.timestampNanos();
    }

    /** @return the 64-byte user metadata area the producer wrote (width, height, format, PTS...). */
    public DirectBuffer metadata()
    {
        checkHeld();
        return frame.metadata();
    }

    public int userFlags()
    {
        checkHeld();
        return frame.userFlags();
    }

    /** @return true if a previous consumer received this frame and died before releasing it. */
    public boolean isRedelivered()
    {
        checkHeld();
        return frame.isRedelivered();
    }

    /** @return a copy of the payload (allocates; the frame stays held). */
    public ByteString copyToByteString()
    {
        final byte[] bytes = new byte[length()];
        buffer().getBytes(0, bytes);
        return ByteString.fromArrayUnsafe(bytes);
    }

    public boolean isReleased()
    {
        return released != 0;
    }

    /**
     * Give the slot back to the producer. Exactly once; safe from any thread.
     *
     * @throws IllegalStateException if already released.
     */
    public void release()
    {
        if (!RELEASED.compareAndSet(this, 0, 1))
        {
            throw new IllegalStateException("frame " + sequence + " was already released");
        }
        owner.release(this);
    }

    /** Same as {@link #release()}. */
    @Override
    public void close()
    {
        release();
    }

    @Override
    public String toString()
    {
        return released != 0 ? "ShmFrame{" + sequence + ", released}" :
            "ShmFrame{sequence=" + sequence + ", frameId=" + frame.frameId() + ", length=" + frame.length() + '}';
    }
}
