package dev.shmstreams.dma;

import org.agrona.MutableDirectBuffer;

/**
 * The memory the emulated DMA channel writes into: a pool of blocks, and the ring the ISR pushes
 * filled blocks onto. {@link BlockPool} is the in-process pool (the seed's static
 * {@code mem_pool} and reference array); {@link dev.shmstreams.dma.shm.ShmBlockMemory} makes the
 * slots of a shared-memory channel the pool, so the "DMA" writes straight into memory another
 * process reads.
 *
 * <p>Called only from the emulator's thread (the "ISR").
 */
public interface DmaMemory
{
    /** {@link #acquire()}: no block is free. */
    long NO_BLOCK = -1;

    /**
     * Take a free block for the channel to fill next.
     *
     * @return its id (>= 0), or {@link #NO_BLOCK}.
     */
    long acquire();

    /**
     * @param block an acquired block.
     * @return its memory, {@link #blockSize()} bytes writable in place.
     */
    MutableDirectBuffer target(long block);

    /**
     * Push a filled block to the consumer: after this the emulator does not touch it again.
     *
     * @param block             an acquired block.
     * @param length            bytes of data in it.
     * @param period            the DMA period it holds.
     * @param firstUnit         index of its first unit since the peripheral started.
     * @param lostPeriodsBefore periods lost (overwritten or dropped) between the previous block pushed and this one.
     * @param halfTransferNanos emulated instant of this period's half-transfer event (-1 if none).
     * @param completeNanos     emulated instant of the transfer-complete (or flush).
     * @param event             what pushed it.
     */
    void push(
        long block,
        int length,
        long period,
        long firstUnit,
        long lostPeriodsBefore,
        long halfTransferNanos,
        long completeNanos,
        DmaEvent event);

    /** @return bytes in one block. */
    int blockSize();
}
