package dev.shmstreams.dma;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;

/**
 * One filled block, handed to the consumer by reference: a read-only view of the pool block in
 * place (no copy of the payload), its length, its delivery sequence, the DMA period and units it
 * holds, the instants of its half-transfer and transfer-complete events and the overrun mark.
 *
 * <p>Must be released exactly once ({@link #close()} for try-with-resources): until then the
 * channel cannot reuse the block, and a block held longer than the leak threshold is reported.
 * Releasing twice throws; every accessor throws after release, and the view returned by
 * {@link #buffer()} is emptied so a kept reference to it throws too instead of reading the block's
 * next contents. Release may happen on any thread.
 *
 * <p>Allocation: this handle and its view are the only objects allocated per block (about 100
 * bytes together, dead young). They are per delivery on purpose: a handle reused per pool block
 * would let a stale reference release, or read, the block's next delivery (the ABA problem of
 * flyweights); a fresh handle makes use-after-release detectable in every case.
 */
public final class DmaBlock implements AutoCloseable
{
    private static final VarHandle RELEASED;
    private static final byte[] EMPTY = new byte[0];

    static
    {
        try
        {
            RELEASED = MethodHandles.lookup().findVarHandle(DmaBlock.class, "released", int.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    private final BlockPool pool;
    private final UnsafeBuffer view;
    private final int blockIndex;
    private final int length;
    private final long sequence;
    private final long period;
    private final long firstUnit;
    private final int unitBytes;
    private final long lostPeriodsBefore;
    private final long halfTransferNanos;
    private final long completeNanos;
    private final DmaEvent event;
    private volatile int released;

    DmaBlock(
        final BlockPool pool,
        final ByteBuffer memory,
        final int blockIndex,
        final int offset,
        final int length,
        final long sequence,
        final long period,
        final long firstUnit,
        final int unitBytes,
        final long lostPeriodsBefore,
        final long halfTransferNanos,
        final long completeNanos,
        final DmaEvent event)
    {
        this.pool = pool;
        this.view = new UnsafeBuffer(memory, offset, length);
        this.blockIndex = blockIndex;
        this.length = length;
        this.sequence = sequence;
        this.period = period;
        this.firstUnit = firstUnit;
        this.unitBytes = unitBytes;
        this.lostPeriodsBefore = lostPeriodsBefore;
        this.halfTransferNanos = halfTransferNanos;
        this.completeNanos = completeNanos;
        this.event = event;
    }

    private void checkHeld()
    {
        if (released != 0)
        {
            throw new IllegalStateException("DMA block " + sequence + " already released: the channel may be " +
                "writing it again");
        }
    }

    /**
     * @return the data, {@link #length()} bytes, read in place from the pool. Typed read-only
     * ({@link DirectBuffer}); do not cast it to write: the DMA owns the block again after release.
     */
    public DirectBuffer buffer()
    {
        checkHeld();
        return view;
    }

    /** @return bytes of data: the block size, or less for a {@link DmaEvent#FLUSH}. */
    public int length()
    {
        checkHeld();
        return length;
    }

    /** @return delivery order: 0, 1, 2, ... with no gap and no repeat, whatever was lost. */
    public long sequence()
    {
        checkHeld();
        return sequence;
    }

    /** @return the DMA period this block holds: jumps by one plus {@link #lostPeriodsBefore()}. */
    public long period()
    {
        checkHeld();
        return period;
    }

    /** @return index, since the peripheral started, of the first unit (byte, sample, frame) in the block. */
    public long firstUnit()
    {
        checkHeld();
        return firstUnit;
    }

    /** @return units in the block: {@code length() / unitBytes}. */
    public int units()
    {
        checkHeld();
        return length / unitBytes;
    }

    /** @return bytes per unit: 1 (UART), 2 (ADC), 8 (CAN). */
    public int unitBytes()
    {
        checkHeld();
        return unitBytes;
    }

    /** @return periods lost to overruns between the previous block delivered and this one (the mark). */
    public long lostPeriodsBefore()
    {
        checkHeld();
        return lostPeriodsBefore;
    }

    /** @return true if data was lost just before this block. */
    public boolean followsOverrun()
    {
        checkHeld();
        return lostPeriodsBefore != 0;
    }

    /** @return emulated instant of this period's half-transfer event, or -1 if it had none (a short flush). */
    public long halfTransferNanos()
    {
        checkHeld();
        return halfTransferNanos;
    }

    /** @return emulated instant of the transfer-complete (or flush) that pushed this block. */
    public long completeNanos()
    {
        checkHeld();
        return completeNanos;
    }

    /** @return what pushed the block. */
    public DmaEvent event()
    {
        checkHeld();
        return event;
    }

    /** @return the pool block it is (for diagnostics: the same block comes back lap after lap). */
    public int blockIndex()
    {
        checkHeld();
        return blockIndex;
    }

    /** @return true once released. */
    public boolean isReleased()
    {
        return released != 0;
    }

    /**
     * Give the block back to the channel. Exactly once.
     *
     * @throws IllegalStateException if already released.
     */
    public void release()
    {
        if (!RELEASED.compareAndSet(this, 0, 1))
        {
            throw new IllegalStateException("DMA block " + sequence + " released twice");
        }
        view.wrap(EMPTY);
        pool.release(blockIndex, sequence);
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
        return "DmaBlock{sequence=" + sequence + ", period=" + period + ", block=" + blockIndex + ", length=" + length +
            (lostPeriodsBefore != 0 ? ", lost " + lostPeriodsBefore + " periods before" : "") +
            (event != DmaEvent.TRANSFER_COMPLETE ? ", " + event : "") + (released != 0 ? ", released" : "") + '}';
    }
}
