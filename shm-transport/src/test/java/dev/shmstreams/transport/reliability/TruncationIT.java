package dev.shmstreams.transport.reliability;

import dev.shmstreams.transport.it.ChildJvm;
import dev.shmstreams.transport.test.ShmTestDirectory;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A peer truncates the segment file under a live channel (a broken or hostile process with write
 * access: ftruncate needs nothing more). Touching a page of a MAP_SHARED mapping beyond the end of
 * the file raises SIGBUS. HotSpot 17 turns some of those into an asynchronous InternalError and
 * crashes on others (an interpreted Unsafe compare-and-set or get-and-add, and in its own signal
 * handler for some compiled loads; see docs/reliability.md). So the library must notice the
 * truncation before touching the mapping again and stop faulting for good.
 *
 * <p>Each case runs both ends of a channel in a child JVM (the test JVM never maps the file, so
 * a crash cannot take the test runner with it), truncates the file from here, and asserts: the
 * child did not crash (exit code, no hs_err file), each end ended with a typed ShmException, and
 * the segment file was removed when the child closed both ends. Interpreted (-Xint), C1 and C2.
 */
@ExtendWith(ShmTestDirectory.class)
class TruncationIT
{
    private static final Duration START = Duration.ofSeconds(60);
    private static final Duration END = Duration.ofSeconds(60);
    private static final int SLOTS = 8;
    private static final int SLOT_SIZE = 64 * 1024;

    @ParameterizedTest(name = "{0} load, truncated to {1}, {2}")
    @CsvSource({
        "trickle, 0, -Xint",
        "trickle, 0, -XX:TieredStopAtLevel=1",
        "trickle, 0, -XX:-TieredCompilation",
        "trickle, last-slot, -Xint",
        "trickle, last-slot, -XX:-TieredCompilation",
        "busy, 0, -Xint",
        "busy, 0, -XX:TieredStopAtLevel=1",
        "busy, 0, -XX:-TieredCompilation",
        "busy, header-page, -XX:-TieredCompilation",
        "busy, last-slot, -Xint",
        "busy, last-slot, -XX:TieredStopAtLevel=1",
        "busy, last-slot, -XX:-TieredCompilation",
    })
    void aTruncatedSegmentEndsBothSidesWithATypedErrorAndNeverCrashesTheJvm(
        final String load, final String cut, final String compiler, final Path dir) throws IOException
    {
        final Path crashDir = Files.createDirectories(Path.of("target", "hs-err"));
        final String name = "truncation-" + load + "-" + cut + "-" + compiler.replaceAll("[^A-Za-z0-9]", "");
        final Path segment = dir.resolve("victim");
        final List<String> jvm = List.of(compiler,
            "-XX:ErrorFile=" + crashDir.toAbsolutePath() + "/hs_err_" + name + "_%p.log");
        final List<String> args = List.of("dir=" + dir, "channel=victim", "slots=" + SLOTS, "slotSize=" + SLOT_SIZE,
            "load=" + load, "warmup=" + ("busy".equals(load) && !"-Xint".equals(compiler) ? 50_000 : 20), "maxSeconds=120");
        try (ChildJvm victim = ChildJvm.start("TruncationIT." + name, TruncationVictim.class, jvm, args))
        {
            victim.awaitLine("READY", START);
            final long length = Files.size(segment);
            final long to = "0".equals(cut) ? 0 : "header-page".equals(cut) ? 4096 : length - SLOT_SIZE;
            try (FileChannel hostile = FileChannel.open(segment, StandardOpenOption.WRITE))
            {
                hostile.truncate(to);
            }
            final Map<String, String> first = victim.awaitLine("OUTCOME", END).fields();
            final Map<String, String> second = victim.awaitLine("OUTCOME", END).fields();
            final ChildJvm.Line done = victim.awaitLine("DONE", END);
            final int exit = victim.awaitExit(END);
            assertEquals(List.of(), crashFiles(crashDir, name + "_" + victim.pid()), "the victim JVM crashed");
            assertEquals(0, exit, "victim exit code; outcomes " + first + ", " + second);
            assertEquals("CorruptSegmentException", first.get("type"), first.toString());
            assertEquals("CorruptSegmentException", second.get("type"), second.toString());
            assertEquals("DONE typed=true", done.text());
        }
        assertEquals(List.of(), ShmTestDirectory.leftovers(dir), "the truncated segment was removed on close");
    }

    private static List<String> crashFiles(final Path crashDir, final String name) throws IOException
    {
        try (Stream<Path> files = Files.list(crashDir))
        {
            final List<String> crashes = new ArrayList<>();
            files.map(p -> p.getFileName().toString()).filter(f -> f.startsWith("hs_err_" + name + "."))
                .forEach(crashes::add);
            return crashes;
        }
    }

}
