package dev.shmstreams.dma;

/**
 * What the emulated hardware does when the transfer-complete interrupt finds no free block to
 * re-target the DMA channel at. Hardware does not wait: a peripheral keeps shifting data in
 * whatever the firmware does, so the two hardware policies lose data and count it. Only
 * {@link #BACKPRESSURE} stops the peripheral, which no real UART, ADC or CAN controller can do.
 */
public enum OverrunPolicy
{
    /**
     * The channel stays on the block it just filled (circular mode reloads CNDTR and keeps the same
     * CMAR), so the next period overwrites it: the period just completed is lost, counted as an
     * overrun, and the block that finally reaches the stream is marked with the number of periods
     * lost before it ({@link DmaBlock#lostPeriodsBefore()}). The stream sees the newest data.
     * This is what the seed's ISR does when its push fails.
     */
    OVERWRITE,

    /**
     * The block just filled is pushed (its data is good) and the channel is disabled for the next
     * period: that period's data is discarded (on hardware the peripheral's own overrun flag, UART
     * ORE or ADC OVR, is what remains), counted, and marked on the next block pushed. The ISR retries
     * at every period boundary. The stream sees the oldest data.
     */
    DROP,

    /**
     * For tests only, and not a hardware behaviour: emulated time stops while no block is free, so
     * nothing is lost and the data stream is exact whatever the consumer does. Stalls are counted.
     */
    BACKPRESSURE
}
