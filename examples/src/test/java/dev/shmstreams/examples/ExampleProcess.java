package dev.shmstreams.examples;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code bin/demo EXAMPLE FLAGS} as a test runs it: the {@link Launcher} in a child JVM on the test
 * class path, its output (stdout and stderr) in a log file under {@code target/it-logs}. Every
 * assertion failure quotes the output, so a failure on CI is diagnosable from the report alone.
 */
final class ExampleProcess implements AutoCloseable
{
    private final String name;
    private final Process process;
    private final Path log;

    private ExampleProcess(final String name, final Process process, final Path log)
    {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    /**
     * @param name for the log file.
     * @param args what follows {@code bin/demo}.
     * @return the running launcher.
     */
    static ExampleProcess start(final String name, final String... args)
    {
        return start(name, java.util.Map.of(), args);
    }

    /**
     * @param name        for the log file.
     * @param environment variables to set (or replace) in the child's environment.
     * @param args        what follows {@code bin/demo}.
     * @return the running launcher.
     */
    static ExampleProcess start(final String name, final java.util.Map<String, String> environment, final String... args)
    {
        final List<String> command = new ArrayList<>(List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Djava.awt.headless=true",
            "-cp", System.getProperty("java.class.path"), Launcher.class.getName()));
        command.addAll(List.of(args));
        try
        {
            final Path dir = Files.createDirectories(Path.of(System.getProperty("shm.it.log.dir", "target/it-logs")));
            final Path log = dir.resolve(name + ".log");
            final ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(log.toFile());
            builder.environment().remove("CLASSPATH");
            builder.environment().putAll(environment);
            return new ExampleProcess(name, builder.start(), log);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot start " + command, ex);
        }
    }

    /** @return everything printed so far. */
    String output()
    {
        try
        {
            return Files.readString(log, StandardCharsets.UTF_8);
        }
        catch (final IOException ex)
        {
            return "(cannot read " + log + ": " + ex + ")";
        }
    }

    /**
     * @param timeout at most this long.
     * @return the exit code.
     */
    int awaitExit(final Duration timeout) throws InterruptedException
    {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS))
        {
            fail(name + " still runs after " + timeout.toSeconds() + " s; output:\n" + output());
        }
        return process.exitValue();
    }

    /** Wait for the exit and assert its code; @return the output. */
    String assertExit(final int expected, final Duration timeout) throws InterruptedException
    {
        final int code = awaitExit(timeout);
        final String output = output();
        assertEquals(expected, code, name + " exit code; output:\n" + output);
        return output;
    }

    /**
     * @param pattern matched against each line of the output so far.
     * @param timeout at most this long.
     * @return the first matching line's match.
     */
    Matcher awaitLine(final Pattern pattern, final Duration timeout) throws InterruptedException
    {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (true)
        {
            for (final String line : output().split("\n"))
            {
                final Matcher matcher = pattern.matcher(line);
                if (matcher.find())
                {
                    return matcher;
                }
            }
            if (!process.isAlive() || System.nanoTime() > deadline)
            {
                fail(name + (process.isAlive() ? " printed no line matching /" + pattern + "/ within " +
                    timeout.toSeconds() + " s" : " exited with " + process.exitValue() + " before a line matching /" +
                    pattern + "/") + "; output:\n" + output());
            }
            Thread.sleep(100);
        }
    }

    /**
     * @param output  a finished run's output.
     * @param pattern with one group.
     * @return the group of the first line matching, as a long.
     */
    static long number(final String output, final String pattern)
    {
        final Matcher matcher = Pattern.compile(pattern, Pattern.MULTILINE).matcher(output);
        assertTrue(matcher.find(), "no /" + pattern + "/ in output:\n" + output);
        return Long.parseLong(matcher.group(1).replace(",", ""));
    }

    /** Ask it to stop (SIGTERM), as Ctrl-C would; kill it if it does not within 30 s. */
    void stop() throws InterruptedException
    {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS))
        {
            process.destroyForcibly();
        }
    }

    @Override
    public void close() throws InterruptedException
    {
        if (process.isAlive())
        {
            stop();
        }
    }
}
