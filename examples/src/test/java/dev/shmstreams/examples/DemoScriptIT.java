package dev.shmstreams.examples;

import dev.shmstreams.transport.test.ShmTestDirectory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import javax.imageio.ImageIO;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static dev.shmstreams.examples.ExampleProcess.number;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The README's first command as a user runs it: the {@code bin/demo} script itself (bash), which
 * runs the packaged {@code examples/target/examples.jar} with {@code examples/target/lib/*} — what
 * {@code mvn package} built just before this phase (failsafe runs after package). The script
 * rebuilds when a source is newer than the jar; here the enclosing Maven run is the build, so a
 * stand-in {@code mvn} on the PATH does nothing (and says so in the output if the script called it)
 * and the script goes on to the jar it would have run anyway. {@code java} on the PATH is this
 * JVM's.
 *
 * <p>Checked: {@code --help}; a bad flag and an unknown example exit 2 with the reason; a 1080p run
 * and a run with every default but the duration (4K, 8 slots: about 95 MiB of /dev/shm) print a
 * summary with every frame intact and in order and the luma, write readable PNG thumbnails, print no
 * error, and leave nothing in the segment directory (for the default run, /dev/shm itself).
 */
@ExtendWith(ShmTestDirectory.class)
class DemoScriptIT
{
    private static final Path ROOT = Path.of(System.getProperty("shm.repository.root", "..")).toAbsolutePath()
        .normalize();
    private static final Duration RUN = Duration.ofSeconds(180);
    private static Path stubs;

    @BeforeAll
    static void stubs() throws IOException
    {
        assertTrue(Files.isRegularFile(ROOT.resolve("examples/target/examples.jar")),
            "mvn package built the jar bin/demo runs: " + ROOT.resolve("examples/target/examples.jar"));
        try (Stream<Path> lib = Files.list(ROOT.resolve("examples/target/lib")))
        {
            assertTrue(lib.anyMatch(jar -> jar.getFileName().toString().startsWith("akka-stream")),
                "mvn package copied the runtime class path to examples/target/lib");
        }
        stubs = Files.createDirectories(Path.of(System.getProperty("shm.examples.build.dir", "target"), "demo-script-path"));
        final Path java = stubs.resolve("java");
        Files.deleteIfExists(java);
        Files.createSymbolicLink(java, Path.of(System.getProperty("java.home"), "bin", "java"));
        final Path mvn = stubs.resolve("mvn");
        Files.writeString(mvn, "#!/bin/sh\necho \"(DemoScriptIT: bin/demo found a source newer than the jar and " +
            "called mvn $*; the enclosing build has packaged it already)\" >&2\nexit 0\n", StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(mvn, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /** A finished {@code bin/demo} run. */
    private record Run(long pid, int exit, String output)
    {
    }

    private static Run demo(final String name, final String... args) throws Exception
    {
        final List<String> command = new ArrayList<>(List.of("bash", ROOT.resolve("bin/demo").toString()));
        command.addAll(List.of(args));
        final Path log = Files.createDirectories(Path.of(System.getProperty("shm.it.log.dir", "target/it-logs")))
            .resolve("demo-script-" + name + ".log");
        final ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile())
            .directory(stubs.toFile());                       // anywhere: the script changes to the repository
        builder.environment().remove("CLASSPATH");
        builder.environment().put("PATH", stubs + File.pathSeparator + System.getenv("PATH"));
        final Process process = builder.start();
        if (!process.waitFor(RUN.toSeconds(), TimeUnit.SECONDS))
        {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS))
            {
                process.destroyForcibly();
            }
            fail("bin/demo " + String.join(" ", args) + " still ran after " + RUN.toSeconds() + " s:\n" +
                Files.readString(log));
        }
        return new Run(process.pid(), process.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    }

    private static Path output(final String name) throws Exception
    {
        return VideoDemoIT.output("demo-script-" + name);
    }

    @Test
    void helpListsTheExamplesAndFlags() throws Exception
    {
        final Run help = demo("help", "--help");
        assertEquals(0, help.exit(), help.output());
        assertTrue(help.output().startsWith("usage: bin/demo [EXAMPLE] [FLAGS]") ||
            help.output().contains("\nusage: bin/demo [EXAMPLE] [FLAGS]"), help.output());
        for (final String word : List.of("video", "backpressure", "dma", "typed", "native", "stat", "--resolution",
            "--fps", "--duration", "--slots", "--wait", "--overflow", "--out"))
        {
            assertTrue(help.output().contains(word), word + " in:\n" + help.output());
        }
    }

    @Test
    void aBadFlagOrAnUnknownExampleExitsWithTwoAndTheReason() throws Exception
    {
        final Run flag = demo("bad-flag", "--resolution", "8k");
        assertEquals(2, flag.exit(), flag.output());
        assertTrue(flag.output().contains("demo: --resolution must be 4k, 1080p or 720p, was '8k'"), flag.output());
        assertTrue(flag.output().contains("usage: bin/demo"), "the usage follows the reason\n" + flag.output());
        final Run example = demo("unknown-example", "teleport");
        assertEquals(2, example.exit(), example.output());
        assertTrue(example.output().contains("unknown example 'teleport'"), example.output());
    }

    @Test
    void at1080pEveryFrameArrivesIntactWithThumbnailsAndNothingLeftBehind(final Path dir) throws Exception
    {
        final Path out = output("1080p");
        final Run run = demo("1080p", "--duration", "3", "--resolution", "1080p", "--dir", dir.toString(),
            "--out", out.toString());
        assertSucceeded(run, "1920x1080", out);
        assertEquals(List.of(), ShmTestDirectory.leftovers(dir), "both processes closed the channel\n" + run.output());
    }

    @Test
    void theDefaultsAre4kInDevShmAndLeaveItClean() throws Exception
    {
        final Path out = output("4k");
        final Run run = demo("4k", "--duration", "2", "--out", out.toString());
        assertSucceeded(run, "3840x2160", out);
        assertTrue(run.output().contains("8 slots"), run.output());
        // the script execs java, so the launcher's pid (in the default channel name) is the script's
        final Path channel = Path.of("/dev/shm", "shm-streams-demo-" + run.pid());
        assertTrue(run.output().contains("channel " + channel + " ("), "the default channel\n" + run.output());
        try (Stream<Path> shm = Files.list(Path.of("/dev/shm")))
        {
            assertEquals(List.of(), shm.filter(path -> path.getFileName().toString().contains("demo-" + run.pid()))
                .toList(), "nothing of the demo left in /dev/shm\n" + run.output());
        }
    }

    private static void assertSucceeded(final Run run, final String geometry, final Path out) throws IOException
    {
        final String output = run.output();
        assertEquals(0, run.exit(), output);
        assertTrue(output.contains("shm-streams video demo: " + geometry + " NV12"), output);
        assertTrue(output.contains("summary (backpressure, blocking waits)"), output);
        assertTrue(output.contains("result: every frame arrived, intact and in order"), output);
        final long produced = number(output, "^  frames produced +(\\d+)$");
        assertTrue(produced > 0, output);
        assertEquals(produced, number(output, "^  frames received, verified +(\\d+)$"), output);
        VideoDemoIT.assertNoErrors(output);
        assertEquals(0, number(output, "^  frames lost \\(ids never seen\\) +(\\d+)$"), output);
        assertTrue(Pattern.compile("^  luma mean \\(per frame min\\.\\.max\\) +\\d+\\.\\d+ ", Pattern.MULTILINE)
            .matcher(output).find(), output);
        for (final String error : List.of("Exception", "ERROR", "FAILED"))
        {
            assertFalse(output.contains(error), "no '" + error + "'\n" + output);
        }
        // the launcher prefixes what a child prints besides its STAT, SUMMARY and THUMBNAIL lines
        assertFalse(Pattern.compile("^(producer|consumer): ", Pattern.MULTILINE).matcher(output).find(),
            "no unexpected line from a child (a warning, a stack trace)\n" + output);
        final Matcher thumbnails = Pattern.compile("^  (/\\S+\\.png)$", Pattern.MULTILINE).matcher(output);
        int count = 0;
        while (thumbnails.find())
        {
            final Path png = Path.of(thumbnails.group(1));
            assertTrue(png.startsWith(out.toAbsolutePath()), "written to --out: " + png);
            assertNotNull(ImageIO.read(png.toFile()), "a readable PNG: " + png);
            count++;
        }
        assertTrue(count >= 1, "at least the first frame's thumbnail\n" + output);
        assertEquals(count, number(output, "^thumbnails \\((\\d+)\\) in "), output);
    }
}
