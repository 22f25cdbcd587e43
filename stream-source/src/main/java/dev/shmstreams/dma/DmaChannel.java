package dev.shmstreams.dma;

/**
 * One channel of the F1's DMA1 in circular mode, as registers: CMAR (the block it writes),
 * CNDTR (transfers left in this period) and the HTIF / TCIF flags. The peripheral moves units
 * into it; the emulator's "ISR" reads and clears the flags and re-targets CMAR.
 *
 * <p>On the F1, CMAR must not be written while the channel is enabled, so a real ISR disables the
 * channel, re-targets it and re-enables it. The emulator re-targets at the transfer-complete
 * instant: the real ISR's latency is absorbed by the peripheral's data register (one UART
 * character time, one ADC conversion), which is why the emulator needs no extra latency to be
 * faithful on rate.
 */
public final class DmaChannel
{
    /** CMAR value of a disabled channel. */
    public static final long NO_TARGET = -1;

    private final int unitsPerPeriod;
    private final int halfUnits;
    private long cmar = NO_TARGET;
    private int cndtr;
    private boolean htif;
    private boolean tcif;

    /** @param unitsPerPeriod CNDTR's reload value: 2 .. 65535, as the register is 16 bits. */
    public DmaChannel(final int unitsPerPeriod)
    {
        if (unitsPerPeriod < 2 || unitsPerPeriod > 0xFFFF)
        {
            throw new IllegalArgumentException("CNDTR is 16 bits: a period is 2 .. 65535 transfers, not " +
                unitsPerPeriod);
        }
        this.unitsPerPeriod = unitsPerPeriod;
        this.halfUnits = unitsPerPeriod / 2;
        this.cndtr = unitsPerPeriod;
    }

    /** @param block the new CMAR; {@link #NO_TARGET} disables the channel (transfers are discarded). */
    void target(final long block)
    {
        cmar = block;
    }

    /** @return transfers until the next flag is set: to half, or to the end of the period. */
    int unitsToNextEvent()
    {
        final int done = unitsPerPeriod - cndtr;
        return done < halfUnits ? halfUnits - done : cndtr;
    }

    /**
     * Move {@code units} transfers, at most {@link #unitsToNextEvent()}.
     *
     * @param units transfers.
     * @return the offset in units, within the period, of the first one.
     */
    int transfer(final int units)
    {
        final int offset = unitsPerPeriod - cndtr;
        cndtr -= units;
        if (offset < halfUnits && offset + units >= halfUnits)
        {
            htif = true;
        }
        if (cndtr == 0)
        {
            tcif = true;
            cndtr = unitsPerPeriod; // circular mode: CNDTR reloads by itself
        }
        return offset;
    }

    boolean takeHalfTransfer()
    {
        final boolean flag = htif;
        htif = false;
        return flag;
    }

    boolean takeTransferComplete()
    {
        final boolean flag = tcif;
        tcif = false;
        return flag;
    }

    /** @return the block being written, or {@link #NO_TARGET}. */
    public long cmar()
    {
        return cmar;
    }

    /** @return transfers left in the current period. */
    public int cndtr()
    {
        return cndtr;
    }

    /** @return transfers done in the current period. */
    public int transferredInPeriod()
    {
        return unitsPerPeriod - cndtr;
    }

    public int unitsPerPeriod()
    {
        return unitsPerPeriod;
    }

    @Override
    public String toString()
    {
        return "DmaChannel{CMAR=" + cmar + ", CNDTR=" + cndtr + "/" + unitsPerPeriod + '}';
    }
}
