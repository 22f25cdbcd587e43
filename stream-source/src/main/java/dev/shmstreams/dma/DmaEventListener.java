package dev.shmstreams.dma;

/**
 * Interrupt-level events of the emulated channel, called on the emulator's thread (in the Akka
 * stage: the stage's thread) at the emulated instant they happen. Like an ISR: return quickly and
 * never block, the emulation waits for it.
 */
public interface DmaEventListener
{
    /** A listener that ignores everything. */
    DmaEventListener NONE = new DmaEventListener()
    {
    };

    /**
     * HTIF: the channel has transferred half of the current period's units.
     *
     * @param period the DMA period (0, 1, 2, ... in emulated time, gaps never).
     * @param block  the block the channel targets (a pool index, or a slot sequence for shared memory).
     * @param nanos  emulated instant.
     */
    default void onHalfTransfer(final long period, final long block, final long nanos)
    {
    }

    /**
     * TCIF: the period is complete; the ISR pushes the block and re-targets the channel.
     *
     * @param period the period completed.
     * @param block  the block that holds it.
     * @param nanos  emulated instant.
     */
    default void onTransferComplete(final long period, final long block, final long nanos)
    {
    }

    /**
     * The ISR found no free block at the end of {@code period}.
     *
     * @param period the period that completed without a free block to go to next.
     * @param policy what happens to the data.
     * @param nanos  emulated instant.
     */
    default void onOverrun(final long period, final OverrunPolicy policy, final long nanos)
    {
    }
}
