package dev.shmstreams.examples.dma;

import dev.shmstreams.dma.DmaBlock;

/**
 * Checks UART blocks (byte i of the line is {@code (byte) i}) and counts what the overruns cost:
 * a block that follows lost periods carries the mark, and its first unit jumps by exactly that much.
 * Called by one mapAsync at a time.
 */
final class UartCheck
{
    long blocks;
    long bytes;
    long wrong;
    long marked;
    long markedLost;

    long add(final DmaBlock block)
    {
        for (int i = 0; i < block.length(); i++)
        {
            if (block.buffer().getByte(i) != (byte)(block.firstUnit() + i))
            {
                wrong++;
                break;
            }
        }
        if (block.followsOverrun())
        {
            marked++;
            markedLost += block.lostPeriodsBefore();
        }
        blocks++;
        bytes += block.length();
        return block.sequence();
    }
}
