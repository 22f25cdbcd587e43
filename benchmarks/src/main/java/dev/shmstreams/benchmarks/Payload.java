package dev.shmstreams.benchmarks;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * The one fill and the one read every scenario uses, so that the ring and its peers do exactly the
 * same work per byte: the producer writes {@code pattern, pattern + 1, ...} as longs, the consumer
 * sums every long and compares with the closed form, which catches torn, stale or reordered frames
 * without a second pass over the data.
 */
public final class Payload
{
    private Payload()
    {
    }

    /**
     * @param buffer  destination, written in place.
     * @param offset  first byte.
     * @param length  bytes, a multiple of 8.
     * @param pattern value of the first long; each following long is one more.
     */
    public static void fill(final MutableDirectBuffer buffer, final int offset, final int length, final long pattern)
    {
        final int end = offset + length;
        long value = pattern;
        for (int i = offset; i < end; i += Long.BYTES)
        {
            buffer.putLong(i, value++);
        }
    }

    /**
     * @param buffer source, read in place.
     * @param offset first byte.
     * @param length bytes, a multiple of 8.
     * @return the sum of every long.
     */
    public static long sum(final DirectBuffer buffer, final int offset, final int length)
    {
        final int end = offset + length;
        long sum = 0;
        for (int i = offset; i < end; i += Long.BYTES)
        {
            sum += buffer.getLong(i);
        }
        return sum;
    }

    /**
     * @param pattern value of the first long.
     * @param length  bytes, a multiple of 8.
     * @return what {@link #sum} returns for a frame {@link #fill}ed with this pattern.
     */
    public static long expectedSum(final long pattern, final int length)
    {
        final long n = length / Long.BYTES;
        return n * pattern + n * (n - 1) / 2;
    }
}
