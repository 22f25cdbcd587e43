package dev.shmstreams.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Starts the child JVMs of one scenario together, passes their log through, collects their
 * {@code @result} lines, and fails the scenario (killing the other children) when one fails or
 * overruns its time. Children still running when the harness exits are killed by a shutdown hook
 * (and kill themselves if the harness disappears without one).
 */
public final class ChildLauncher
{
    private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

    private final List<String> jvmArgs;
    private final Path directory;
    private final Path outputDirectory;

    public ChildLauncher(final List<String> jvmArgs, final Path directory, final Path outputDirectory)
    {
        this.jvmArgs = jvmArgs;
        this.directory = directory;
        this.outputDirectory = outputDirectory;
    }

    /** One child: its role and its arguments. */
    public static final class Spec
    {
        final String role;
        final Map<String, String> args = new LinkedHashMap<>();

        public Spec(final String role)
        {
            this.role = role;
        }

        public Spec arg(final String key, final Object value)
        {
            args.put(key, String.valueOf(value));
            return this;
        }
    }

    /**
     * Run the children of one scenario to completion.
     *
     * @param scenario      scenario name.
     * @param round         round index, part of every name the children create.
     * @param timeoutMillis for the whole scenario.
     * @param specs         the children.
     * @return results keyed {@code role.key}.
     * @throws IllegalStateException when a child fails or the scenario times out.
     */
    public Map<String, Double> run(final String scenario, final int round, final long timeoutMillis, final List<Spec> specs)
    {
        final Map<String, Double> results = new ConcurrentHashMap<>();
        final List<Process> processes = new ArrayList<>();
        final List<Thread> readers = new ArrayList<>();
        final double busyAtStart = Conditions.busySeconds();
        final long start = System.nanoTime();
        try
        {
            for (final Spec spec : specs)
            {
                final List<String> command = new ArrayList<>();
                command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
                command.addAll(jvmArgs);
                command.add("-cp");
                command.add(System.getProperty("java.class.path"));
                command.add(Child.class.getName());
                command.add("scenario=" + scenario);
                command.add("role=" + spec.role);
                command.add("round=" + round);
                command.add("dir=" + directory);
                command.add("out=" + outputDirectory);
                spec.args.forEach((key, value) -> command.add(key + "=" + value));
                final Process process = new ProcessBuilder(command)
                    .redirectErrorStream(false)
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .redirectInput(ProcessBuilder.Redirect.PIPE)
                    .start();
                LIVE.add(process);
                processes.add(process);
                final Thread reader = new Thread(() -> collect(process, spec.role, results), "child-" + spec.role);
                reader.setDaemon(true);
                reader.start();
                readers.add(reader);
            }

            final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
            for (int i = 0; i < processes.size(); i++)
            {
                final Process process = processes.get(i);
                final long remaining = deadline - System.nanoTime();
                if (!process.waitFor(Math.max(remaining, 0), TimeUnit.NANOSECONDS))
                {
                    throw new IllegalStateException(scenario + "/" + specs.get(i).role + " did not finish within " +
                        timeoutMillis + " ms");
                }
                if (process.exitValue() != 0)
                {
                    throw new IllegalStateException(scenario + "/" + specs.get(i).role + " exited with " +
                        process.exitValue());
                }
            }
            for (final Thread reader : readers)
            {
                reader.join(5_000);
            }
            // what the machine did besides this scenario's children, while they ran
            final double wall = (System.nanoTime() - start) / 1e9;
            double children = 0;
            for (final Map.Entry<String, Double> result : results.entrySet())
            {
                if (result.getKey().endsWith(".processCpuSeconds"))
                {
                    children += result.getValue();
                }
            }
            results.put("harness.otherLoadDuringCores",
                Math.max(0, (Conditions.busySeconds() - busyAtStart - children) / wall));
            return results;
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", ex);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot start a child JVM", ex);
        }
        finally
        {
            for (final Process process : processes)
            {
                kill(process);
            }
        }
    }

    private static void collect(final Process process, final String role, final Map<String, Double> results)
    {
        try (BufferedReader reader = new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)))
        {
            String line;
            while ((line = reader.readLine()) != null)
            {
                if (line.startsWith(ChildContext.RESULT_PREFIX))
                {
                    final String[] parts = line.substring(ChildContext.RESULT_PREFIX.length()).split(" ");
                    results.put(role + "." + parts[0], Double.parseDouble(parts[1]));
                }
                else
                {
                    System.out.println("  " + line);
                }
            }
        }
        catch (final IOException ex)
        {
            System.err.println("reading child " + role + ": " + ex);
        }
    }

    /** Ask politely (SIGTERM runs the child's hooks, which close its channels), then insist. */
    private static void kill(final Process process)
    {
        if (process.isAlive())
        {
            process.destroy();
            try
            {
                if (!process.waitFor(5, TimeUnit.SECONDS))
                {
                    process.destroyForcibly();
                    process.waitFor(5, TimeUnit.SECONDS);
                }
            }
            catch (final InterruptedException ex)
            {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        LIVE.remove(process);
    }

    /** For the harness's shutdown hook: children go first, then their directory. */
    public static void killAll()
    {
        for (final Process process : LIVE)
        {
            kill(process);
        }
    }
}
