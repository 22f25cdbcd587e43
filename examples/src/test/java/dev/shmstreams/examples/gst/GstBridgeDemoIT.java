package dev.shmstreams.examples.gst;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The GStreamer bridge demo end to end: a real gst-launch-1.0, this JVM's bridge, a consumer JVM.
 * Skipped without GStreamer unless SHM_GST_REQUIRED=1 (as .ci/run sets it).
 */
class GstBridgeDemoIT
{
    private static boolean gstreamerInstalled() throws Exception
    {
        try
        {
            final Process inspect = new ProcessBuilder("gst-inspect-1.0", "--exists", "shmsink")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return inspect.waitFor() == 0;
        }
        catch (final java.io.IOException ex)
        {
            return false;
        }
    }

    @Test
    void gstreamerFramesReachTheConsumerProcessIntact() throws Exception
    {
        if (!gstreamerInstalled())
        {
            if ("1".equals(System.getenv("SHM_GST_REQUIRED")))
            {
                Assertions.fail("GStreamer is not installed but SHM_GST_REQUIRED=1");
            }
            Assumptions.abort("GStreamer (gst-launch-1.0 with the shm plugin) is not installed");
        }
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final int exitCode;
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8))
        {
            exitCode = GstBridgeDemo.run(new String[] {"--seconds", "3", "--width", "320", "--height", "240"}, out);
        }
        final String output = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(0, exitCode, output);
        assertTrue(output.contains("consumer: completed frames="), output);
        assertTrue(output.contains(" bad=0"), output);
        assertTrue(output.contains("connected to shmsink, area /shmpipe."), output);
        try (Stream<Path> shm = Files.list(Path.of("/dev/shm")))
        {
            assertTrue(shm.noneMatch(path -> path.getFileName().toString().startsWith("gst-bridge-" +
                ProcessHandle.current().pid())), "channel removed");
        }
    }
}
