package dev.shmstreams.dma;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * The materialized value of a DMA source: counters, leaks and the RAM table, readable from any
 * thread, and the two commands a test or an operator needs.
 */
public interface DmaControl
{
    /** @return the counters now (zeros before the stage started). */
    DmaStats stats();

    /** @return the blocks found held past the leak threshold at the last scan (every threshold / 8 periods). */
    List<BlockLeak> leaks();

    /** @return the pool's RAM table (known from the settings; the pool is allocated once at start). */
    Footprint footprint();

    /**
     * Move a {@link ClockMode#MANUAL} clock forward: the hardware runs for {@code duration} of
     * emulated time, whether or not the stream takes blocks, so a consumer that does not keep up
     * overruns exactly as on the MCU.
     *
     * @param duration emulated time to run.
     * @return completes with the counters once the emulator has run; fails if the clock is not manual
     * or the stage has stopped.
     */
    CompletionStage<DmaStats> advance(Duration duration);

    /**
     * Stop the channel: a partly filled block is flushed ({@link DmaEvent#FLUSH}), blocks already
     * pushed are still delivered, then the source completes.
     */
    void stop();
}
