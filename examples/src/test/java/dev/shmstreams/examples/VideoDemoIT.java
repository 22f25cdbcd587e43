package dev.shmstreams.examples;

import dev.shmstreams.transport.test.ShmTestDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import javax.imageio.ImageIO;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.shmstreams.examples.ExampleProcess.number;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The README's first command, {@code bin/demo}, at 720p for a few seconds: two processes, every frame
 * verified, thumbnails written, nothing left in the segment directory. No assertion on speed.
 */
@ExtendWith(ShmTestDirectory.class)
class VideoDemoIT
{
    private static final Duration RUN = Duration.ofSeconds(120);

    static Path output(final String name) throws Exception
    {
        final Path dir = Path.of(System.getProperty("shm.examples.build.dir", "target"), "it-output", name);
        ShmTestDirectory.deleteRecursively(dir);
        return Files.createDirectories(dir);
    }

    @Test
    void backpressureDeliversEveryFrameIntactAndWritesThumbnails(final Path dir) throws Exception
    {
        final Path out = output("video");
        final String output;
        try (ExampleProcess demo = ExampleProcess.start("video", "--resolution", "720p", "--fps", "60",
            "--duration", "3", "--dir", dir.toString(), "--out", out.toString()))
        {
            output = demo.assertExit(0, RUN);
        }
        assertTrue(output.contains("result: every frame arrived, intact and in order"), output);
        final long produced = number(output, "^  frames produced +(\\d+)");
        assertTrue(produced > 0, output);
        assertEquals(produced, number(output, "^  frames received, verified +(\\d+)"), output);
        assertNoErrors(output);
        assertEquals(0, number(output, "^  frames lost \\(ids never seen\\) +(\\d+)"), output);
        assertTrue(Pattern.compile("^  luma mean \\(per frame min\\.\\.max\\) +\\d+\\.\\d+ \\(\\d+\\.\\d+\\.\\.\\d+\\.\\d+\\)$",
            Pattern.MULTILINE).matcher(output).find(), "the luma statistic in the summary\n" + output);
        // a status line follows each STAT line, once a second of consuming: a loaded machine may print none
        final Matcher status = Pattern.compile("^ *\\d+ frames .*", Pattern.MULTILINE).matcher(output);
        while (status.find())
        {
            assertTrue(status.group().matches(".* ring \\d/8  lost 0  errors 0  luma +\\d+\\.\\d"),
                "a status line with the errors and the luma: " + status.group() + "\n" + output);
        }
        final Matcher thumbnails = Pattern.compile("^  (/\\S+\\.png)$", Pattern.MULTILINE).matcher(output);
        int count = 0;
        while (thumbnails.find())
        {
            assertNotNull(ImageIO.read(new File(thumbnails.group(1))), "a readable PNG: " + thumbnails.group(1));
            count++;
        }
        assertTrue(count >= 1, "at least the first frame's thumbnail: " + output);
        assertEquals(List.of(), ShmTestDirectory.leftovers(dir), "both processes closed the channel");
    }

    @Test
    void dropOldestUnreadLosesOnlyWhatTheProducerDropped(final Path dir) throws Exception
    {
        final String output;
        try (ExampleProcess demo = ExampleProcess.start("video-drop-oldest", "--resolution", "720p",
            "--duration", "2", "--overflow", "drop-oldest-unread", "--slots", "4", "--dir", dir.toString(),
            "--out", output("video-drop-oldest").toString()))
        {
            output = demo.assertExit(0, RUN);
        }
        assertNoErrors(output);
        final long produced = number(output, "^  frames produced +(\\d+)");
        final long received = number(output, "^  frames received, verified +(\\d+)");
        final long dropped = number(output, "^    dropped by the producer +(\\d+)");
        assertEquals(produced, received + dropped, "every frame was either received or dropped by the policy\n" +
            output);
        assertEquals(dropped, number(output, "^  frames lost \\(ids never seen\\) +(\\d+)"), output);
        assertEquals(List.of(), ShmTestDirectory.leftovers(dir));
    }

    /** No frame corrupt, duplicated, stale or out of order (a gap is not in these rows). */
    static void assertNoErrors(final String output)
    {
        assertEquals(0, number(output, "^  not the pattern of their id +(\\d+)$"), output);
        assertEquals(0, number(output, "^  duplicate frames +(\\d+)$"), output);
        assertEquals(0, number(output, "^  stale or out-of-order frames +(\\d+)$"), output);
    }

    @Test
    void helpListsTheFlagsAndABadFlagIsRefused() throws Exception
    {
        try (ExampleProcess help = ExampleProcess.start("video-help", "--help"))
        {
            final String output = help.assertExit(0, RUN);
            for (final String flag : List.of("--resolution", "--fps", "--duration", "--slots", "--wait", "--overflow"))
            {
                assertTrue(output.contains(flag), flag + " in:\n" + output);
            }
        }
        try (ExampleProcess bad = ExampleProcess.start("video-bad-flag", "--overflow", "sometimes"))
        {
            final String output = bad.assertExit(2, RUN);
            assertTrue(output.contains("--overflow must be one of backpressure, drop-newest, drop-oldest-unread, fail, " +
                "was 'sometimes'"), output);
        }
        try (ExampleProcess bad = ExampleProcess.start("video-unknown-flag", "--colour", "red"))
        {
            assertTrue(bad.assertExit(2, RUN).contains("unknown flag --colour"));
        }
    }
}
