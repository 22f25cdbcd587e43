package dev.shmstreams.transport.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A child JVM running one of the test-side main classes ({@link ProducerProcess},
 * {@link ConsumerProcess}) on the test class path, so a test can kill a real peer process with
 * SIGKILL and watch the survivor.
 *
 * <p>Its standard output is the protocol: each line goes to a queue that {@link #awaitLine}
 * consumes, stamped with its arrival time (so a test can measure how long after a kill a line
 * came without trusting the child's clock). Both streams also go to a log file under
 * {@code target/it-logs}, and the last lines of both are quoted in every assertion failure: a
 * failure on a loaded CI machine must be diagnosable from the report alone.
 *
 * <p>No process may outlive its test: {@link #close()} kills whatever still runs, a shutdown hook
 * kills children of a test JVM that exits without closing them, and the child itself halts when
 * its standard input reaches end-of-file ({@link ChildSupport#exitWhenParentDies}), which is what
 * happens when this JVM dies however it dies, kill -9 included.
 */
public final class ChildJvm implements AutoCloseable
{
    /**
     * Flags for a small, quickly started child. C1 only and the serial collector keep start-up
     * short and leave the second core to the peer; no perf-data file in /tmp.
     */
    public static final List<String> DEFAULT_JVM_FLAGS = List.of(
        "-Xmx256m", "-Xss512k", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData", "-Xshare:auto");

    private static final Duration KILL_TIMEOUT = Duration.ofSeconds(30);
    private static final int TAIL_LINES = 40;
    private static final Pattern FIELD = Pattern.compile("(\\w+)=(\\S*)");
    private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

    static
    {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(Process::destroyForcibly),
            "child-jvm-reaper"));
    }

    private final String name;
    private final Process process;
    private final Path logFile;
    private final PrintWriter log;
    private final BlockingQueue<Line> stdout = new LinkedBlockingQueue<>();
    private final ArrayDeque<String> tail = new ArrayDeque<>();
    private final Thread outPump;
    private final Thread errPump;

    /** One line of the child's standard output and when this JVM read it ({@link System#nanoTime()}). */
    public record Line(String text, long arrivalNanos)
    {
        /** @return the {@code key=value} fields of the line, in order. */
        public Map<String, String> fields()
        {
            return ChildJvm.fields(text);
        }

        public long longField(final String key)
        {
            final String value = fields().get(key);
            if (value == null)
            {
                throw new AssertionError("no field '" + key + "' in line: " + text);
            }
            return Long.parseLong(value);
        }

        public String field(final String key)
        {
            final String value = fields().get(key);
            if (value == null)
            {
                throw new AssertionError("no field '" + key + "' in line: " + text);
            }
            return value;
        }
    }

    private ChildJvm(final String name, final Process process, final Path logFile, final PrintWriter log)
    {
        this.name = name;
        this.process = process;
        this.logFile = logFile;
        this.log = log;
        this.outPump = pump(process.getInputStream(), "out", true);
        this.errPump = pump(process.getErrorStream(), "err", false);
    }

    /**
     * Start {@code mainClass} in a new JVM with this JVM's {@code java} and class path.
     *
     * @param name      what the child is, for messages and the log file name (e.g. "a1-consumer").
     * @param mainClass a class with a {@code main(String[])} on the test class path.
     * @param args      its arguments.
     * @return the running child.
     */
    public static ChildJvm start(final String name, final Class<?> mainClass, final List<String> args)
    {
        return start(name, mainClass, List.of(), args);
    }

    /**
     * As {@link #start(String, Class, List)}, with JVM flags added after the default ones (so they
     * win), e.g. {@code -Xint} to keep every access in the interpreter.
     *
     * @param name      what the child is, for messages and the log file name.
     * @param mainClass a class with a {@code main(String[])} on the test class path.
     * @param extraJvmFlags flags appended to the child's JVM flags.
     * @param args      its arguments.
     * @return the running child.
     */
    public static ChildJvm start(
        final String name, final Class<?> mainClass, final List<String> extraJvmFlags, final List<String> args)
    {
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmFlags());
        command.addAll(extraJvmFlags);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass.getName());
        command.addAll(args);

        final ProcessBuilder builder = new ProcessBuilder(command);
        // the child must not find our surefire/failsafe class path in its environment either
        builder.environment().remove("CLASSPATH");
        final Process process;
        try
        {
            process = builder.start();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot start child JVM " + name + ": " + command, ex);
        }
        LIVE.add(process);
        final Path logFile = logDirectory().resolve(name + "-" + process.pid() + ".log");
        try
        {
            final PrintWriter log = new PrintWriter(Files.newBufferedWriter(logFile, StandardCharsets.UTF_8), true);
            log.println("# " + LocalTime.now() + " started pid " + process.pid() + ": " + String.join(" ", command));
            return new ChildJvm(name, process, logFile, log);
        }
        catch (final IOException | RuntimeException ex)
        {
            process.destroyForcibly();
            LIVE.remove(process);
            throw new IllegalStateException("cannot log child JVM " + name + " to " + logFile, ex);
        }
    }

    private static List<String> jvmFlags()
    {
        final String configured = System.getProperty("shm.it.child.jvm.args");
        return configured == null || configured.isBlank() ? DEFAULT_JVM_FLAGS :
            Arrays.asList(configured.trim().split("\\s+"));
    }

    private static Path logDirectory()
    {
        final Path dir = Path.of(System.getProperty("shm.it.log.dir", "target/it-logs"));
        try
        {
            return Files.createDirectories(dir);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    private Thread pump(final InputStream stream, final String tag, final boolean protocol)
    {
        final Thread thread = new Thread(() ->
        {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8)))
            {
                String text;
                while ((text = reader.readLine()) != null)
                {
                    final long now = System.nanoTime();
                    synchronized (tail)
                    {
                        log.println(LocalTime.now() + " [" + tag + "] " + text);
                        tail.addLast("[" + tag + "] " + text);
                        if (tail.size() > TAIL_LINES)
                        {
                            tail.removeFirst();
                        }
                    }
                    if (protocol)
                    {
                        stdout.add(new Line(text, now));
                    }
                }
            }
            catch (final IOException ignore)
            {
                // the stream closes when the process dies; nothing more to read
            }
        }, "child-jvm-" + name + "-" + tag);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    public String name()
    {
        return name;
    }

    public long pid()
    {
        return process.pid();
    }

    public boolean isAlive()
    {
        return process.isAlive();
    }

    /**
     * Take lines off the child's output until one matches, discarding the others (they stay in
     * the log).
     *
     * @param pattern matched against the whole line with {@link Matcher#find()}.
     * @param timeout how long at most.
     * @return the matching line.
     * @throws AssertionError on timeout, or when the child exited and printed no such line; the
     *                        message quotes the child's last output and exit code.
     */
    public Line awaitLine(final Pattern pattern, final Duration timeout)
    {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (true)
        {
            final long remaining = deadline - System.nanoTime();
            if (remaining <= 0)
            {
                throw failure("no line matching /" + pattern + "/ within " + timeout.toMillis() + " ms");
            }
            final Line line;
            try
            {
                line = stdout.poll(Math.min(remaining, TimeUnit.MILLISECONDS.toNanos(200)), TimeUnit.NANOSECONDS);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for " + name, ex);
            }
            if (line != null)
            {
                if (pattern.matcher(line.text()).find())
                {
                    return line;
                }
            }
            else if (!process.isAlive() && !outPump.isAlive() && stdout.isEmpty())
            {
                throw failure("exited with code " + process.exitValue() + " before printing a line matching /" +
                    pattern + "/");
            }
        }
    }

    /** @return {@link #awaitLine(Pattern, Duration)} for a line starting with {@code word} and a space. */
    public Line awaitLine(final String word, final Duration timeout)
    {
        return awaitLine(Pattern.compile("^" + Pattern.quote(word) + "( |$)"), timeout);
    }

    /**
     * @param timeout how long at most.
     * @return the exit code.
     * @throws AssertionError if the child still runs after {@code timeout}.
     */
    public int awaitExit(final Duration timeout)
    {
        try
        {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS))
            {
                throw failure("still running after " + timeout.toMillis() + " ms");
            }
            // let the pumps drain what the child printed last, so the tail and the log are complete
            outPump.join(TimeUnit.SECONDS.toMillis(5));
            errPump.join(TimeUnit.SECONDS.toMillis(5));
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for " + name, ex);
        }
        LIVE.remove(process);
        return process.exitValue();
    }

    /**
     * Send SIGKILL ({@link Process#destroyForcibly()} is {@code kill(pid, SIGKILL)} on Linux) and
     * wait until the process is gone: no shutdown hook, no finally block, no close() runs in it.
     *
     * @throws AssertionError if it is not dead within 30 s, or died some other way (exit code is
     *                        not 128 + 9).
     */
    public void kill9()
    {
        if (!process.isAlive())
        {
            throw failure("was expected to be running when killed, but exited with code " + process.exitValue());
        }
        process.destroyForcibly();
        final int code = awaitExit(KILL_TIMEOUT);
        if (code != 128 + 9)
        {
            throw failure("exit code after SIGKILL was " + code + ", expected 137 (killed by signal 9)");
        }
        log.println("# " + LocalTime.now() + " killed with SIGKILL");
    }

    /**
     * Send a signal with {@code kill(1)}, e.g. "STOP" and "CONT" to freeze and thaw the child as a
     * swapped-out or debugger-stopped process would be.
     *
     * @param signal a signal name without the SIG prefix.
     */
    public void signal(final String signal)
    {
        if (!process.isAlive())
        {
            // its pid may already belong to another process: never signal a reaped child
            throw failure("was expected to be running when sent SIG" + signal + ", but exited with code " +
                process.exitValue());
        }
        try
        {
            final Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid()))
                .redirectErrorStream(true).start();
            final String output = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!kill.waitFor(KILL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS) || kill.exitValue() != 0)
            {
                throw failure("could not be sent SIG" + signal + ": " + output.trim());
            }
            log.println("# " + LocalTime.now() + " sent SIG" + signal);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("kill -" + signal + " " + process.pid(), ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while signalling " + name, ex);
        }
    }

    /** Kill the child if it still runs (stopped or not), wait for it, close the log. Never throws. */
    @Override
    public void close()
    {
        try
        {
            if (process.isAlive())
            {
                process.destroyForcibly();
                process.waitFor(KILL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                log.println("# " + LocalTime.now() + " killed by close()");
            }
            outPump.join(TimeUnit.SECONDS.toMillis(5));
            errPump.join(TimeUnit.SECONDS.toMillis(5));
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        finally
        {
            if (!process.isAlive())
            {
                LIVE.remove(process);
            }
            log.close();
        }
    }

    private AssertionError failure(final String what)
    {
        final StringBuilder message = new StringBuilder()
            .append("child JVM '").append(name).append("' (pid ").append(process.pid()).append(") ").append(what)
            .append("; log: ").append(logFile.toAbsolutePath()).append("; last output:");
        synchronized (tail)
        {
            tail.forEach(text -> message.append("\n    ").append(text));
        }
        return new AssertionError(message.toString());
    }

    /**
     * @param text a protocol line such as {@code RESULT terminal=END_OF_STREAM received=5}.
     * @return its {@code key=value} fields, in order.
     */
    public static Map<String, String> fields(final String text)
    {
        final Map<String, String> fields = new LinkedHashMap<>();
        final Matcher matcher = FIELD.matcher(text);
        while (matcher.find())
        {
            fields.put(matcher.group(1), matcher.group(2));
        }
        return fields;
    }

    @Override
    public String toString()
    {
        return "ChildJvm{" + name + ", pid " + process.pid() + (process.isAlive() ? ", running" : ", exited") + '}';
    }
}
