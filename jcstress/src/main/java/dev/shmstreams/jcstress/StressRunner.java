package dev.shmstreams.jcstress;

import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.infra.Status;
import org.openjdk.jcstress.infra.collectors.DiskReadCollector;
import org.openjdk.jcstress.infra.collectors.InProcessCollector;
import org.openjdk.jcstress.infra.collectors.TestResult;
import org.openjdk.jcstress.infra.grading.GradingResult;
import org.openjdk.jcstress.infra.grading.ReportUtils;
import org.openjdk.jcstress.infra.grading.TestGrading;
import org.openjdk.jcstress.infra.runners.TestList;

import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Runs the jcstress tests and fails, with a non-zero exit code, unless every selected test ran
 * and passed. What {@code mvn verify} executes.
 *
 * <p>jcstress 0.16 signals a failed run only by an {@link AssertionError} thrown out of its
 * {@code main} after the report ("TEST FAILURES: ..."), which makes the JVM exit with 1; and it
 * exits with 0 when no test matched ("FATAL: No matching tests."), when no VM configuration
 * could start, or when a test was skipped as an API mismatch. So this runner does not trust the
 * exit code alone: each jcstress run is a child process with its own working directory, whose
 * binary result file is then read back and checked here, test by test: every selected test
 * present, every fork with status NORMAL (not a test error, timeout, VM crash or API mismatch),
 * no FORBIDDEN or unmatched outcome, and at least one sample. Either check failing fails the run.
 *
 * <pre>
 * java -cp jcstress.jar dev.shmstreams.jcstress.StressRunner [runner options] [jcstress options]
 *   --results DIR          reports go to DIR/LABEL/ (default: target/jcstress-results)
 *   --vm LABEL=FLAGS       one jcstress run with exactly these VM flags (comma-separated), passed
 *                          as -jvmArgs; repeatable. Without --vm: one run, label "auto", with
 *                          jcstress's own VM configurations (all compilation modes).
 *   --timeout MINUTES      kill a run (and its forks) that takes longer; 0 = no limit (default)
 *   anything else          given to jcstress as is: -m quick, -t Futex, -iters 3, -time 200, ...
 * </pre>
 * A summary of every outcome seen, per test, is printed and written to {@code DIR/summary.txt}.
 */
public final class StressRunner
{
    private static final String BLOB_GLOB = "jcstress-results-*.bin.gz";

    private final Path results;
    private final List<String> jcstressArgs;
    private final long timeoutMinutes;
    private final SortedSet<String> tests;
    private final List<String> problems = new ArrayList<>();
    private final StringBuilder summary = new StringBuilder();

    private StressRunner(
        final Path results, final List<String> jcstressArgs, final long timeoutMinutes, final SortedSet<String> tests)
    {
        this.results = results;
        this.jcstressArgs = jcstressArgs;
        this.timeoutMinutes = timeoutMinutes;
        this.tests = tests;
    }

    public static void main(final String[] args) throws Exception
    {
        Path results = Path.of("target", "jcstress-results");
        long timeoutMinutes = 0;
        final List<String> labels = new ArrayList<>();
        final List<String> flags = new ArrayList<>();
        final List<String> jcstressArgs = new ArrayList<>();
        for (int i = 0; i < args.length; i++)
        {
            final String arg = args[i];
            if ("--results".equals(arg) && i + 1 < args.length)
            {
                results = Path.of(args[++i]);
            }
            else if ("--vm".equals(arg) && i + 1 < args.length)
            {
                final String vm = args[++i];
                final int equals = vm.indexOf('=');
                if (equals <= 0)
                {
                    usage("--vm needs LABEL=FLAGS, got '" + vm + "'");
                }
                labels.add(vm.substring(0, equals));
                flags.add(vm.substring(equals + 1).replace(',', ' '));
            }
            else if ("--timeout".equals(arg) && i + 1 < args.length)
            {
                timeoutMinutes = Long.parseLong(args[++i]);
            }
            else if ("-r".equals(arg) || "-jvmArgs".equals(arg) || "-p".equals(arg) || "-l".equals(arg))
            {
                usage(arg + " is the runner's to set: use --results / --vm, or run jcstress.jar directly");
            }
            else if (!arg.isBlank())
            {
                jcstressArgs.add(arg);
            }
        }

        final String filter = optionValue(jcstressArgs, "-t", ".*");
        final SortedSet<String> tests = new TreeSet<>();
        final Pattern pattern = Pattern.compile(filter);
        for (final String test : TestList.tests())
        {
            if (pattern.matcher(test).find())
            {
                tests.add(test);
            }
        }
        if (tests.isEmpty())
        {
            System.err.println("FAILED: no jcstress test matches '" + filter + "' in " + TestList.LIST +
                " (did the jcstress annotation processor run?)");
            System.exit(1);
        }

        final StressRunner runner = new StressRunner(results, jcstressArgs, timeoutMinutes, tests);
        if (labels.isEmpty())
        {
            runner.run("auto", null);
        }
        for (int i = 0; i < labels.size(); i++)
        {
            runner.run(labels.get(i), flags.get(i));
        }
        System.exit(runner.finish() ? 0 : 1);
    }

    private static void usage(final String message)
    {
        System.err.println("StressRunner: " + message);
        System.exit(2);
    }

    private static String optionValue(final List<String> args, final String option, final String otherwise)
    {
        final int index = args.indexOf(option);
        return index >= 0 && index + 1 < args.size() ? args.get(index + 1) : otherwise;
    }

    private void run(final String label, final String vmFlags) throws IOException, InterruptedException
    {
        final Path directory = results.resolve(label).toAbsolutePath().normalize();
        Files.createDirectories(directory);
        try (DirectoryStream<Path> stale = Files.newDirectoryStream(directory, BLOB_GLOB))
        {
            for (final Path blob : stale)
            {
                Files.delete(blob);
            }
        }

        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-cp");
        command.add(absoluteClassPath());
        command.add("org.openjdk.jcstress.Main");
        command.addAll(jcstressArgs);
        command.add("-r");
        command.add(directory.resolve("report").toString());
        if (vmFlags != null)
        {
            command.add("-jvmArgs");
            command.add(vmFlags);
        }
        System.out.println();
        System.out.println("==== jcstress run '" + label + "': " + String.join(" ", command));
        System.out.flush();

        final long start = System.nanoTime();
        final Process process = new ProcessBuilder(command).directory(directory.toFile()).inheritIO().start();
        if (timeoutMinutes > 0 && !process.waitFor(timeoutMinutes, TimeUnit.MINUTES))
        {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly().waitFor();
            problems.add(label + ": jcstress did not finish within " + timeoutMinutes + " min; killed");
            return;
        }
        final int exitCode = process.waitFor();
        final long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
        if (exitCode != 0)
        {
            problems.add(label + ": jcstress exited with " + exitCode + " (its report lists the failures above)");
        }
        verify(label, directory, seconds);
    }

    private void verify(final String label, final Path directory, final long seconds) throws IOException
    {
        final List<Path> blobs = new ArrayList<>();
        try (DirectoryStream<Path> found = Files.newDirectoryStream(directory, BLOB_GLOB))
        {
            found.forEach(blobs::add);
        }
        if (blobs.size() != 1)
        {
            problems.add(label + ": expected one result file " + BLOB_GLOB + " in " + directory + ", found " +
                blobs.size());
            return;
        }

        final InProcessCollector collector = new InProcessCollector();
        final DiskReadCollector reader = new DiskReadCollector(blobs.get(0).toString(), collector);
        try
        {
            reader.dump();
        }
        catch (final ClassNotFoundException | IOException ex)
        {
            problems.add(label + ": cannot read " + blobs.get(0) + ": " + ex);
            return;
        }
        finally
        {
            reader.close();
        }

        int forks = 0;
        for (final TestResult result : collector.getTestResults())
        {
            forks++;
            if (result.status() != Status.NORMAL)
            {
                problems.add(label + ": " + result.getName() + " " + result.getConfig().jvmArgs + ": " +
                    result.status() + " " + String.join(" | ", result.getMessages()));
            }
        }

        summary.append(String.format("%n== run '%s': %d forks, %d s%n", label, forks, seconds));
        final SortedSet<String> missing = new TreeSet<>(tests);
        final List<TestResult> merged = ReportUtils.mergedByName(collector.getTestResults());
        merged.sort(Comparator.comparing(TestResult::getName));
        for (final TestResult result : merged)
        {
            missing.remove(result.getName());
            final TestGrading grading = result.grading();
            summary.append(String.format("%n%s  (%,d samples)%s%n", simpleName(result.getName()),
                result.getTotalCount(), grading.isPassed ? "" : "  FAILED"));
            for (final GradingResult outcome : grading.gradingResults.values())
            {
                summary.append(String.format("  %-14s %,14d  %-22s %s%n", outcome.id, outcome.count,
                    outcome.expect, outcome.description == null ? "" : outcome.description));
            }
            if (!grading.isPassed)
            {
                problems.add(label + ": " + result.getName() + ": " + String.join(" | ", grading.failureMessages));
            }
            if (result.getTotalCount() == 0)
            {
                problems.add(label + ": " + result.getName() + " produced no samples");
            }
            if (grading.hasInteresting)
            {
                for (final GradingResult outcome : grading.gradingResults.values())
                {
                    if (outcome.expect == Expect.ACCEPTABLE_INTERESTING && outcome.count > 0)
                    {
                        summary.append(String.format("  ^ interesting outcome %s observed %,d times%n", outcome.id,
                            outcome.count));
                    }
                }
            }
        }
        for (final String test : missing)
        {
            problems.add(label + ": " + test + " has no result: it did not run");
        }
    }

    /** The child runs in another working directory: the same class path, made absolute. */
    private static String absoluteClassPath()
    {
        final StringBuilder path = new StringBuilder();
        for (final String entry : System.getProperty("java.class.path").split(File.pathSeparator))
        {
            if (path.length() > 0)
            {
                path.append(File.pathSeparatorChar);
            }
            path.append(Path.of(entry).toAbsolutePath().normalize());
        }
        return path.toString();
    }

    private static String simpleName(final String test)
    {
        return test.substring(test.lastIndexOf('.') + 1);
    }

    private boolean finish() throws IOException
    {
        final StringWriter text = new StringWriter();
        final PrintWriter out = new PrintWriter(text);
        out.println("jcstress summary (" + tests.size() + " tests; jcstress options: " +
            String.join(" ", jcstressArgs) + ")");
        out.print(summary);
        out.println();
        if (problems.isEmpty())
        {
            out.println("PASSED: every test ran in every run, no forbidden outcome, no error.");
        }
        else
        {
            out.println("FAILED:");
            problems.forEach(problem -> out.println("  " + problem));
        }
        out.flush();
        Files.createDirectories(results);
        Files.writeString(results.resolve("summary.txt"), text.toString(), StandardCharsets.UTF_8);
        System.out.println();
        System.out.print(text);
        System.out.flush();
        return problems.isEmpty();
    }
}
