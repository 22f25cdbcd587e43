package dev.shmstreams.gst;

import akka.util.ByteString;
import org.agrona.DirectBuffer;

import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * One buffer a GStreamer shmsink announced, emitted by a {@link dev.shmstreams.gst.javadsl.GstShmSource}:
 * a read-only view of its bytes in the shmsink's shared-memory area, valid until released. Release
 * it exactly once ({@link #release()} or {@link #close()}, from any thread): that sends
 * GStreamer the acknowledgement that lets it reuse the memory, so frames held here hold the
 * GStreamer pipeline back. Every accessor of a released frame throws; a {@link DirectBuffer}
 * obtained from {@link #buffer()} must not be used after release either (the area may be unmapped).
 *
 * <pre>{@code
 * .map(frame -> { try (frame) { return analyse(frame.buffer(), frame.length()); } })
 * }</pre>
 */
public final class GstFrame implements AutoCloseable
{
    /** INTERNAL API: who acknowledges the buffer; implemented by the source. */
    public interface Owner
    {
        void release(GstFrame frame);
    }

    private static final AtomicIntegerFieldUpdater<GstFrame> RELEASED =
        AtomicIntegerFieldUpdater.newUpdater(GstFrame.class, "released");

    private final Owner owner;
    private final long sequence;
    private final int areaId;
    private final long offset;
    private final DirectBuffer buffer;
    private final GstVideoInfo video;
    private final long receivedNanos;
    private volatile int released;

    /**
     * INTERNAL API: created by the source for a buffer it received.
     */
    public GstFrame(
        final Owner owner, final long sequence, final int areaId, final long offset, final DirectBuffer buffer,
        final GstVideoInfo video, final long receivedNanos)
    {
        this.owner = owner;
        this.sequence = sequence;
        this.areaId = areaId;
        this.offset = offset;
        this.buffer = buffer;
        this.video = video;
        this.receivedNanos = receivedNanos;
    }

    private void checkHeld()
    {
        if (released != 0)
        {
            throw new IllegalStateException("frame " + sequence + " was released: GStreamer may have reused its memory");
        }
    }

    /** @return 0 for the first buffer received on the connection, then 1, 2... */
    public long sequence()
    {
        return sequence;
    }

    /** @return the payload, {@link #length()} bytes, in place in GStreamer's area (read-only). */
    public DirectBuffer buffer()
    {
        checkHeld();
        return buffer;
    }

    public int length()
    {
        checkHeld();
        return buffer.capacity();
    }

    /** @return the format from the settings (every buffer was checked to be one frame of it), or null. */
    public GstVideoInfo video()
    {
        return video;
    }

    /** @return the id of the shm area holding the buffer. */
    public int areaId()
    {
        return areaId;
    }

    /** @return the buffer's offset in its area, as announced. */
    public long offset()
    {
        return offset;
    }

    /** @return System.nanoTime() when the announcement was read from the socket. */
    public long receivedNanos()
    {
        return receivedNanos;
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
     * Acknowledge the buffer to GStreamer. Exactly once; safe from any thread.
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
        return "GstFrame{sequence=" + sequence + ", area=" + areaId + ", offset=" + offset + ", length=" +
            buffer.capacity() + (released != 0 ? ", released}" : "}");
    }
}
