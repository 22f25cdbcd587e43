package dev.shmstreams.dma;

import org.agrona.MutableDirectBuffer;

/**
 * A peripheral that produces a stream of fixed-size units (one DMA transfer each) at its real
 * rate. The rate is a rational number of units per second, {@link #unitsPerSecondNumerator()} /
 * {@link #unitsPerSecondDenominator()}, so that 115,200 baud at 10 bits a character is exactly
 * 11,520 bytes a second and a CAN bus at 500 kbit/s with 111-bit frames is exactly 500,000/111
 * frames a second, with no rounding that could drift over hours.
 *
 * <p>The data is a pure function of the unit index, so a test knows what every byte of every block
 * must be, and a block's content reveals which units it holds (an overwritten or dropped period
 * shows as a jump).
 */
public interface Peripheral
{
    /** @return a short name, e.g. "uart". */
    String name();

    /** @return bytes one transfer moves: 1 for a UART data register, 2 for the ADC's DR half-word, 8 for a CAN frame. */
    int unitBytes();

    /** @return units per second, numerator. */
    long unitsPerSecondNumerator();

    /** @return units per second, denominator (1 unless the rate is fractional). */
    long unitsPerSecondDenominator();

    /**
     * @return true if the peripheral has a DMA request line. False for bxCAN on the F1: its receive
     * FIFO must be emptied by the CPU, so the "ISR" copies each frame into the block.
     */
    default boolean hasDmaRequest()
    {
        return true;
    }

    /**
     * Write units {@code [firstUnit, firstUnit + units)} into the block, in place.
     *
     * @param block     the block's memory.
     * @param offset    byte offset of {@code firstUnit} in the block.
     * @param firstUnit index of the first unit since the peripheral started.
     * @param units     how many units.
     */
    void fill(MutableDirectBuffer block, int offset, long firstUnit, int units);

    /** @return a one-line description with the rate, for logs and reports. */
    String describe();

    /**
     * @param baudRate bits per second on the line.
     * @return a UART receiving 8N1 characters (10 bits each) back to back, counter data.
     */
    static UartPeripheral uart(final int baudRate)
    {
        return UartPeripheral.create(baudRate);
    }

    /**
     * @param channels   ADC channels in the regular scan sequence.
     * @param sampleRate scans per second (each scan converts every channel once).
     * @return an ADC with the default deterministic test signal.
     */
    static AdcPeripheral adc(final int channels, final int sampleRate)
    {
        return AdcPeripheral.create(channels, sampleRate);
    }

    /**
     * @param bitRate CAN bus bit rate.
     * @return a CAN controller receiving 8-byte data frames back to back (100% bus load).
     */
    static CanPeripheral can(final int bitRate)
    {
        return CanPeripheral.create(bitRate);
    }
}
