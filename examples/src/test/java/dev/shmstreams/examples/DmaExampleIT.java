package dev.shmstreams.examples;

import dev.shmstreams.transport.test.ShmTestDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.shmstreams.examples.ExampleProcess.number;
import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code bin/demo dma} for 1.5 emulated seconds a part: every ADC sample, every UART byte (received
 * or counted lost) and every sample across the process boundary, by both routes (zero copy, and
 * DmaSource -> ShmSink), accounted for; the slow consumer makes the DMA overrun; the RAM table is
 * printed.
 *
 * <p>Part 1 runs the ADC in real time into a fast graph: it overruns only if this JVM stalls for
 * longer than the pool holds (2 s), which a loaded machine may do, so the test asserts what the
 * hardware guarantees: each sample received is the one due, and received + counted lost is exactly
 * the 6,000 samples of 1.5 s.
 */
@ExtendWith(ShmTestDirectory.class)
class DmaExampleIT
{
    @Test
    void everySampleAndByteIsAccountedForAndTheSlowConsumerOverruns(final Path dir) throws Exception
    {
        final String output;
        try (ExampleProcess example = ExampleProcess.start("dma", "dma", "--seconds", "1.5", "--dir", dir.toString()))
        {
            output = example.assertExit(0, Duration.ofSeconds(120));
        }
        final Matcher adc = Pattern.compile("^   (\\d+) samples received \\+ (\\d+) lost to (\\d+) overruns = (\\d+) " +
            "\\(expected 6000\\), 0 wrong$", Pattern.MULTILINE).matcher(output);
        assertTrue(adc.find(), output);
        assertEquals(6000, Long.parseLong(adc.group(1)) + Long.parseLong(adc.group(2)), output);
        assertEquals(adc.group(2).equals("0"), adc.group(3).equals("0"), "only an overrun loses samples\n" + output);
        final Matcher uart = Pattern.compile("^   \\d+ blocks received \\(\\d+ bytes, 0 wrong\\), (\\d+) overruns",
            Pattern.MULTILINE).matcher(output);
        int runs = 0;
        while (uart.find())
        {
            assertTrue(Long.parseLong(uart.group(1)) > 0, "a consumer at half the DMA's pace overruns\n" + output);
            runs++;
        }
        assertEquals(2, runs, output);
        assertEquals(2, output.split("shifted in: every byte accounted for", -1).length - 1, output);
        assertTrue(output.matches("(?s).*total +21264 +16964.*"), "the default pool's RAM table\n" + output);
        assertEquals(6000, number(output, "^   (\\d+) samples received across the process boundary \\(expected 6000\\), " +
            "0 wrong; MCU process completed$"), output);
        assertEquals(6000, number(output, "^   (\\d+) samples received across the process boundary \\(expected 6000\\), " +
            "0 wrong; Akka MCU process completed$"), output);
        assertTrue(output.contains("mcu: WARNING"), "McuProcess warns about the backpressure policy\n" + output);
        assertEquals(List.of(), ShmTestDirectory.leftovers(dir));
    }
}
