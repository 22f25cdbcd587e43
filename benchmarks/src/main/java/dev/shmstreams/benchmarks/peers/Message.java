package dev.shmstreams.benchmarks.peers;

import dev.shmstreams.benchmarks.Payload;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * The one message every peer moves, whatever the transport: a 24-byte header and a payload written
 * by {@link Payload#fill} and read by {@link Payload#sum}, so that every peer writes and reads
 * every byte, and a lost, torn, stale or reordered message is counted as an error.
 *
 * <pre>
 *   0  long sequence     0, 1, 2, ... within a phase; the reader expects exactly the next one
 *   8  long intended     fixed rate: the time the message was due (coordinated omission: latency
 *                        is measured from it, not from when the producer got round to it); else 0
 *  16  long ready        the time the producer had filled it and handed it to the transport, or 0
 *                        (at saturation only one small message in 64 is stamped)
 *  24  payload           Payload.fill(pattern(sequence)) up to the message's length
 * </pre>
 * Times are System.nanoTime(), CLOCK_MONOTONIC: one clock for every process on the host.
 */
final class Message
{
    static final int SEQUENCE = 0;
    static final int INTENDED = 8;
    static final int READY = 16;
    static final int HEADER = 24;

    private Message()
    {
    }

    /** A per-message pattern with high bits set, so that a stale message never sums to the expected value. */
    static long pattern(final long sequence)
    {
        return sequence * 0x9E37_79B9_7F4A_7C15L + 1;
    }

    /**
     * Fill a message in place.
     *
     * @param stamp whether to stamp the ready time (read after the fill: the hand-off moment).
     */
    static void write(final MutableDirectBuffer buffer, final int offset, final int length, final long sequence,
        final long intended, final boolean stamp)
    {
        buffer.putLong(offset + SEQUENCE, sequence);
        buffer.putLong(offset + INTENDED, intended);
        Payload.fill(buffer, offset + HEADER, length - HEADER, pattern(sequence));
        buffer.putLong(offset + READY, stamp ? System.nanoTime() : 0);
    }

    /** @return whether the payload of the message at offset is the one its sequence says (reads every byte). */
    static boolean payloadIntact(final DirectBuffer buffer, final int offset, final int length, final long sequence)
    {
        return Payload.sum(buffer, offset + HEADER, length - HEADER) ==
            Payload.expectedSum(pattern(sequence), length - HEADER);
    }
}
