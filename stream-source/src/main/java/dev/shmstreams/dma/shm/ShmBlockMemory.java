package dev.shmstreams.dma.shm;

import dev.shmstreams.dma.DmaEvent;
import dev.shmstreams.dma.DmaMemory;
import dev.shmstreams.transport.ShmProducer;
import org.agrona.MutableDirectBuffer;

/**
 * The slots of a shared-memory channel as the DMA's block pool: acquiring a block claims a slot,
 * the emulated channel writes the peripheral's data straight into it, and the ISR's push commits
 * it. No copy anywhere between the "peripheral" and the consumer process, as with the in-process
 * pool. A block is free again when the consumer process releases its slot; a full ring is the
 * "no free block" of the overrun policy.
 *
 * <p>The channel's slot count is the pool's block count; slots are page-sized, so a 256-byte
 * block uses the first 256 bytes of a 4 KiB slot (on the MCU this memory would be the SRAM the DMA
 * targets and a host reads over a bus).
 *
 * <p>Emulator thread only, like the producer it wraps.
 */
public final class ShmBlockMemory implements DmaMemory
{
    private final ShmProducer producer;
    private final int blockSize;
    private final int unitBytes;
    private long refusal;

    /**
     * @param producer  the channel's producer end; its slots must hold a block.
     * @param blockSize B.
     * @param unitBytes the peripheral's transfer size, written into each slot's metadata.
     */
    public ShmBlockMemory(final ShmProducer producer, final int blockSize, final int unitBytes)
    {
        if (producer.layout().slotSize() < blockSize)
        {
            throw new IllegalArgumentException("slots of " + producer.layout().slotSize() + " bytes cannot hold " +
                blockSize + "-byte blocks");
        }
        this.producer = producer;
        this.blockSize = blockSize;
        this.unitBytes = unitBytes;
    }

    @Override
    public long acquire()
    {
        final long sequence = producer.tryClaim();
        if (sequence >= 0)
        {
            return sequence;
        }
        refusal = sequence;
        return NO_BLOCK;
    }

    /**
     * @return why the last {@link #acquire()} failed: {@link ShmProducer#RING_FULL} (an overrun),
     * {@link ShmProducer#CONSUMER_CANCELLED} or {@link ShmProducer#CLOSED} (stop emulating).
     */
    public long lastRefusal()
    {
        return refusal;
    }

    @Override
    public MutableDirectBuffer target(final long block)
    {
        return producer.frame(block).buffer();
    }

    @Override
    public void push(
        final long block,
        final int length,
        final long period,
        final long firstUnit,
        final long lostPeriodsBefore,
        final long halfTransferNanos,
        final long completeNanos,
        final DmaEvent event)
    {
        DmaSlotMetadata.write(producer.frame(block), period, firstUnit, lostPeriodsBefore, halfTransferNanos,
            completeNanos, unitBytes, event);
        producer.commit(block, length);
    }

    @Override
    public int blockSize()
    {
        return blockSize;
    }

    public ShmProducer producer()
    {
        return producer;
    }

    @Override
    public String toString()
    {
        return "ShmBlockMemory{" + producer + '}';
    }
}
