package dev.shmstreams.transport.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDateTime;

/**
 * One line per reliability run, appended to {@code target/reliability/results.txt} and printed:
 * the numbers docs/reliability.md quotes (faults injected, survived, frames checked, bad inputs).
 */
public final class ReliabilityReport
{
    private ReliabilityReport()
    {
    }

    /**
     * @param test   what ran.
     * @param fields {@code key=value} pairs.
     */
    public static void record(final String test, final String fields)
    {
        final String line = LocalDateTime.now() + " " + test + " " + fields;
        System.out.println("RELIABILITY " + line);
        try
        {
            final Path dir = Files.createDirectories(Path.of("target", "reliability"));
            Files.writeString(dir.resolve("results.txt"), line + System.lineSeparator(), StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }
}
