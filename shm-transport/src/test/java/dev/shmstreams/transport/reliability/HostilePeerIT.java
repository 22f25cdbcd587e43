package dev.shmstreams.transport.reliability;

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
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A hostile process against a live channel: the test JVM maps each round's segment of a
 * {@link HostileVictim} child and, while the victim's producer and consumer threads run their
 * normal loops, writes seeded random bytes and words into the control block, both participant
 * blocks, the published and released sequences, the read cursor, the futex words and waiter
 * counts, the counters and the slot descriptors — from another process, concurrently, at random
 * moments. The victim may only end a round normally or with a ShmException: never an untyped
 * exception (it exits 2 and names it), never a JVM crash (exit code, hs_err file).
 *
 * <p>{@code -Dshm.fuzz.rounds=N} (default 24 in CI, ~1 s each), {@code -Dshm.fuzz.seed=S}.
 */
@ExtendWith(ShmTestDirectory.class)
class HostilePeerIT
{
    private static final Duration START = Duration.ofSeconds(60);
    private static final int SLOTS = 8;

    @Test
    void aHostileProcessWritingIntoALiveChannelOnlyEverCausesTypedErrors(final Path dir) throws Exception
    {
        final int rounds = Integer.getInteger("shm.fuzz.rounds", 24);
        final long seed = Long.getLong("shm.fuzz.seed", 20261123L);
        final SplittableRandom random = new SplittableRandom(seed);
        final Path crashDir = Files.createDirectories(Path.of("target", "hs-err"));
        final String name = "HostilePeerIT-" + seed;
        final int[][] regions = {
            { 0, HeaderDescriptor.CONTROL_BLOCK_LENGTH },
            { HeaderDescriptor.PRODUCER_BLOCK_OFFSET, 512 },
            { HeaderDescriptor.PUBLISHED_SEQUENCE_OFFSET, 8 },
            { HeaderDescriptor.PRODUCER_FUTEX_OFFSET, 256 },
            { HeaderDescriptor.consumerBlockOffset(0), 768 },
            { SlotDescriptor.descriptorOffset(0), SLOTS * SlotDescriptor.LENGTH },
        };
        long writes = 0;
        int typedEnds = 0;
        try (ChildJvm victim = ChildJvm.start("HostilePeerIT.victim", HostileVictim.class,
            List.of("-XX:ErrorFile=" + crashDir.toAbsolutePath() + "/hs_err_" + name + "_%p.log"),
            List.of("dir=" + dir, "channel=hostile", "slots=" + SLOTS, "slotSize=4096", "livenessMs=20",
                "rounds=" + rounds, "roundMillis=800", "maxSeconds=" + (60 + rounds * 10))))
        {
            for (int round = 0; round < rounds; round++)
            {
                final Path segment = Path.of(victim.awaitLine("ROUND " + round, START).field("path"));
                try (FileChannel channel = FileChannel.open(segment, StandardOpenOption.READ, StandardOpenOption.WRITE))
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
                    // the victim ended the round and removed the segment before it could be opened
                }
                final Map<String, String> ended = victim.awaitLine(Pattern.compile("^ENDED " + round + " "), START).fields();
                typedEnds += ended.get("producer").endsWith("Exception") ? 1 : 0;
                typedEnds += ended.get("consumer").endsWith("Exception") ? 1 : 0;
            }
            victim.awaitLine("DONE", START);
            assertEquals(0, victim.awaitExit(START), "victim exit code");
        }
        assertEquals(List.of(), crashFiles(crashDir, name), "the victim JVM crashed");
        assertEquals(List.of(), ShmTestDirectory.leftovers(dir), "every round's segment removed");
        assertTrue(typedEnds > 0, "the garbage was noticed at least once");
        ReliabilityReport.record("HostilePeerIT", "rounds=" + rounds + " hostileWrites=" + writes +
            " typedErrorEnds=" + typedEnds + " untyped=0 crashes=0 seed=" + seed);
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
