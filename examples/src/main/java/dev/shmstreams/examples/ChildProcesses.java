package dev.shmstreams.examples;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Starts demo processes as child JVMs with this JVM's java binary and class path, forwards each
 * output line to a handler, and on the parent's shutdown (Ctrl-C, SIGTERM) asks them to stop
 * (SIGTERM: each completes or drains its stream and closes its channel), kills what has not
 * stopped within 10 s, then waits up to 15 s for the owner to finish (print its summary) and
 * {@link #close()}, so the JVM does not halt under it.
 */
public final class ChildProcesses implements AutoCloseable
{
    private final List<Process> processes = new ArrayList<>();
    private final List<Thread> readers = new ArrayList<>();
    private final CountDownLatch ownerDone = new CountDownLatch(1);
    private final Thread hook = new Thread(this::onShutdown, "demo-children-shutdown");
    private volatile boolean stopping;

    public ChildProcesses()
    {
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /**
     * @param mainClass the child's main class.
     * @param args      its arguments.
     * @param lines     receives each line the child prints (stdout and stderr), on a reader thread.
     * @return the process.
     */
    public Process start(final Class<?> mainClass, final String[] args, final Consumer<String> lines)
    {
        final List<String> command = new ArrayList<>(List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xmx512m", "-XX:+UseParallelGC", "-cp", System.getProperty("java.class.path"), mainClass.getName()));
        command.addAll(List.of(args));
        try
        {
            final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            synchronized (processes)
            {
                processes.add(process);
            }
            final Thread reader = new Thread(() ->
            {
                try (BufferedReader in = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)))
                {
                    String line;
                    while ((line = in.readLine()) != null)
                    {
                        lines.accept(line);
                    }
                }
                catch (final IOException ignore)
                {
                    // the process ended
                }
            }, mainClass.getSimpleName() + "-output");
            reader.setDaemon(true);
            reader.start();
            synchronized (processes)
            {
                readers.add(reader);
            }
            return process;
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot start " + mainClass.getName(), ex);
        }
    }

    /**
     * Wait until every child exited and its last line was handled (its output pipe is drained
     * after the process is gone, so a line printed just before exiting can still be in flight).
     *
     * @param timeoutMillis at most this long in all.
     * @return true if every child exited in time.
     */
    public boolean awaitExit(final long timeoutMillis) throws InterruptedException
    {
        final long deadline = System.currentTimeMillis() + timeoutMillis;
        final List<Process> running;
        final List<Thread> pumps;
        synchronized (processes)
        {
            running = new ArrayList<>(processes);
            pumps = new ArrayList<>(readers);
        }
        boolean exited = true;
        for (final Process process : running)
        {
            exited &= process.waitFor(Math.max(1, deadline - System.currentTimeMillis()), TimeUnit.MILLISECONDS);
        }
        for (final Thread pump : pumps)
        {
            pump.join(Math.max(1, deadline - System.currentTimeMillis()));
        }
        return exited;
    }

    /** @return true once this JVM began shutting down (Ctrl-C, SIGTERM) and the children were asked to stop. */
    public boolean isStopping()
    {
        return stopping;
    }

    private void onShutdown()
    {
        stopping = true;
        stopChildren();
        try
        {
            ownerDone.await(15, TimeUnit.SECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    /** Ask every child to stop (SIGTERM lets it close its channel), then kill what remains. */
    @Override
    public void close()
    {
        stopChildren();
        ownerDone.countDown();
        try
        {
            Runtime.getRuntime().removeShutdownHook(hook);
        }
        catch (final IllegalStateException shuttingDown)
        {
            // the hook runs, and waited for this call
        }
    }

    private void stopChildren()
    {
        final List<Process> running;
        synchronized (processes)
        {
            running = new ArrayList<>(processes);
        }
        // SIGTERM through the handle: Process.destroy() would also close our ends of the child's
        // pipes, losing what it prints while it stops (its summary) and closing its stdin
        running.forEach(process -> process.toHandle().destroy());
        for (final Process process : running)
        {
            try
            {
                if (!process.waitFor(10, TimeUnit.SECONDS))
                {
                    process.destroyForcibly();
                }
            }
            catch (final InterruptedException ex)
            {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }
}
