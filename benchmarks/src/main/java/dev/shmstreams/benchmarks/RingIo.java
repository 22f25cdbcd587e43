package dev.shmstreams.benchmarks;

import dev.shmstreams.transport.ChannelSettings;
import dev.shmstreams.transport.ShmConsumer;
import dev.shmstreams.transport.ShmProducer;
import dev.shmstreams.transport.WaitStrategy;
import dev.shmstreams.transport.WritableFrame;

import java.time.Duration;

/**
 * The ring's documented claim/commit and poll/await loops, as every ring scenario uses them. They
 * return or throw; nothing here allocates on success.
 */
public final class RingIo
{
    /** A wait that long means the peer is gone or hung: fail the scenario instead of hanging it. */
    public static final long PEER_TIMEOUT_NANOS = 20_000_000_000L;

    private RingIo()
    {
    }

    public static ChannelSettings settings(
        final ChildContext ctx, final String name, final int slots, final int slotSize, final WaitStrategy strategy)
    {
        return ChannelSettings.create(name)
            .withDirectory(ctx.directory())
            .withSlotCount(slots)
            .withSlotSize(slotSize)
            .withWaitStrategy(strategy)
            .withAttachTimeout(Duration.ofSeconds(30));
    }

    /** Claim one slot, waiting per the wait strategy while the ring is full. */
    public static long claim(final ShmProducer producer)
    {
        while (true)
        {
            final long sequence = producer.tryClaim();
            if (sequence >= 0)
            {
                return sequence;
            }
            if (sequence != ShmProducer.RING_FULL)
            {
                throw new IllegalStateException("claim failed: " + sequence);
            }
            if (!producer.awaitSpace(PEER_TIMEOUT_NANOS))
            {
                throw new IllegalStateException("no free slot within the peer timeout");
            }
        }
    }

    /** Claim, fill {@code length} bytes with {@code pattern}, commit. */
    public static void send(final ShmProducer producer, final int length, final long pattern)
    {
        final long sequence = claim(producer);
        final WritableFrame frame = producer.frame(sequence);
        Payload.fill(frame.buffer(), 0, length, pattern);
        producer.commit(sequence, length);
    }

    /** Poll, waiting per the wait strategy while the ring is empty. */
    public static long receive(final ShmConsumer consumer)
    {
        while (true)
        {
            final long sequence = consumer.poll();
            if (sequence >= 0)
            {
                return sequence;
            }
            if (sequence != ShmConsumer.EMPTY)
            {
                throw new IllegalStateException("poll failed: " + sequence + " " + consumer.producerError());
            }
            if (!consumer.awaitFrames(PEER_TIMEOUT_NANOS))
            {
                throw new IllegalStateException("no frame within the peer timeout");
            }
        }
    }
}
