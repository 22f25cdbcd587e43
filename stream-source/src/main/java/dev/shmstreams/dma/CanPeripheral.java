package dev.shmstreams.dma;

import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;
import java.util.Objects;

/**
 * bxCAN receive: 8-byte data frames arriving back to back at the bus bit rate. A standard-ID data
 * frame with 8 data bytes is 111 bits on the wire without stuffing (SOF 1, ID 11, RTR/IDE/r0 3,
 * DLC 4, data 64, CRC 15 + delimiter, ACK 2, EOF 7, intermission 3); worst-case stuffing adds 24
 * ({@link #withBitsPerFrame} to model it, or a bus load below 100%).
 *
 * <p>The F1's bxCAN has no DMA request: frames wait in a 3-deep hardware FIFO and the FIFO-0
 * message-pending interrupt must copy each one (RDLR/RDHR) into memory and release the mailbox.
 * So this "transfer" is a CPU copy of 8 bytes into the pool block, and the half/complete events are
 * raised by that ISR's counter, as the seed's {@code CAN_RX_Handler} does with {@code memcpy}.
 */
public final class CanPeripheral implements Peripheral
{
    /** Standard 11-bit ID, 8 data bytes, no stuff bits. */
    public static final int BITS_PER_FRAME_STANDARD = 111;

    /** Frame {@code i} carries the 64-bit value {@code i}, little-endian: a counter. */
    public static final FrameSource COUNTER = frameIndex -> frameIndex;

    /** The received frames' data, a pure function of the frame index. */
    @FunctionalInterface
    public interface FrameSource
    {
        /**
         * @param frameIndex index since start.
         * @return the 8 data bytes as a little-endian long (RDHR:RDLR).
         */
        long data(long frameIndex);
    }

    private final int bitRate;
    private final int bitsPerFrame;
    private final FrameSource source;

    private CanPeripheral(final int bitRate, final int bitsPerFrame, final FrameSource source)
    {
        if (bitRate <= 0 || bitRate > 1_000_000)
        {
            throw new IllegalArgumentException("classic CAN runs at up to 1 Mbit/s, not " + bitRate);
        }
        if (bitsPerFrame < 44)
        {
            throw new IllegalArgumentException("a CAN frame is at least 44 bits, not " + bitsPerFrame);
        }
        this.bitRate = bitRate;
        this.bitsPerFrame = bitsPerFrame;
        this.source = Objects.requireNonNull(source, "source");
    }

    public static CanPeripheral create(final int bitRate)
    {
        return new CanPeripheral(bitRate, BITS_PER_FRAME_STANDARD, COUNTER);
    }

    /** @param bitsPerFrame bus bits per frame, inter-frame space included (raise it to model bus load). */
    public CanPeripheral withBitsPerFrame(final int bitsPerFrame)
    {
        return new CanPeripheral(bitRate, bitsPerFrame, source);
    }

    public CanPeripheral withFrameSource(final FrameSource source)
    {
        return new CanPeripheral(bitRate, bitsPerFrame, source);
    }

    public int bitRate()
    {
        return bitRate;
    }

    public int bitsPerFrame()
    {
        return bitsPerFrame;
    }

    public FrameSource frameSource()
    {
        return source;
    }

    @Override
    public String name()
    {
        return "can";
    }

    @Override
    public int unitBytes()
    {
        return 8;
    }

    @Override
    public long unitsPerSecondNumerator()
    {
        return bitRate;
    }

    @Override
    public long unitsPerSecondDenominator()
    {
        return bitsPerFrame;
    }

    @Override
    public boolean hasDmaRequest()
    {
        return false;
    }

    @Override
    public void fill(final MutableDirectBuffer block, final int offset, final long firstUnit, final int units)
    {
        for (int i = 0; i < units; i++)
        {
            block.putLong(offset + 8 * i, source.data(firstUnit + i), ByteOrder.LITTLE_ENDIAN);
        }
    }

    @Override
    public String describe()
    {
        return "CAN " + bitRate + " bit/s, " + bitsPerFrame + " bits/frame (" + (double)bitRate / bitsPerFrame +
            " frames/s), copied by the FIFO ISR";
    }
}
