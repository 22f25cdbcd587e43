package dev.shmstreams.dma;

/**
 * A snapshot of the emulator's counters. Taken from any thread; each counter is exact as of some
 * instant of the emulator's thread, and they are read one by one (a snapshot taken mid-step may mix
 * two steps, never a torn value).
 */
public final class DmaStats
{
    private final long nowNanos;
    private final long period;
    private final long unitsTransferred;
    private final long unitsLost;
    private final long halfTransfers;
    private final long transferCompletes;
    private final long blocksPushed;
    private final long overruns;
    private final long periodsOverwritten;
    private final long periodsDropped;
    private final long stalls;
    private final long blocksDelivered;
    private final long blocksReleased;
    private final long leaksReported;

    /** @return all counters zero: before the emulator started. */
    public static DmaStats zero()
    {
        return new DmaStats(new long[DmaEmulator.COUNTER_COUNT]);
    }

    DmaStats(final long[] values)
    {
        this.nowNanos = values[DmaEmulator.NOW_NANOS];
        this.period = values[DmaEmulator.PERIOD];
        this.unitsTransferred = values[DmaEmulator.UNITS];
        this.unitsLost = values[DmaEmulator.UNITS_LOST];
        this.halfTransfers = values[DmaEmulator.HALF_TRANSFERS];
        this.transferCompletes = values[DmaEmulator.TRANSFER_COMPLETES];
        this.blocksPushed = values[DmaEmulator.PUSHED];
        this.overruns = values[DmaEmulator.OVERRUNS];
        this.periodsOverwritten = values[DmaEmulator.OVERWRITTEN];
        this.periodsDropped = values[DmaEmulator.DROPPED];
        this.stalls = values[DmaEmulator.STALLS];
        this.blocksDelivered = values[DmaEmulator.DELIVERED];
        this.blocksReleased = values[DmaEmulator.RELEASED];
        this.leaksReported = values[DmaEmulator.LEAKS];
    }

    /** @return emulated nanoseconds since start. */
    public long nowNanos()
    {
        return nowNanos;
    }

    /** @return the DMA period in progress. */
    public long period()
    {
        return period;
    }

    /** @return units the peripheral produced (bytes, samples, frames), lost ones included. */
    public long unitsTransferred()
    {
        return unitsTransferred;
    }

    /** @return units of periods overwritten or dropped. */
    public long unitsLost()
    {
        return unitsLost;
    }

    public long halfTransfers()
    {
        return halfTransfers;
    }

    public long transferCompletes()
    {
        return transferCompletes;
    }

    /** @return blocks pushed to the ring (flushes included). */
    public long blocksPushed()
    {
        return blocksPushed;
    }

    /** @return transfer-complete interrupts that found no free block. */
    public long overruns()
    {
        return overruns;
    }

    /** @return periods overwritten in place ({@link OverrunPolicy#OVERWRITE}). */
    public long periodsOverwritten()
    {
        return periodsOverwritten;
    }

    /** @return periods discarded with the channel disabled ({@link OverrunPolicy#DROP}). */
    public long periodsDropped()
    {
        return periodsDropped;
    }

    /** @return times emulated time stopped for want of a block ({@link OverrunPolicy#BACKPRESSURE}). */
    public long stalls()
    {
        return stalls;
    }

    /** @return blocks handed to the consumer (in-process pool). */
    public long blocksDelivered()
    {
        return blocksDelivered;
    }

    /** @return blocks the consumer released (in-process pool). */
    public long blocksReleased()
    {
        return blocksReleased;
    }

    /** @return distinct deliveries reported as leaks. */
    public long leaksReported()
    {
        return leaksReported;
    }

    @Override
    public String toString()
    {
        return "DmaStats{t=" + nowNanos / 1e6 + " ms, period=" + period + ", units=" + unitsTransferred + ", lost=" +
            unitsLost + ", HT=" + halfTransfers + ", TC=" + transferCompletes + ", pushed=" + blocksPushed +
            ", overruns=" + overruns + " (overwritten " + periodsOverwritten + ", dropped " + periodsDropped +
            "), stalls=" + stalls + ", delivered=" + blocksDelivered + ", released=" + blocksReleased + ", leaks=" +
            leaksReported + '}';
    }
}
