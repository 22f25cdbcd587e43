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
     * A consumer throttled to 500 frames/s: the producer graph is slowed to the same pace (its
     * upstream pulls at most a ring plus one element ahead), nothing is lost, heap stays flat.
     */
    @Test
    void aSlowConsumerSlowsTheProducerGraphWithoutLossOrGrowth(final Path dir)
    {
        final int frames = 2_000;
        try (ChildJvm consumer = consumer("slow", dir, "rate=500");
             ChildJvm producer = producer("slow", dir, "frames=" + frames))
        {
            long firstHeap = -1;
            long lastHeap = -1;
            long maxInFlight = 0;
            int samples = 0;
            while (true)
            {
                final ChildJvm.Line line = producer.awaitLine(Pattern.compile("^(PULLED|DONE|FAILED).*"), TRANSFER);
                if (!line.text().startsWith("PULLED"))
                {
                    assertTrue(line.text().startsWith("DONE"), line.text());
                    break;
                }
                final String[] fields = line.text().split(" ");
                final long upstream = Long.parseLong(fields[1]);
                final long released = Long.parseLong(fields[2].substring("released=".length()));
                final long heap = Long.parseLong(fields[3].substring("heap=".length()));
                if (released >= 0)
                {
                    // the ring (16) plus the element being written: nothing else piles up
                    assertTrue(upstream - released <= SLOTS + 1, "in flight at one instant: " + line.text());
                    maxInFlight = Math.max(maxInFlight, upstream - released);
                    if (samples++ == 2)
                    {
                        firstHeap = heap;
                    }
                    lastHeap = heap;
                }
            }
            assertTrue(maxInFlight >= SLOTS - 2, "the ring filled up: the producer waited for the consumer");
            assertTrue(samples >= 10, "the producer had to wait for the consumer: " + samples + " samples");
            assertEquals("DONE count=" + frames, consumer.awaitLine(Pattern.compile("^(DONE|FAILED).*"), TRANSFER).text());
            assertTrue(firstHeap < 0 || lastHeap - firstHeap < 64L << 20,
                "producer heap from " + firstHeap + " to " + lastHeap + " bytes");
        }
        assertEquals(List.of(), ShmTestDirectory.leftovers(dir));
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
