package dev.shmstreams.examples.dma;

import dev.shmstreams.dma.AdcPeripheral;
import dev.shmstreams.dma.DmaBlock;

import java.nio.ByteOrder;

/**
 * What the ADC graph keeps of one DMA block: per channel the sum of squares of its samples (about
 * mid-scale), the count, and how many samples differ from what the peripheral must have converted.
 */
final class AdcBlock
{
    final double[] squares;
    final long[] counts;
    final long completeNanos;
    long wrong;

    private AdcBlock(final int channels, final long completeNanos)
    {
        this.squares = new double[channels];
        this.counts = new long[channels];
        this.completeNanos = completeNanos;
    }

    /** Reads the block in place: 12-bit samples, right-aligned in little-endian 16-bit words, channel k % n. */
    static AdcBlock read(final DmaBlock block, final AdcPeripheral adc)
    {
        final int channels = adc.channels();
        final AdcBlock result = new AdcBlock(channels, block.completeNanos());
        for (int i = 0; i < block.units(); i++)
        {
            final long k = block.firstUnit() + i;
            final int sample = block.buffer().getShort(2 * i, ByteOrder.LITTLE_ENDIAN);
            if (sample != adc.sampleAt(k))
            {
                result.wrong++;
            }
            final int channel = (int)(k % channels);
            final double centred = sample - 2048.0;
            result.squares[channel] += centred * centred;
            result.counts[channel]++;
        }
        return result;
    }
}
