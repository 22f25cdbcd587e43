package dev.shmstreams.stream.reliability;

import dev.shmstreams.transport.it.ChildJvm;
import dev.shmstreams.transport.it.ReliabilityReport;
import dev.shmstreams.transport.layout.HeaderDescriptor;
import dev.shmstreams.transport.layout.SlotDescriptor;
import dev.shmstreams.transport.test.ShmTestDirectory;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A hostile peer against the stages: the test JVM maps each round's live channel of a
 * {@link HostileStagesMain} child, whose ShmSink and ShmSource graphs run at full rate, and writes
 * seeded random bytes and words into the control block, both participant blocks, the published
 * and released sequences, the read cursor, the futex words and waiter counts, the counters and the
 * slot descriptors, at random moments for 600 ms. Each stream may only complete or fail with a
 * ShmException (CorruptSegmentException, ProducerFailedException, PeerLostException, ...); the
 * child exits 2 naming anything else (an untyped exception, a stream that does not stop, an
 * exception escaping on any thread); a JVM crash shows as exit 134 and an hs_err file.
 *
 * <p>{@code -Dshm.fuzz.stage.rounds=N} (default 12), {@code -Dshm.fuzz.seed=S}.
 */
@ExtendWith(ShmTestDirectory.class)
class StageHostilePeerIT
{
    private static final Duration START = Duration.ofSeconds(90);
    private static final int SLOTS = 8;

    @Test
    void garbageInALiveChannelOnlyEverEndsTheStagesWithTypedErrors(final Path dir) throws Exception
    {
        final int rounds = Integer.getInteger("shm.fuzz.stage.rounds", 12);
        final long seed = Long.getLong("shm.fuzz.seed", 20261123L);
        final SplittableRandom random = new SplittableRandom(seed);
        final Path crashDir = Files.createDirectories(Path.of("target", "hs-err"));
        final Path ends = Standby.goDirectory("hostile");
        final String name = "StageHostilePeerIT-" + seed;
        final int[][] regions = {
            { 0, HeaderDescriptor.CONTROL_BLOCK_LENGTH },
            { HeaderDescriptor.PRODUCER_BLOCK_OFFSET, 512 },
            { HeaderDescriptor.PUBLISHED_SEQUENCE_OFFSET, 8 },
            { HeaderDescriptor.PRODUCER_FUTEX_OFFSET, 256 },
            { HeaderDescriptor.consumerBlockOffset(0), 768 },
            { SlotDescriptor.descriptorOffset(0), SLOTS * SlotDescriptor.LENGTH },
        };
        long writes = 0;
        final Map<String, Integer> endings = new TreeMap<>();
        try (ChildJvm victim = ChildJvm.start("StageHostilePeerIT.victim", HostileStagesMain.class,
            List.of("-XX:ErrorFile=" + crashDir.toAbsolutePath() + "/hs_err_" + name + "_%p.log"),
            List.of("dir=" + dir, "ends=" + ends, "rounds=" + rounds)))
        {
            for (int round = 0; round < rounds; round++)
            {
                final String path = victim.awaitLine(Pattern.compile("^(ROUND " + round + " |UNTYPED|HUNG|UNCAUGHT)"),
                    START).field("path");
                if (!"none".equals(path))
                {
                    writes += scribble(Path.of(path), random, regions);
                }
                Files.createFile(ends.resolve("end-" + round));
                final Map<String, String> ended = victim.awaitLine(
                    Pattern.compile("^(ENDED " + round + " |UNTYPED|HUNG|UNCAUGHT)"), START).fields();
                assertNotNull(ended.get("sink"), "round " + round + ": " + ended);
                endings.merge("sink:" + ended.get("sink"), 1, Integer::sum);
                endings.merge("source:" + ended.get("source"), 1, Integer::sum);
            }
            victim.awaitLine("DONE", START);
            assertEquals(0, victim.awaitExit(START), "victim exit code");
        }
        assertEquals(List.of(), crashFiles(crashDir, name), "the victim JVM crashed");
        assertEquals(List.of(), ShmTestDirectory.leftovers(dir), "every round's segment removed");
        final long typed = endings.entrySet().stream().filter(e -> e.getKey().endsWith("Exception"))
            .mapToLong(Map.Entry::getValue).sum();
        assertTrue(typed > 0, "the garbage was noticed at least once: " + endings);
        ReliabilityReport.record("StageHostilePeerIT", "rounds=" + rounds + " hostileWrites=" + writes +
            " typedErrorEnds=" + typed + " endings=" + endings.toString().replace(' ', '_') +
            " untyped=0 crashes=0 seed=" + seed);
    }

    /** @return how many writes went into the live segment at {@code path}. */
    private static long scribble(final Path path, final SplittableRandom random, final int[][] regions)
        throws InterruptedException
    {
        long writes = 0;
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE))
        {
            final UnsafeBuffer hostile = new UnsafeBuffer(channel.map(FileChannel.MapMode.READ_WRITE, 0,
                HeaderDescriptor.SLOT_DESCRIPTORS_OFFSET + SLOTS * SlotDescriptor.LENGTH));
            final long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(600);
            while (System.nanoTime() - until < 0)
            {
                TimeUnit.MICROSECONDS.sleep(random.nextInt(2_000));
                final int[] region = regions[random.nextInt(regions.length)];
                final int width = random.nextBoolean() ? 8 : random.nextBoolean() ? 4 : 1;
                final int offset = region[0] + random.nextInt(Math.max(1, region[1] - width + 1)) / width * width;
                final long value = random.nextInt(4) == 0 ? random.nextLong(-4, 40) : random.nextLong();
                if (width == 8)
                {
                    hostile.putLongVolatile(offset, random.nextBoolean() ? value : hostile.getLong(offset) + value % 40);
                }
                else if (width == 4)
                {
                    hostile.putIntVolatile(offset, (int)value);
                }
                else
                {
                    hostile.putByte(offset, (byte)value);
                }
                writes++;
            }
        }
        catch (final IOException ex)
        {
            // the stages ended and removed the segment before it could be opened
        }
        return writes;
    }

    private static List<String> crashFiles(final Path crashDir, final String name) throws IOException
    {
        try (Stream<Path> files = Files.list(crashDir))
        {
            final List<String> crashes = new ArrayList<>();
            files.map(p -> p.getFileName().toString()).filter(f -> f.startsWith("hs_err_" + name)).forEach(crashes::add);
            return crashes;
        }
    }
}
