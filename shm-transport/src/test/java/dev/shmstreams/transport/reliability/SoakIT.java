package dev.shmstreams.transport.reliability;

import dev.shmstreams.transport.it.ChildJvm;
import dev.shmstreams.transport.it.ReliabilityReport;
import dev.shmstreams.transport.test.ShmTestDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Soak: a producer process and a consumer process move 4K NV12 frames (12,441,600 bytes) at full
 * rate through an 8-slot channel, every frame checksummed (CRC32C of the whole payload, computed in
 * place on both sides) and stamped with its sequence. Zero lost, duplicated or corrupt frames; heap
 * after GC, anonymous RSS and NMT committed memory of both processes flat between a sample taken a
 * few seconds in and one at the end (bounded growth, generous thresholds: this machine is shared).
 *
 * <p>30 s in CI; {@code -Dshm.soak.seconds=600} for the 10-minute run of docs/reliability.md.
 */
@ExtendWith(ShmTestDirectory.class)
class SoakIT
{
    private static final long HEAP_GROWTH_LIMIT = 32L << 20;
    private static final long NATIVE_GROWTH_LIMIT_KB = 64L << 10;

    @Test
    void fourKFramesAtFullRateLoseNothingAndMemoryStaysFlat(final Path dir)
    {
        final long seconds = Long.getLong("shm.soak.seconds", 30);
        final Duration limit = Duration.ofSeconds(seconds + 180);
        final List<String> jvm = List.of("-XX:TieredStopAtLevel=4", "-XX:NativeMemoryTracking=summary");
        final List<String> args = List.of("dir=" + dir, "channel=soak", "slots=8", "seconds=" + seconds,
            "maxSeconds=" + (seconds + 240));
        try (ChildJvm consumer = ChildJvm.start("SoakIT.consumer", SoakConsumer.class, jvm, args);
            ChildJvm producer = ChildJvm.start("SoakIT.producer", SoakProducer.class, jvm, args))
        {
            final Map<String, String> producerStart = producer.awaitLine("MEM", limit).fields();
            final Map<String, String> consumerStart = consumer.awaitLine("MEM", limit).fields();
            final Map<String, String> producerEnd = producer.awaitLine("MEM", limit).fields();
            final Map<String, String> done = producer.awaitLine("DONE", limit).fields();
            final Map<String, String> consumerEnd = consumer.awaitLine("MEM", limit).fields();
            final ChildJvm.Line resultLine = consumer.awaitLine("RESULT", limit);
            final Map<String, String> result = resultLine.fields();
            assertEquals(0, producer.awaitExit(limit), "producer exit code");
            assertEquals(0, consumer.awaitExit(limit), "consumer exit code");

            assertEquals("END_OF_STREAM", result.get("terminal"), resultLine.text());
            assertEquals("0", result.get("lost"), resultLine.text());
            assertEquals("0", result.get("duplicated"), resultLine.text());
            assertEquals("0", result.get("corrupt"), resultLine.text());
            assertEquals(done.get("published"), result.get("received"), "every published frame received once");
            assertTrue(Long.parseLong(result.get("received")) > 0, resultLine.text());
            for (final String side : new String[] { "producer", "consumer" })
            {
                final Map<String, String> before = "producer".equals(side) ? producerStart : consumerStart;
                final Map<String, String> after = "producer".equals(side) ? producerEnd : consumerEnd;
                final long heap = Long.parseLong(after.get("heapAfterGc")) - Long.parseLong(before.get("heapAfterGc"));
                final long rss = Long.parseLong(after.get("rssAnonKb")) - Long.parseLong(before.get("rssAnonKb"));
                final long nmt = Long.parseLong(after.get("nmtCommittedKb")) - Long.parseLong(before.get("nmtCommittedKb"));
                assertTrue(heap < HEAP_GROWTH_LIMIT, side + " heap after GC grew by " + heap + " bytes: " + before + " -> " + after);
                assertTrue(rss < NATIVE_GROWTH_LIMIT_KB, side + " anonymous RSS grew by " + rss + " KB: " + before + " -> " + after);
                assertTrue(nmt < NATIVE_GROWTH_LIMIT_KB, side + " NMT committed grew by " + nmt + " KB: " + before + " -> " + after);
            }
            ReliabilityReport.record("SoakIT", "seconds=" + seconds + " framesChecked=" + result.get("received") +
                " lost=" + result.get("lost") + " duplicated=" + result.get("duplicated") + " corrupt=" +
                result.get("corrupt") + " framesPerSecond=" + result.get("framesPerSecond") + " gigabytesPerSecond=" +
                result.get("gigabytesPerSecond") + " producerMem=" + producerStart + "->" + producerEnd +
                " consumerMem=" + consumerStart + "->" + consumerEnd + " load=" + loadAverage());
        }
        assertEquals(List.of(), ShmTestDirectory.leftovers(dir));
    }

    private static String loadAverage()
    {
        try
        {
            return java.nio.file.Files.readString(Path.of("/proc/loadavg")).trim().replace(' ', '/');
        }
        catch (final java.io.IOException ex)
        {
            return "unknown";
        }
    }
}
