package dev.shmstreams.dma;

import dev.shmstreams.dma.shm.DmaShm;
import dev.shmstreams.dma.shm.DmaSlotMetadata;
import dev.shmstreams.transport.ChannelSettings;
import dev.shmstreams.transport.ShmProducer;
import dev.shmstreams.transport.WritableFrame;
import dev.shmstreams.transport.test.ShmTestDirectory;
import org.agrona.DirectBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@link DmaShm#copyBlockIntoSlot}, the ShmSink writer of the Akka route, in-process on a real
 * channel's slots: the bytes and the slot's description are those of the block, as the zero-copy
 * route writes them; the block is released, also when it does not fit.
 */
@ExtendWith(ShmTestDirectory.class)
class DmaShmTest
{
    @Test
    void eachBlockIsCopiedOnceAndDescribedAsTheZeroCopyRouteDescribesIt(final Path dir)
    {
        final DmaSettings settings = DmaSettings.create().withPeripheral(Peripheral.uart(115_200)).withBlockCount(4);
        final DmaEmulator mcu = DmaEmulator.inProcess(settings);
        final List<long[]> seen = new ArrayList<>();   // period, lost periods before, event, length
        try (ShmProducer producer = ShmProducer.create(ChannelSettings.create("dma-shm").withDirectory(dir)
            .withSlotCount(16).withSlotSize(DmaShm.slotSize(settings))))
        {
            mcu.advanceTo(mcu.nanosOfUnits(10 * 256));             // nobody takes a block: the pool of 4 overruns
            copyAll(mcu, producer, seen);
            mcu.advanceTo(mcu.nanosOfUnits(12 * 256 + 100));
            mcu.stop();                                            // the last 100 bytes are flushed
            copyAll(mcu, producer, seen);
        }
        assertTrue(seen.stream().anyMatch(block -> block[1] > 0), "a block marked after the overruns");
        final long[] last = seen.get(seen.size() - 1);
        assertEquals(DmaEvent.FLUSH.ordinal(), last[2]);
        assertEquals(100, last[3]);
        assertEquals(mcu.stats().blocksDelivered(), mcu.stats().blocksReleased(), "every block released");
        assertEquals(List.of(), ShmTestDirectory.leftovers(dir));
    }

    private static void copyAll(final DmaEmulator mcu, final ShmProducer producer, final List<long[]> seen)
    {
        DmaBlock block;
        while ((block = mcu.poll()) != null)
        {
            final long period = block.period();
            final long firstUnit = block.firstUnit();
            final long lost = block.lostPeriodsBefore();
            final long half = block.halfTransferNanos();
            final long complete = block.completeNanos();
            final DmaEvent event = block.event();
            final int length = block.length();
            final long sequence = producer.tryClaim();
            assertTrue(sequence >= 0, "a free slot");
            final WritableFrame slot = producer.frame(sequence);
            assertEquals(length, DmaShm.copyBlockIntoSlot(block, slot));
            assertTrue(block.isReleased(), "the writer releases the block");
            for (int i = 0; i < length; i++)
            {
                assertEquals((byte)(firstUnit + i), slot.buffer().getByte(i), "byte " + i + " of period " + period);
            }
            final DirectBuffer meta = slot.metadata();
            assertEquals(period, meta.getLong(DmaSlotMetadata.PERIOD_OFFSET, ByteOrder.LITTLE_ENDIAN));
            assertEquals(firstUnit, meta.getLong(DmaSlotMetadata.FIRST_UNIT_OFFSET, ByteOrder.LITTLE_ENDIAN));
            assertEquals(lost, meta.getLong(DmaSlotMetadata.LOST_PERIODS_OFFSET, ByteOrder.LITTLE_ENDIAN));
            assertEquals(half, meta.getLong(DmaSlotMetadata.HALF_TRANSFER_NANOS_OFFSET, ByteOrder.LITTLE_ENDIAN));
            assertEquals(complete, meta.getLong(DmaSlotMetadata.COMPLETE_NANOS_OFFSET, ByteOrder.LITTLE_ENDIAN));
            assertEquals(1, meta.getInt(DmaSlotMetadata.UNIT_BYTES_OFFSET, ByteOrder.LITTLE_ENDIAN));
            assertEquals(event.ordinal(), meta.getInt(DmaSlotMetadata.EVENT_OFFSET, ByteOrder.LITTLE_ENDIAN));
            producer.commit(sequence, length);
            seen.add(new long[] { period, lost, event.ordinal(), length });
        }
    }

    @Test
    void aBlockTooLargeForTheSlotFailsWithTheFixAndIsReleased(final Path dir)
    {
        final DmaSettings settings = DmaSettings.create().withPeripheral(Peripheral.uart(115_200)).withBlockSize(8192);
        final DmaEmulator mcu = DmaEmulator.inProcess(settings);
        mcu.advanceTo(TimeUnit.SECONDS.toNanos(1));
        try (ShmProducer producer = ShmProducer.create(ChannelSettings.create("dma-small").withDirectory(dir)
            .withSlotCount(2).withSlotSize(4096)))
        {
            final DmaBlock block = mcu.poll();
            assertNotNull(block);
            final long sequence = producer.tryClaim();
            final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                () -> DmaShm.copyBlockIntoSlot(block, producer.frame(sequence)));
            assertTrue(ex.getMessage().contains("withSlotSize(DmaShm.slotSize(settings))"), ex.getMessage());
            assertTrue(block.isReleased(), "released though not written: the pool does not leak");
            producer.abort(sequence);
        }
    }
}
