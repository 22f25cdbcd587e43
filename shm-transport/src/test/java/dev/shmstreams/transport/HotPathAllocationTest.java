package dev.shmstreams.transport;

import dev.shmstreams.transport.test.ShmTestDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The ring's hot path allocates nothing: measured with the thread's allocation counter (exact, not
 * a timing) over many frames after warm-up.
 */
@ExtendWith(ShmTestDirectory.class)
class HotPathAllocationTest
{
    private static final com.sun.management.ThreadMXBean THREADS =
        (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();

    private static long sink;

    private static final FrameHandler READ = frame -> sink += frame.buffer().getLong(0) + frame.length();

    @Test
    void claimCommitPollReleaseAndBatchesAllocateNothing(final Path dir)
    {
        final ChannelSettings settings = ChannelSettings.create("alloc").withDirectory(dir).withSlotCount(8)
            .withSlotSize(4096);
        try (ShmProducer producer = ShmProducer.create(settings);
             ShmConsumer consumer = ShmConsumer.attach(settings))
        {
            cycle(producer, consumer, 300_000);
            final long before = THREADS.getCurrentThreadAllocatedBytes();
            cycle(producer, consumer, 200_000);
            final long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
            assertEquals(0, allocated, "bytes allocated over 200,000 single frames and 200,000 batched frames");
        }
    }

    private static void cycle(final ShmProducer producer, final ShmConsumer consumer, final int frames)
    {
        for (int i = 0; i < frames; i++)
        {
            final long seq = producer.tryClaim();
            producer.frame(seq).buffer().putLong(0, i);
            producer.commit(seq, 64);
            final long got = consumer.poll();
            sink += consumer.frame(got).buffer().getLong(0);
            consumer.release(got);
        }
        for (int i = 0; i < frames; i += 4)
        {
            final long first = producer.tryClaim(4);
            for (long s = first; s < first + 4; s++)
            {
                producer.frame(s).length(64).buffer().putLong(0, s);
            }
            producer.commitUpTo(first + 3);
            consumer.drain(READ, 4);
        }
    }
}
