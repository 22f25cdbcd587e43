package dev.shmstreams.transport;

import dev.shmstreams.transport.test.ShmTestDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A producer waiting for several free slots at once (ShmSink does, once its ring is full) must not
 * wait for slots a consumer will never free: a consumer that has taken every frame and holds some
 * until it gets another is waiting for the producer.
 */
@ExtendWith(ShmTestDirectory.class)
class SpaceWaiterTest
{
    private static final int SLOTS = 8;

    private static ChannelSettings settings(final Path dir)
    {
        return ChannelSettings.create("space").withDirectory(dir).withSlotCount(SLOTS).withSlotSize(4096)
            .withWaitStrategy(WaitStrategy.BLOCKING).withAttachTimeout(Duration.ofSeconds(5));
    }

    private static void fill(final ShmProducer producer)
    {
        for (int i = 0; i < SLOTS; i++)
        {
            producer.commit(producer.tryClaim(), 8);
        }
    }

    @Test
    void aWaitForSeveralSlotsEndsWhenTheConsumerHasTakenEverythingAndOneSlotIsFree(final Path dir)
    {
        try (ShmProducer producer = ShmProducer.create(settings(dir));
             ShmConsumer consumer = ShmConsumer.attach(settings(dir)))
        {
            fill(producer);
            final ChannelWaiter space = producer.newWaiter();
            final long twoFree = producer.nextSequence() + 1;
            final long first = consumer.poll();
            for (int i = 1; i < SLOTS - 1; i++)
            {
                consumer.poll();
            }
            consumer.release(first);
            assertFalse(space.poll(twoFree), "one slot free and a frame the consumer has not taken: keep waiting");

            consumer.poll();
            assertTrue(space.poll(twoFree), "the consumer took every frame and holds them: one free slot must do");
            assertTrue(space.poll(producer.nextSequence()), "the next sequence alone can be claimed");
            assertFalse(space.poll(producer.nextSequence() + SLOTS - 1),
                "a wait for the whole ring (a drain) still waits for every release");
        }
    }

    @Test
    void aWaitForSeveralSlotsEndsWhenThatManyAreFree(final Path dir)
    {
        try (ShmProducer producer = ShmProducer.create(settings(dir));
             ShmConsumer consumer = ShmConsumer.attach(settings(dir)))
        {
            fill(producer);
            final ChannelWaiter space = producer.newWaiter();
            final long twoFree = producer.nextSequence() + 1;
            consumer.release(consumer.poll());
            assertFalse(space.poll(twoFree));
            consumer.release(consumer.poll());
            assertTrue(space.poll(twoFree));
        }
    }
}
