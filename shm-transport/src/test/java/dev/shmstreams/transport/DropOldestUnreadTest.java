package dev.shmstreams.transport;

import dev.shmstreams.transport.layout.ParticipantDescriptor;
import dev.shmstreams.transport.test.ShmTestDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The drop-oldest-unread overflow mode: a full ring drops the oldest frame the consumer has not
 * claimed; a frame the consumer claimed is never dropped or overwritten.
 */
@ExtendWith(ShmTestDirectory.class)
class DropOldestUnreadTest
{
    private static ChannelSettings settings(final Path dir)
    {
        return ChannelSettings.create("live").withDirectory(dir).withSlotCount(4).withSlotSize(4096)
            .withDropOldestUnread(true);
    }

    private static void send(final ShmProducer producer, final long value)
    {
        final long seq = producer.tryClaim();
        assertTrue(seq >= 0, "claim: " + seq);
        producer.frame(seq).buffer().putLong(0, value);
        producer.commit(seq, 8);
    }

    @Test
    void aFullRingDropsTheOldestUnreadFrame(final Path dir)
    {
        try (ShmProducer producer = ShmProducer.create(settings(dir));
             ShmConsumer consumer = ShmConsumer.attach(settings(dir)))
        {
            assertTrue(producer.dropsOldestUnread());
            for (int i = 0; i < 6; i++)
            {
                send(producer, i);
            }
            assertEquals(2, producer.counter(ParticipantDescriptor.PRODUCER_DROPPED));
            assertEquals(0, producer.counter(ParticipantDescriptor.PRODUCER_RING_FULL));
            for (long expected = 2; expected < 6; expected++)
            {
                final long seq = consumer.poll();
                assertEquals(expected, seq, "the freshest frames survive");
                assertEquals(expected, consumer.frame(seq).buffer().getLong(0));
                consumer.release(seq);
            }
            assertEquals(ShmConsumer.EMPTY, consumer.poll());
            assertEquals(2, consumer.counter(ParticipantDescriptor.CONSUMER_DROPPED));
            assertEquals(6, consumer.released(), "dropped frames count as released");
        }
    }

    @Test
    void aFrameTheConsumerHoldsIsNeverDropped(final Path dir)
    {
        try (ShmProducer producer = ShmProducer.create(settings(dir));
             ShmConsumer consumer = ShmConsumer.attach(settings(dir)))
        {
            for (int i = 0; i < 4; i++)
            {
                send(producer, i);
            }
            final long held = consumer.poll();
            assertEquals(0, held);
            assertEquals(ShmProducer.RING_FULL, producer.tryClaim(), "the oldest frame is held: wait, do not drop");
            assertEquals(0, consumer.frame(held).buffer().getLong(0), "the held frame is intact");
            consumer.release(held);
            send(producer, 4);
            send(producer, 5);
            assertEquals(1, producer.counter(ParticipantDescriptor.PRODUCER_DROPPED), "frame 1 was unread: dropped");
            assertEquals(2, consumer.poll());
        }
    }

    @Test
    void withoutAConsumerTheRingKeepsTheLatestFrames(final Path dir)
    {
        try (ShmProducer producer = ShmProducer.create(settings(dir)))
        {
            for (int i = 0; i < 100; i++)
            {
                send(producer, i);
            }
            try (ShmConsumer consumer = ShmConsumer.attach(settings(dir)))
            {
                for (long expected = 96; expected < 100; expected++)
                {
                    final long seq = consumer.poll();
                    assertEquals(expected, consumer.frame(seq).buffer().getLong(0));
                    consumer.release(seq);
                }
            }
        }
    }

    @Test
    void aReattachingConsumerStartsAtTheReadCursorWithoutRedelivery(final Path dir)
    {
        try (ShmProducer producer = ShmProducer.create(settings(dir)))
        {
            final ShmConsumer first = ShmConsumer.attach(settings(dir));
            send(producer, 0);
            send(producer, 1);
            send(producer, 2);
            assertEquals(0, first.poll());
            assertEquals(1, first.poll());
            first.close();
            try (ShmConsumer second = ShmConsumer.attach(settings(dir)))
            {
                final long seq = second.poll();
                assertEquals(2, seq, "a live channel does not replay what the previous consumer held");
                assertFalse(second.frame(seq).isRedelivered());
                second.release(seq);
                assertEquals(3, second.released());
            }
        }
    }

    /**
     * Attaching reads the published sequence and the read cursor apart; a producer that publishes
     * and drops in between must not make a healthy channel look corrupt (found by jcstress work).
     */
    @Test
    void attachingToALiveDropModeChannelNeverReportsCorruption()
        throws Exception
    {
        final ChannelSettings settings = ChannelSettings.create("live").withDropOldestUnread(true);
        final dev.shmstreams.transport.internal.RingMemory memory = dev.shmstreams.transport.internal.RingMemory.onHeap(
            dev.shmstreams.transport.layout.SegmentLayout.forCreation(1, 4096, 4096));
        ShmProducer.initialise(memory, settings, new byte[0], false);
        final ShmProducer producer = new ShmProducer(memory, settings, java.util.List.of());
        final AtomicBoolean stop = new AtomicBoolean();
        final CompletableFuture<Void> produce = CompletableFuture.runAsync(() ->
        {
            while (!stop.get())
            {
                final long seq = producer.tryClaim();
                if (seq >= 0)
                {
                    producer.commit(seq, 8);
                }
            }
        });
        try
        {
            for (int i = 0; i < 1_000_000; i++)
            {
                new ShmConsumer(memory, settings);
            }
        }
        finally
        {
            stop.set(true);
            produce.get(30, TimeUnit.SECONDS);
        }
    }

    /** Two threads race on a 2-slot ring: every frame the consumer reads is whole and in order. */
    @ParameterizedTest
    @ValueSource(booleans = { false, true })
    void aRacingProducerNeverOverwritesAClaimedFrame(final boolean mapped, final Path dir) throws Exception
    {
        final ChannelSettings settings = settings(dir).withSlotCount(2);
        final ShmProducer producer;
        final ShmConsumer consumer;
        if (mapped)
        {
            producer = ShmProducer.create(settings);
            consumer = ShmConsumer.attach(settings);
        }
        else
        {
            final InMemoryRing ring = InMemoryRing.create(2, 4096, settings);
            producer = ring.producer();
            consumer = ring.consumer();
        }
        final long target = 20_000;
        final AtomicBoolean failed = new AtomicBoolean();
        final java.util.concurrent.atomic.AtomicLong read = new java.util.concurrent.atomic.AtomicLong();
        final java.util.concurrent.atomic.AtomicLong sent = new java.util.concurrent.atomic.AtomicLong();
        // the producer runs until the consumer has read `target` frames: the race is exercised
        // however the two threads get scheduled, and the producer drops whenever it runs ahead
        final CompletableFuture<Void> produce = CompletableFuture.runAsync(() ->
        {
            final SplittableRandom random = new SplittableRandom(1);
            while (read.get() < target && !failed.get())
            {
                final long seq = producer.tryClaim();
                if (seq < 0)
                {
                    Thread.onSpinWait();
                    continue;
                }
                final int words = 1 + random.nextInt(16);
                for (int w = 0; w < words; w++)
                {
                    producer.frame(seq).buffer().putLong(w * 8, seq * 31 + w);
                }
                producer.commit(seq, words * 8);
                if ((sent.incrementAndGet() & 15) == 0)
                {
                    Thread.yield();
                }
                for (int pause = random.nextInt(64); pause > 0; pause--)
                {
                    Thread.onSpinWait();
                }
            }
            producer.complete();
        });
        long last = -1;
        try
        {
            while (true)
            {
                final long seq = consumer.poll();
                if (seq == ShmConsumer.EMPTY)
                {
                    if (produce.isCompletedExceptionally())
                    {
                        produce.join();
                    }
                    Thread.onSpinWait();
                    continue;
                }
                if (seq < 0)
                {
                    assertEquals(ShmConsumer.END_OF_STREAM, seq);
                    break;
                }
                assertTrue(seq > last, "in order: " + seq + " after " + last);
                last = seq;
                final Frame frame = consumer.frame(seq);
                for (int w = 0; w < frame.length() / 8; w++)
                {
                    assertEquals(seq * 31 + w, frame.buffer().getLong(w * 8), "frame " + seq + " word " + w);
                }
                assertEquals(seq * 31, frame.buffer().getLong(0), "still intact after reading it all");
                consumer.release(seq);
                read.incrementAndGet();
            }
        }
        catch (final AssertionError | RuntimeException ex)
        {
            failed.set(true);
            throw ex;
        }
        produce.get(120, TimeUnit.SECONDS);
        assertTrue(read.get() >= target);
        assertEquals(sent.get(), read.get() + consumer.counter(ParticipantDescriptor.CONSUMER_DROPPED),
            "every frame was either read once or dropped");
        assertEquals(consumer.counter(ParticipantDescriptor.CONSUMER_DROPPED),
            producer.counter(ParticipantDescriptor.PRODUCER_DROPPED), "both sides agree on the drops");
        consumer.close();
        producer.close();
    }
}
