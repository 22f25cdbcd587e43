package dev.shmstreams.gst;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A gst-launch-1.0 process for tests: started with a pipeline, its output in a log file, killed
 * with SIGKILL when closed if it is still running, and whatever GStreamer leaves behind when it
 * dies that way (its shm area in /dev/shm, its socket file) removed, so no test leaves processes
 * or files behind.
 *
 * <p>GStreamer is found on the PATH. Without it (or without the shm plugin) the tests are skipped,
 * unless the environment variable SHM_GST_REQUIRED=1 is set, as .ci/run does: then they fail.
 */
public final class GstLaunch implements AutoCloseable
{
    private static final Boolean AVAILABLE = probe();

    private final Process process;
    private final Path log;
    private final List<Path> socketsToRemove = new ArrayList<>();

    private GstLaunch(final Process process, final Path log)
    {
        this.process = process;
        this.log = log;
    }

    private static Boolean probe()
    {
        try
        {
            final Process inspect = new ProcessBuilder("gst-inspect-1.0", "shmsink").redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            final Process inspectSrc = new ProcessBuilder("gst-inspect-1.0", "shmsrc").redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return inspect.waitFor(30, TimeUnit.SECONDS) && inspect.exitValue() == 0 &&
                inspectSrc.waitFor(30, TimeUnit.SECONDS) && inspectSrc.exitValue() == 0;
        }
        catch (final IOException ex)
        {
            return false;
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Skip the test without GStreamer, or fail it when SHM_GST_REQUIRED=1. */
    public static void assumeAvailable()
    {
        if (!AVAILABLE)
        {
            final String message = "GStreamer with the shm plugin is not installed (apt-get install gstreamer1.0-tools " +
                "gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad)";
            if ("1".equals(System.getenv("SHM_GST_REQUIRED")))
            {
                Assertions.fail(message + " but SHM_GST_REQUIRED=1");
            }
            Assumptions.abort(message + ": test skipped");
        }
    }

    /**
     * @param logDirectory where gst-launch's output goes.
     * @param pipeline     the pipeline, one gst-launch argument per element ("!" included).
     * @return the running process.
     */
    public static GstLaunch start(final Path logDirectory, final String... pipeline)
    {
        assumeAvailable();
        final List<String> command = new ArrayList<>();
        command.add("gst-launch-1.0");
        command.add("-q");
        command.addAll(List.of(pipeline));
        try
        {
            final Path log = Files.createTempFile(logDirectory, "gst-launch-", ".log");
            final Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
            return new GstLaunch(process, log);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /** @param socket a socket this process binds, removed at close if it is left behind. */
    public GstLaunch removesOnClose(final Path socket)
    {
        socketsToRemove.add(socket);
        return this;
    }

    public long pid()
    {
        return process.pid();
    }

    public boolean isAlive()
    {
        return process.isAlive();
    }

    /** @return gst-launch's output so far. */
    public String output()
    {
        try
        {
            return Files.readString(log, StandardCharsets.UTF_8);
        }
        catch (final IOException ex)
        {
            return "(no output: " + ex + ")";
        }
    }

    /**
     * @param timeout how long to wait.
     * @return the exit code.
     */
    public int awaitExit(final Duration timeout) throws InterruptedException
    {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS))
        {
            Assertions.fail("gst-launch did not exit within " + timeout + "; output:\n" + output());
        }
        return process.exitValue();
    }

    /** SIGKILL: the process gets no chance to clean up. */
    public void kill9()
    {
        process.destroyForcibly();
    }

    /**
     * Kill it if still running, wait for it, and remove what a killed GStreamer leaves: its shm
     * areas ("/dev/shm/shmpipe.%5d.%5d", by pid) and the sockets named with {@link #removesOnClose}.
     */
    @Override
    public void close()
    {
        if (process.isAlive())
        {
            process.destroyForcibly();
        }
        try
        {
            process.waitFor(30, TimeUnit.SECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        final String prefix = String.format("shmpipe.%5d.", process.pid());
        try (Stream<Path> list = Files.list(Path.of("/dev/shm")))
        {
            for (final Path area : (Iterable<Path>)list::iterator)
            {
                if (area.getFileName().toString().startsWith(prefix))
                {
                    Files.deleteIfExists(area);
                }
            }
            for (final Path socket : socketsToRemove)
            {
                Files.deleteIfExists(socket);
            }
            Files.deleteIfExists(log);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /** @return a new private directory for sockets and output files; delete it with {@link #deleteTree}. */
    public static Path temporaryDirectory() throws IOException
    {
        return Files.createTempDirectory("shm-streams-gst-");
    }

    public static void deleteTree(final Path directory) throws IOException
    {
        if (directory == null || !Files.exists(directory))
        {
            return;
        }
        try (Stream<Path> walk = Files.walk(directory))
        {
            for (final Path path : (Iterable<Path>)walk.sorted(Comparator.reverseOrder())::iterator)
            {
                Files.deleteIfExists(path);
            }
        }
    }
}
