package dev.shmstreams.dma;

/** How emulated time relates to the wall clock. */
public enum ClockMode
{
    /**
     * Emulated time is the wall clock (System.nanoTime from the start). Each tick computes how many
     * units are due from elapsed time and delivers the whole blocks completed, so the long-run rate
     * is exact however coarse and late the ticks are.
     */
    REAL_TIME,

    /**
     * Deterministic and as fast as demand allows: when the stream asks for a block and none is
     * ready, the clock jumps to the next transfer-complete instant. Data, timestamps and counters
     * are the same on every run.
     */
    VIRTUAL,

    /**
     * Deterministic, and time moves only when told to ({@code DmaControl.advance}). Lets a test be a
     * slow consumer in emulated time: advance the clock without taking blocks, and the pool starves
     * exactly as on hardware.
     */
    MANUAL
}
