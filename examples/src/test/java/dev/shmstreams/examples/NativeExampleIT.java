package dev.shmstreams.examples;

import dev.shmstreams.transport.test.ShmTestDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static dev.shmstreams.examples.ExampleProcess.number;
import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code bin/demo native}: the C producer, built with the machine's gcc from docs/layout.md alone,
 * feeds a ShmSource graph every frame intact; both directions of the futex protocol are used (the
 * ring is small, so the C side waits for releases and the Java side waits for commits). Without gcc
 * the example is skipped with a message and exit code 0, and this test skips itself, unless
 * SHM_GCC_REQUIRED=1 (as .ci/run sets it, after installing gcc): then it fails.
 */
@ExtendWith(ShmTestDirectory.class)
class NativeExampleIT
{
    private static boolean gccInstalled()
    {
        try
        {
            return new ProcessBuilder("gcc", "--version").start().waitFor() == 0;
        }
        catch (final IOException | InterruptedException ex)
        {
            return false;
        }
    }

    /** 65,536-byte frames get page-aligned slots, 200-byte frames packed 256-byte slots (alignment 128). */
    @ParameterizedTest
    @ValueSource(ints = {65_536, 200})
    void aCProducerWrittenFromTheLayoutSpecFeedsAnAkkaGraph(final int frameBytes, final Path dir) throws Exception
    {
        if (!gccInstalled() && "1".equals(System.getenv("SHM_GCC_REQUIRED")))
        {
            fail("gcc is not installed but SHM_GCC_REQUIRED=1 (.ci/run installs it): the C producer cannot be built");
        }
        assumeTrue(gccInstalled(), "gcc is not installed: the native example cannot build its C producer");
        final String output;
        try (ExampleProcess example = ExampleProcess.start("native", "native", "--frames", "5000", "--slots", "4",
            "--frame-bytes", String.valueOf(frameBytes), "--dir", dir.toString()))
        {
            output = example.assertExit(0, Duration.ofSeconds(120));
        }
        assertEquals(5000, number(output, "^  frames received, verified +(\\d+)$"), output);
        assertEquals(0, number(output, "^  frames wrong \\(payload, length, flags, metadata, order\\) +(\\d+)$"), output);
        assertEquals(1, number(output, "^C producer: DONE frames=5000 .*consumed=(\\d)"), output);
        assertTrue(output.contains("result: every frame the C program wrote arrived intact"), output);
        assertEquals(List.of(), ShmTestDirectory.leftovers(dir), "the last side out (either) removed the segment");
    }

    @Test
    void withoutGccTheExampleIsSkippedWithAMessage(final Path dir) throws Exception
    {
        try (ExampleProcess example = ExampleProcess.start("native-no-gcc", Map.of("PATH", "/nonexistent"), "native",
            "--dir", dir.toString()))
        {
            final String output = example.assertExit(0, Duration.ofSeconds(120));
            assertTrue(output.contains("native: SKIPPED: gcc is not installed"), output);
        }
        assertEquals(List.of(), ShmTestDirectory.leftovers(dir));
    }
}
