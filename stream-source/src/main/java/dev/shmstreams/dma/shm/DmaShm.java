package dev.shmstreams.dma.shm;

import dev.shmstreams.dma.DmaBlock;
import dev.shmstreams.dma.DmaSettings;
import dev.shmstreams.transport.WritableFrame;

/**
 * From the DMA emulator's Akka source into a shared-memory channel through a {@code ShmSink}: the
 * graph runs in the "MCU process", and the sink's writer copies each block into its claimed slot,
 * <strong>one copy per block</strong> (the emulator's pool is its own memory, the slots are the
 * channel's), with the slot described exactly as the zero-copy route ({@link McuProcess},
 * {@link ShmBlockMemory}) describes it: {@link DmaSlotMetadata}, the period as frame id, the flush and
 * overrun user flags. A host reads both routes with the same code.
 *
 * <pre>{@code
 * DmaSettings dma = DmaSettings.create(system).withPeripheral(Peripheral.adc(4, 1_000));
 * DmaSource.create(dma)                                                      // Source<DmaBlock, DmaControl>
 *     .runWith(ShmSink.create(ShmSinkSettings.create(system, "adc-1")
 *                                 .withSlots(8).withSlotSize(DmaShm.slotSize(dma)),
 *                             DmaShm::copyBlockIntoSlot),                    // a FrameWriter<DmaBlock>
 *              system);
 * }</pre>
 *
 * {@link #copyBlockIntoSlot} has the shape of the sink's {@code FrameWriter<DmaBlock>}, so this module
 * needs no dependency on the sink's. It releases the block: the sink consumes the element.
 *
 * <p>Zero copy instead: {@link McuProcess} (no Akka), whose DMA writes straight into the slots.
 */
public final class DmaShm
{
    private DmaShm()
    {
    }

    /**
     * @param settings the emulated hardware.
     * @return the slot size a channel needs for its blocks: the block size.
     */
    public static int slotSize(final DmaSettings settings)
    {
        return settings.blockSize();
    }

    /**
     * A ShmSink writer: copy the block's bytes into the slot (one copy), describe it, release the block.
     *
     * @param block the block; released on return, also when this throws.
     * @param slot  the claimed slot.
     * @return bytes to publish: the block's length.
     * @throws IllegalArgumentException if the slot cannot hold the block (the stream fails, the claim is aborted).
     */
    public static int copyBlockIntoSlot(final DmaBlock block, final WritableFrame slot)
    {
        try (block)
        {
            final int length = block.length();
            if (length > slot.capacity())
            {
                throw new IllegalArgumentException("a " + length + "-byte DMA block does not fit a " + slot.capacity() +
                    "-byte slot: create the channel with withSlotSize(DmaShm.slotSize(settings))");
            }
            slot.buffer().putBytes(0, block.buffer(), 0, length);
            DmaSlotMetadata.write(slot, block.period(), block.firstUnit(), block.lostPeriodsBefore(),
                block.halfTransferNanos(), block.completeNanos(), block.unitBytes(), block.event());
            return length;
        }
    }
}
