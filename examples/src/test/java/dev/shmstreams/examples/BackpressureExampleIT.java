package dev.shmstreams.examples;

import dev.shmstreams.transport.test.ShmTestDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import javax.imageio.ImageIO;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code bin/demo backpressure}: both runs keep their promise (no loss with backpressure; with
 * drop-oldest-unread every frame committed is received or dropped), both charts are readable PNGs,
 * nothing is left in the segment directory. Rates and occupancy are printed, never asserted.
 */
@ExtendWith(ShmTestDirectory.class)
class BackpressureExampleIT
{
    @Test
    void backpressureLosesNothingAndDropOldestUnreadLosesOnlyWhatItDrops(final Path dir) throws Exception
    {
        final Path out = VideoDemoIT.output("backpressure");
        final String output;
        try (ExampleProcess example = ExampleProcess.start("backpressure", "backpressure", "--seconds", "3",
            "--dir", dir.toString(), "--out", out.toString()))
        {
            output = example.assertExit(0, Duration.ofSeconds(120));
        }
        final Matcher noLoss = Pattern.compile("^backpressure: producer committed (\\d+), consumer received and " +
            "verified (\\d+); 0 never arrived, 0 dropped by the producer: no loss$", Pattern.MULTILINE).matcher(output);
        assertTrue(noLoss.find(), output);
        assertEquals(noLoss.group(1), noLoss.group(2), output);
        final Matcher dropped = Pattern.compile("^drop-oldest-unread: producer committed (\\d+), consumer received " +
            "and verified (\\d+); (\\d+) never arrived, (\\d+) dropped by the producer", Pattern.MULTILINE)
            .matcher(output);
        assertTrue(dropped.find(), output);
        assertEquals(Long.parseLong(dropped.group(1)), Long.parseLong(dropped.group(2)) + Long.parseLong(dropped.group(3)),
            "committed = received + never arrived\n" + output);
        assertEquals(dropped.group(3), dropped.group(4), "what never arrived is what the producer dropped\n" + output);
        for (final String chart : List.of("backpressure.png", "drop-oldest-unread.png"))
        {
            assertNotNull(ImageIO.read(out.resolve(chart).toFile()), chart + " is a readable PNG");
        }
        assertTrue(output.contains("result: backpressure lost nothing"), output);
        assertEquals(List.of(), ShmTestDirectory.leftovers(dir));
    }
}
