package dev.shmstreams.stream.it;

import dev.shmstreams.transport.it.ChildJvm;
import dev.shmstreams.transport.test.ShmTestDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Two processes, each running an Akka graph: a ShmSink in one, a ShmSource in the other.
 * Assertions are about counts, order, checksums and typed failures, never about speed.
 */
@ExtendWith(ShmTestDirectory.class)
class AkkaCrossProcessIT
{
    private static final Duration START = Duration.ofSeconds(60);
    private static final Duration TRANSFER = Duration.ofSeconds(180);
    private static final Duration DETECTION = Duration.ofSeconds(30);
    private static final int SLOTS = 16;

    private static List<String> args(final Path dir, final String... more)
    {
        final List<String> args = new ArrayList<>(List.of("dir=" + dir, "channel=akka", "slots=" + SLOTS));
        args.addAll(List.of(more));
        return args;
    }

    private static ChildJvm producer(final String name, final Path dir, final String... more)
    {
        return ChildJvm.start("AkkaCrossProcessIT." + name + ".producer", AkkaProducerMain.class, args(dir, more));
    }

    private static ChildJvm consumer(final String name, final Path dir, final String... more)
    {
        return ChildJvm.start("AkkaCrossProcessIT." + name + ".consumer", AkkaConsumerMain.class, args(dir, more));
    }

    @Test
    void fiftyThousandFramesInOrderWithChecksums(final Path dir)
    {
        try (ChildJvm consumer = consumer("transfer", dir);
             ChildJvm producer = producer("transfer", dir, "frames=50000"))
        {
            final ChildJvm.Line done = consumer.awaitLine(Pattern.compile("^(DONE|FAILED).*"), TRANSFER);
            assertEquals("DONE count=50000", done.text());
            assertTrue(producer.awaitLine(Pattern.compile("^(DONE|FAILED).*"), TRANSFER).text().startsWith("DONE"));
            assertEquals(0, consumer.awaitExit(START));
            assertEquals(0, producer.awaitExit(START));
        }
        assertEquals(List.of(), ShmTestDirectory.leftovers(dir), "the last side out removed the segment");
    }

    /**
     * A consumer throttled to 800 frames/s: the producer graph is slowed to the same pace (its
     * upstream pulls at most a ring plus one element ahead), nothing is lost, and the producer's
     * heap does not grow with the frames.
     *
     * <p>Each element is a fresh 4 KiB array the sink copies into its slot, so a sink (or anything
     * in the graph) keeping elements keeps 4 KiB per frame. The producer samples its heap after a
     * full GC (each pool's use when its last collection ended: no allocation after the GC counts)
     * every 200 frames, about 20 samples over 4,000 frames; they vary by a few tens of KB. The
     * floor of the last four samples must be within 256 KiB of the floor of the first four after
     * warm-up, about 2,500 frames earlier: an injected leak of 128 bytes per frame broke it (+272 KB),
     * one element per frame (4 KiB, 10 MB) breaks it by far.
     */
    @Test
    void aSlowConsumerSlowsTheProducerGraphWithoutLossOrGrowth(final Path dir)
    {
        final int frames = 4_000;
        try (ChildJvm consumer = consumer("slow", dir, "rate=800");
             ChildJvm producer = producer("slow", dir, "frames=" + frames, "payload=4096", "memEvery=200"))
        {
            final List<long[]> heap = new ArrayList<>();
            long maxInFlight = 0;
            int samples = 0;
            while (true)
            {
                final ChildJvm.Line line = producer.awaitLine(Pattern.compile("^(PULLED|MEM|DONE|FAILED).*"), TRANSFER);
                if (line.text().startsWith("MEM"))
                {
                    heap.add(new long[] { line.longField("frames"), line.longField("heapAfterGc") });
                    continue;
                }
                if (!line.text().startsWith("PULLED"))
                {
                    assertTrue(line.text().startsWith("DONE"), line.text());
                    break;
                }
                final String[] fields = line.text().split(" ");
                final long upstream = Long.parseLong(fields[1]);
                final long released = Long.parseLong(fields[2].substring("released=".length()));
                if (released >= 0)
                {
                    // the ring (16) plus the element being written: nothing else piles up
                    assertTrue(upstream - released <= SLOTS + 1, "in flight at one instant: " + line.text());
                    maxInFlight = Math.max(maxInFlight, upstream - released);
                    samples++;
                }
            }
            assertTrue(maxInFlight >= SLOTS - 2, "the ring filled up: the producer waited for the consumer");
            assertTrue(samples >= 10, "the producer had to wait for the consumer: " + samples + " samples");
            assertEquals("DONE count=" + frames, consumer.awaitLine(Pattern.compile("^(DONE|FAILED).*"), TRANSFER).text());

            // the first two samples are warm-up (classes loaded, first-use allocations of Akka and the stage)
            final List<long[]> steady = heap.subList(Math.min(2, heap.size()), heap.size());
            assertTrue(steady.size() >= 10, "heap sampled across the run: " + describe(heap));
            final List<long[]> first = steady.subList(0, 4);
            final List<long[]> last = steady.subList(steady.size() - 4, steady.size());
            final long growth = floor(last) - floor(first);
            final long frameSpan = last.get(0)[0] - first.get(first.size() - 1)[0];
            assertTrue(growth < 256L << 10, "the producer's heap after GC rose by " + growth + " bytes over about " +
                frameSpan + " frames (" + Math.round(slope(steady)) + " B/frame): " + describe(heap));
        }
        assertEquals(List.of(), ShmTestDirectory.leftovers(dir));
    }

    private static long floor(final List<long[]> samples)
    {
        return samples.stream().mapToLong(sample -> sample[1]).min().orElseThrow();
    }

    /** @return the least-squares slope of samples {frames, bytes}: bytes per frame. */
    private static double slope(final List<long[]> samples)
    {
        double meanX = 0;
        double meanY = 0;
        for (final long[] sample : samples)
        {
            meanX += sample[0];
            meanY += sample[1];
        }
        meanX /= samples.size();
        meanY /= samples.size();
        double covariance = 0;
        double variance = 0;
        for (final long[] sample : samples)
        {
            covariance += (sample[0] - meanX) * (sample[1] - meanY);
            variance += (sample[0] - meanX) * (sample[0] - meanX);
        }
        return variance == 0 ? 0 : covariance / variance;
    }

    private static String describe(final List<long[]> samples)
    {
        final StringBuilder text = new StringBuilder();
        for (final long[] sample : samples)
        {
            text.append(' ').append(sample[0]).append(':').append(sample[1] >> 10).append("KiB");
        }
        return text.toString().trim();
    }

    @Test
    void killingTheProducerFailsTheConsumerGraphWithPeerLost(final Path dir)
    {
        try (ChildJvm consumer = consumer("killProducer", dir);
             ChildJvm producer = producer("killProducer", dir))
        {
            consumer.awaitLine(Pattern.compile("^RECEIVED [1-9][0-9]{3,}$"), TRANSFER);
            producer.kill9();
            final ChildJvm.Line failed = consumer.awaitLine(Pattern.compile("^(DONE|FAILED).*"), DETECTION);
            assertTrue(failed.text().startsWith("FAILED dev.shmstreams.transport.PeerLostException"), failed.text());
            assertEquals(1, consumer.awaitExit(START));
        }
        assertEquals(List.of(), ShmTestDirectory.leftovers(dir), "the surviving consumer removed the segment");
    }

    @Test
    void killingTheConsumerFailsTheProducerGraphWithPeerLost(final Path dir)
    {
        try (ChildJvm consumer = consumer("killConsumer", dir);
             ChildJvm producer = producer("killConsumer", dir))
        {
            consumer.awaitLine(Pattern.compile("^RECEIVED [1-9][0-9]{3,}$"), TRANSFER);
            consumer.kill9();
            final ChildJvm.Line failed = producer.awaitLine(Pattern.compile("^(DONE|FAILED).*"), DETECTION);
            assertTrue(failed.text().startsWith("FAILED dev.shmstreams.transport.PeerLostException"), failed.text());
            assertEquals(1, producer.awaitExit(START));
        }
        assertEquals(List.of(), ShmTestDirectory.leftovers(dir), "the surviving producer removed the segment");
    }
}
