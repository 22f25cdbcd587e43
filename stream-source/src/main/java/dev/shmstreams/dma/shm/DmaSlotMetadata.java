package dev.shmstreams.dma.shm;

import dev.shmstreams.dma.DmaEvent;
import dev.shmstreams.transport.WritableFrame;
import dev.shmstreams.transport.layout.SlotDescriptor;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * What a DMA block carries besides its bytes when it travels through a shared-memory channel:
 * the slot descriptor's user-metadata area ({@value SlotDescriptor#USER_METADATA_LENGTH} bytes) and
 * two user flags. Little-endian, as the rest of the segment.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                     DMA period (i64)                          |  +0
 *  +---------------------------------------------------------------+
 *  |                     first unit (i64)                          |  +8
 *  +---------------------------------------------------------------+
 *  |                lost periods before (i64)                      | +16
 *  +---------------------------------------------------------------+
 *  |             half-transfer instant, emulated ns (i64)          | +24
 *  +---------------------------------------------------------------+
 *  |           transfer-complete instant, emulated ns (i64)        | +32
 *  +-------------------------------+-------------------------------+
 *  |        unit bytes (i32)       |       event ordinal (i32)     | +40
 *  +-------------------------------+-------------------------------+
 *  |                        reserved (16)                          | +48
 *  +---------------------------------------------------------------+
 * </pre>
 * The frame id is the DMA period; the descriptor's timestamp stays the producer's CLOCK_MONOTONIC
 * at commit, so latency can be measured across the processes.
 */
public final class DmaSlotMetadata
{
    public static final int PERIOD_OFFSET = 0;
    public static final int FIRST_UNIT_OFFSET = 8;
    public static final int LOST_PERIODS_OFFSET = 16;
    public static final int HALF_TRANSFER_NANOS_OFFSET = 24;
    public static final int COMPLETE_NANOS_OFFSET = 32;
    public static final int UNIT_BYTES_OFFSET = 40;
    public static final int EVENT_OFFSET = 44;
    public static final int LENGTH = 48;

    /** User flag: the block was flushed partly filled ({@code DmaEvent.FLUSH}). */
    public static final int FLAG_FLUSH = 1 << 16;
    /** User flag: periods were lost just before this block. */
    public static final int FLAG_AFTER_OVERRUN = 1 << 17;

    static
    {
        if (LENGTH > SlotDescriptor.USER_METADATA_LENGTH)
        {
            throw new AssertionError("DMA metadata does not fit the slot descriptor's user area");
        }
    }

    private DmaSlotMetadata()
    {
    }

    /**
     * Describe a block in its claimed slot: the metadata above, the period as frame id, the user
     * flags. Both routes into shared memory write it, so a host reads them the same way.
     */
    static void write(
        final WritableFrame frame,
        final long period,
        final long firstUnit,
        final long lostPeriodsBefore,
        final long halfTransferNanos,
        final long completeNanos,
        final int unitBytes,
        final DmaEvent event)
    {
        final MutableDirectBuffer metadata = frame.metadata();
        metadata.putLong(PERIOD_OFFSET, period, ByteOrder.LITTLE_ENDIAN);
        metadata.putLong(FIRST_UNIT_OFFSET, firstUnit, ByteOrder.LITTLE_ENDIAN);
        metadata.putLong(LOST_PERIODS_OFFSET, lostPeriodsBefore, ByteOrder.LITTLE_ENDIAN);
        metadata.putLong(HALF_TRANSFER_NANOS_OFFSET, halfTransferNanos, ByteOrder.LITTLE_ENDIAN);
        metadata.putLong(COMPLETE_NANOS_OFFSET, completeNanos, ByteOrder.LITTLE_ENDIAN);
        metadata.putInt(UNIT_BYTES_OFFSET, unitBytes, ByteOrder.LITTLE_ENDIAN);
        metadata.putInt(EVENT_OFFSET, event.ordinal(), ByteOrder.LITTLE_ENDIAN);
        frame.frameId(period)
            .userFlags((event == DmaEvent.FLUSH ? FLAG_FLUSH : 0) | (lostPeriodsBefore != 0 ? FLAG_AFTER_OVERRUN : 0));
    }
}
