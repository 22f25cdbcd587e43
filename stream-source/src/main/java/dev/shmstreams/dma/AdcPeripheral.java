package dev.shmstreams.dma;

import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;
import java.util.Objects;

/**
 * ADC in scan mode with DMA: a timer triggers a scan {@code sampleRate} times a second, each scan
 * converts the regular sequence of {@code channels} channels in rank order, and the DMA moves each
 * 12-bit result, right-aligned (CR2.ALIGN = 0) in the 16-bit data register, as a half-word.
 * Sample {@code k} is channel {@code k % channels} of scan {@code k / channels}.
 *
 * <p>Timing simplification: samples are spread evenly over the scan period, where the hardware
 * converts a scan's channels back to back (about 1.2 µs each at 14 MHz). Block boundaries, which
 * is all the ISR sees, are off by at most one scan's conversion time.
 *
 * <p>The F1's single ADC tops out at 1 MS/s; 2 MS/s is its dual-ADC fast-interleaved mode, which
 * this emulates as one channel at 2,000,000 samples a second.
 */
public final class AdcPeripheral implements Peripheral
{
    /** The largest 12-bit result. */
    public static final int FULL_SCALE = 0xFFF;

    /**
     * The default test signal: a ramp per channel, offset by 1024 counts per channel:
     * {@code (scan + 1024 * channel) & 0xFFF}. Every sample is distinct within 4096 scans and tells
     * its channel and scan.
     */
    public static final Signal RAMP = (channel, scan) -> (int)((scan + 1024L * channel) & FULL_SCALE);

    /** The analogue input, sampled: a pure function of channel and scan index. */
    @FunctionalInterface
    public interface Signal
    {
        /**
         * @param channel rank in the scan sequence, 0-based.
         * @param scan    scan index since start.
         * @return the conversion result; only the low 12 bits are kept, as the ADC has 12.
         */
        int sample(int channel, long scan);
    }

    private final int channels;
    private final int sampleRate;
    private final Signal signal;

    private AdcPeripheral(final int channels, final int sampleRate, final Signal signal)
    {
        if (channels < 1 || channels > 16)
        {
            throw new IllegalArgumentException("an F1 regular sequence has 1 to 16 channels, not " + channels);
        }
        if (sampleRate <= 0)
        {
            throw new IllegalArgumentException("sample rate must be positive, was " + sampleRate);
        }
        this.channels = channels;
        this.sampleRate = sampleRate;
        this.signal = Objects.requireNonNull(signal, "signal");
    }

    /**
     * @param channels   1 .. 16.
     * @param sampleRate scans per second.
     * @return an ADC producing {@link #RAMP}.
     */
    public static AdcPeripheral create(final int channels, final int sampleRate)
    {
        return new AdcPeripheral(channels, sampleRate, RAMP);
    }

    public AdcPeripheral withSignal(final Signal signal)
    {
        return new AdcPeripheral(channels, sampleRate, signal);
    }

    public int channels()
    {
        return channels;
    }

    public int sampleRate()
    {
        return sampleRate;
    }

    public Signal signal()
    {
        return signal;
    }

    /**
     * @param sampleIndex index of the sample since start.
     * @return the half-word the DMA stores for it.
     */
    public int sampleAt(final long sampleIndex)
    {
        return signal.sample((int)(sampleIndex % channels), sampleIndex / channels) & FULL_SCALE;
    }

    @Override
    public String name()
    {
        return "adc";
    }

    @Override
    public int unitBytes()
    {
        return 2;
    }

    @Override
    public long unitsPerSecondNumerator()
    {
        return (long)channels * sampleRate;
    }

    @Override
    public long unitsPerSecondDenominator()
    {
        return 1;
    }

    @Override
    public void fill(final MutableDirectBuffer block, final int offset, final long firstUnit, final int units)
    {
        int channel = (int)(firstUnit % channels);
        long scan = firstUnit / channels;
        for (int i = 0; i < units; i++)
        {
            // little-endian like the Cortex-M3; right-aligned, bits 15:12 read as zero
            block.putShort(offset + 2 * i, (short)(signal.sample(channel, scan) & FULL_SCALE), ByteOrder.LITTLE_ENDIAN);
            if (++channel == channels)
            {
                channel = 0;
                scan++;
            }
        }
    }

    @Override
    public String describe()
    {
        return "ADC " + channels + " channel(s) x " + sampleRate + " scans/s, 12-bit right-aligned in 16-bit words";
    }
}
