package dev.shmstreams.dma;

import org.agrona.MutableDirectBuffer;

import java.util.Objects;

/**
 * USART receive with DMA (USART_CR3.DMAR): one byte per transfer, a character every
 * {@code bitsPerCharacter} bit times. 8N1 framing is 10 bits (start, 8 data, stop), so 115,200 baud
 * carries 11,520 bytes a second; 8E1 or 8N2 is 11. The line is assumed busy back to back: the
 * worst case a receive path must sustain.
 */
public final class UartPeripheral implements Peripheral
{
    /** Start + 8 data + stop bits. */
    public static final int BITS_8N1 = 10;

    /** Data byte {@code i} is {@code (byte)i}: a counter, so gaps and reordering show. */
    public static final Generator COUNTER = index -> (byte)index;

    /** Produces the received bytes, a pure function of the byte's index since the UART started. */
    @FunctionalInterface
    public interface Generator
    {
        /**
         * @param index byte index since start.
         * @return the byte received.
         */
        byte byteAt(long index);

        /**
         * Bulk form; override for speed.
         *
         * @param block     destination.
         * @param offset    byte offset in it.
         * @param firstByte index of the first byte.
         * @param length    bytes to write.
         */
        default void fill(final MutableDirectBuffer block, final int offset, final long firstByte, final int length)
        {
            for (int i = 0; i < length; i++)
            {
                block.putByte(offset + i, byteAt(firstByte + i));
            }
        }
    }

    private final int baudRate;
    private final int bitsPerCharacter;
    private final Generator generator;

    private UartPeripheral(final int baudRate, final int bitsPerCharacter, final Generator generator)
    {
        if (baudRate <= 0)
        {
            throw new IllegalArgumentException("baud rate must be positive, was " + baudRate);
        }
        if (bitsPerCharacter < 7 || bitsPerCharacter > 13)
        {
            throw new IllegalArgumentException("a UART character is 7 to 13 bits on the line, not " + bitsPerCharacter);
        }
        this.baudRate = baudRate;
        this.bitsPerCharacter = bitsPerCharacter;
        this.generator = Objects.requireNonNull(generator, "generator");
    }

    /**
     * @param baudRate bits per second.
     * @return 8N1, counter data.
     */
    public static UartPeripheral create(final int baudRate)
    {
        return new UartPeripheral(baudRate, BITS_8N1, COUNTER);
    }

    /** @param bitsPerCharacter bits on the line per byte: 10 for 8N1, 11 for 8E1 / 8N2. */
    public UartPeripheral withBitsPerCharacter(final int bitsPerCharacter)
    {
        return new UartPeripheral(baudRate, bitsPerCharacter, generator);
    }

    /** @param generator the received data. */
    public UartPeripheral withGenerator(final Generator generator)
    {
        return new UartPeripheral(baudRate, bitsPerCharacter, generator);
    }

    public int baudRate()
    {
        return baudRate;
    }

    public int bitsPerCharacter()
    {
        return bitsPerCharacter;
    }

    public Generator generator()
    {
        return generator;
    }

    @Override
    public String name()
    {
        return "uart";
    }

    @Override
    public int unitBytes()
    {
        return 1;
    }

    @Override
    public long unitsPerSecondNumerator()
    {
        return baudRate;
    }

    @Override
    public long unitsPerSecondDenominator()
    {
        return bitsPerCharacter;
    }

    @Override
    public void fill(final MutableDirectBuffer block, final int offset, final long firstUnit, final int units)
    {
        generator.fill(block, offset, firstUnit, units);
    }

    @Override
    public String describe()
    {
        return "UART " + baudRate + " baud, " + bitsPerCharacter + " bits/character (" +
            (double)baudRate / bitsPerCharacter + " bytes/s)";
    }
}
