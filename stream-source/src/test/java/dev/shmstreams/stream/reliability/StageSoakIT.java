package dev.shmstreams.stream.reliability;

import dev.shmstreams.transport.it.ChildJvm;
import dev.shmstreams.transport.it.ReliabilityReport;
import dev.shmstreams.transport.test.ShmTestDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Stage-level soak: a producer process whose Akka graph writes 4K NV12-sized frames (12,441,600
 * bytes) through a ShmSink at full rate, and a consumer process whose ShmSource graph checks each
 * one in place (length, CRC32C of the whole payload, the frame number stamped at start, middle and
 * end) and releases it; 8 slots. Zero lost, duplicated or corrupt frames, every frame written
 * received; in both processes the heap after a full GC (sampled every 3 s) rises by less than
 * 512 KiB from the first samples to the last (about 500 bytes per frame over a CI run at this
 * machine's rate, much less over a long run), and anonymous RSS grows by less than 64 MiB.
 *
 * <p>20 s in CI; {@code -Dshm.soak.stage.seconds=600} for a long run.
 */
@ExtendWith(ShmTestDirectory.class)
class StageSoakIT
{
    private static final int FRAME_LENGTH = 12_441_600;
    /**
     * How much the floor of heap-after-GC samples may rise from the start of the run to its end.
     * The samples (each heap pool's use when its last collection ended) vary by tens of KB.
     */
    private static final long HEAP_FLOOR_RISE_LIMIT = 512L << 10;
    private static final long RSS_GROWTH_LIMIT_KB = 64L << 10;
    /** Samples taken before this are warm-up (JIT, first-use allocations). */
    private static final long WARM_UP_SECONDS = 5;

    @Test
    void fourKFramesThroughShmSinkAndShmSourceLoseNothingAndMemoryStaysFlat(final Path dir)
    {
        final long seconds = Long.getLong("shm.soak.stage.seconds", 20);
        final Duration limit = Duration.ofSeconds(seconds + 180);
        final List<String> jvm = List.of("-XX:TieredStopAtLevel=4");
        final List<String> args = List.of("dir=" + dir, "channel=soak", "slots=8", "frameLength=" + FRAME_LENGTH,
            "seconds=" + seconds, "maxSeconds=" + (seconds + 240));
        try (ChildJvm consumer = ChildJvm.start("StageSoakIT.consumer", SoakConsumerMain.class, jvm, args);
             ChildJvm producer = ChildJvm.start("StageSoakIT.producer", SoakProducerMain.class, jvm, args))
        {
            final List<Map<String, String>> producerMemory = new ArrayList<>();
            final ChildJvm.Line done = collect(producer, "DONE", producerMemory, limit);
            final List<Map<String, String>> consumerMemory = new ArrayList<>();
            final ChildJvm.Line resultLine = collect(consumer, "RESULT", consumerMemory, limit);
            final Map<String, String> result = resultLine.fields();
            assertEquals(0, producer.awaitExit(limit), "producer exit code");
            assertEquals(0, consumer.awaitExit(limit), "consumer exit code");

            assertEquals("0", result.get("lost"), resultLine.text());
            assertEquals("0", result.get("duplicated"), resultLine.text());
            assertEquals("0", result.get("corrupt"), resultLine.text());
            assertEquals(done.field("published"), result.get("received"), "every frame written was received once");
            assertEquals(done.field("published"), result.get("next"), "through the last one");
            assertTrue(Long.parseLong(result.get("received")) > 0, resultLine.text());
            final String producerSummary = checkMemory("producer", producerMemory);
            final String consumerSummary = checkMemory("consumer", consumerMemory);
            ReliabilityReport.record("StageSoakIT", "seconds=" + seconds + " framesChecked=" + result.get("received") +
                " lost=" + result.get("lost") + " duplicated=" + result.get("duplicated") + " corrupt=" +
                result.get("corrupt") + " framesPerSecond=" + result.get("framesPerSecond") + " gigabytesPerSecond=" +
                result.get("gigabytesPerSecond") + " producer=" + producerSummary + " consumer=" + consumerSummary +
                " load=" + loadAverage());
        }
        assertEquals(List.of(), ShmTestDirectory.leftovers(dir));
    }

    /** Take lines until {@code word}, keeping the MEM lines' fields; FAILED fails the test. */
    private static ChildJvm.Line collect(
        final ChildJvm child, final String word, final List<Map<String, String>> memory, final Duration limit)
    {
        while (true)
        {
            final ChildJvm.Line line = child.awaitLine(Pattern.compile("^(MEM|FAILED|" + word + ")( |$)"), limit);
            if (line.text().startsWith("MEM"))
            {
                memory.add(line.fields());
                continue;
            }
            assertTrue(line.text().startsWith(word), child.name() + ": " + line.text());
            return line;
        }
    }

    /**
     * The floor (minimum) of the first two samples after warm-up against the floor of the last
     * two: a leak raises every later sample, while what a GC happens to leave on top varies.
     *
     * @return a summary for the report.
     */
    private static String checkMemory(final String side, final List<Map<String, String>> samples)
    {
        final List<Map<String, String>> steady = new ArrayList<>();
        for (final Map<String, String> sample : samples)
        {
            if (Long.parseLong(sample.get("t")) >= WARM_UP_SECONDS)
            {
                steady.add(sample);
            }
        }
        assertTrue(steady.size() >= 4, side + ": too few memory samples: " + samples);
        final List<Map<String, String>> first = steady.subList(0, 2);
        final List<Map<String, String>> last = steady.subList(steady.size() - 2, steady.size());
        final long heapRise = floor(last, "heapAfterGc") - floor(first, "heapAfterGc");
        final long rssGrowth = Long.parseLong(last.get(1).get("rssAnonKb")) - Long.parseLong(first.get(0).get("rssAnonKb"));
        assertTrue(heapRise < HEAP_FLOOR_RISE_LIMIT, side + " heap after GC rose by " + heapRise + " bytes: " + samples);
        assertTrue(rssGrowth < RSS_GROWTH_LIMIT_KB, side + " anonymous RSS grew by " + rssGrowth + " KB: " + samples);
        return "heapAfterGc:" + first.get(0).get("heapAfterGc") + "->" + last.get(1).get("heapAfterGc") +
            ",floorRise:" + heapRise + ",rssAnonKb:" + first.get(0).get("rssAnonKb") + "->" + last.get(1).get("rssAnonKb");
    }

    private static long floor(final List<Map<String, String>> samples, final String key)
    {
        return samples.stream().mapToLong(sample -> Long.parseLong(sample.get(key))).min().orElseThrow();
    }

    private static String loadAverage()
    {
        try
        {
            return Files.readString(Path.of("/proc/loadavg")).trim().replace(' ', '/');
        }
        catch (final IOException ex)
        {
            return "unknown";
        }
    }
}
