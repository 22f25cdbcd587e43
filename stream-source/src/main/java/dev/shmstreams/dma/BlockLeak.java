package dev.shmstreams.dma;

/**
 * A block held by the consumer for longer than the leak threshold: on the MCU, a block the main
 * loop never marked reusable, which shrinks the pool until every transfer overruns.
 */
public final class BlockLeak
{
    private final int blockIndex;
    private final long sequence;
    private final long period;
    private final long agePeriods;
    private final long ageNanos;

    public BlockLeak(final int blockIndex, final long sequence, final long period, final long agePeriods,
        final long ageNanos)
    {
        this.blockIndex = blockIndex;
        this.sequence = sequence;
        this.period = period;
        this.agePeriods = agePeriods;
        this.ageNanos = ageNanos;
    }

    /** @return the pool block. */
    public int blockIndex()
    {
        return blockIndex;
    }

    /** @return the delivery sequence of the held block. */
    public long sequence()
    {
        return sequence;
    }

    /** @return the DMA period whose data it holds. */
    public long period()
    {
        return period;
    }

    /** @return DMA periods elapsed since it was handed to the consumer. */
    public long agePeriods()
    {
        return agePeriods;
    }

    /** @return emulated nanoseconds since it was handed to the consumer. */
    public long ageNanos()
    {
        return ageNanos;
    }

    @Override
    public String toString()
    {
        return "BlockLeak{block=" + blockIndex + ", sequence=" + sequence + ", period=" + period + ", held for " +
            agePeriods + " DMA periods (" + ageNanos / 1_000_000.0 + " ms emulated)}";
    }
}
