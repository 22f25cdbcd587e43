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
 * drop-oldest-unread every frame committed is received or dropped), and both show what they are
 * about: with backpressure the ring filled up and the producer found it full (it had to wait), with
 * drop-oldest-unread the producer dropped frames. Both charts are readable PNGs, nothing is left in
 * the segment directory. Rates are printed, never asserted.
 *
 * <p>Robust by construction: for the middle second the consumer takes a frame every 50 ms (an
 * asynchronous delay, so a loaded machine only makes it slower) while the producer offers one every
 * 5 ms; the eight slots fill within 40 ms of the slow phase's start, from then on the producer
 * waits for (or drops) every frame but one in ten, and the ring sits full for 45 of every 50 ms
 * while ten samples are taken.
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
            "--rate", "200", "--slow-rate", "20", "--slots", "8", "--dir", dir.toString(), "--out", out.toString()))
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
        assertTrue(Long.parseLong(dropped.group(4)) > 0, "the slow consumer made drop-oldest-unread drop\n" + output);
        final Matcher filled = Pattern.compile("^backpressure: ring occupancy reached (\\d+)/8 \\(sampled every 100 ms\\); " +
            "the producer found the ring full (\\d+) times$", Pattern.MULTILINE).matcher(output);
        assertTrue(filled.find(), output);
        assertEquals(8, Integer.parseInt(filled.group(1)), "the slow consumer filled the ring\n" + output);
        assertTrue(Long.parseLong(filled.group(2)) > 0, "the producer met a full ring: backpressure\n" + output);
        for (final String chart : List.of("backpressure.png", "drop-oldest-unread.png"))
        {
            assertNotNull(ImageIO.read(out.resolve(chart).toFile()), chart + " is a readable PNG");
        }
        assertTrue(output.contains("result: backpressure lost nothing"), output);
        assertEquals(List.of(), ShmTestDirectory.leftovers(dir));
    }
}
