package dev.shmstreams.transport;

import dev.shmstreams.transport.internal.AgronaGuard;
import dev.shmstreams.transport.test.ShmTestDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What the environment can refuse, seen from a real child JVM: the JVM flag Agrona 2.x needs, and
 * mlock beyond RLIMIT_MEMLOCK.
 */
@ExtendWith(ShmTestDirectory.class)
class JvmEnvironmentTest
{
    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();

    private static final class Result
    {
        final int exitCode;
        final String output;

        Result(final int exitCode, final String output)
        {
            this.exitCode = exitCode;
            this.output = output;
        }
    }

    private static Result run(final List<String> command) throws Exception
    {
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try
        {
            final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(process.waitFor(120, TimeUnit.SECONDS), "child did not exit");
            return new Result(process.exitValue(), output);
        }
        finally
        {
            process.destroyForcibly();
        }
    }

    private static List<String> javaCommand(final String classPath, final String... jvmAndArgs)
    {
        final List<String> command = new ArrayList<>(List.of(JAVA, "-Xmx128m", "-XX:TieredStopAtLevel=1", "-cp", classPath));
        command.addAll(Arrays.asList(jvmAndArgs));
        return command;
    }

    @Test
    void agrona2WithoutItsFlagFailsWithAMessageNamingTheFlagAndWorksWithIt(final Path dir) throws Exception
    {
        final String agrona2 = System.getProperty("shm.test.agrona2.jar");
        assumeTrue(agrona2 != null && Files.exists(Path.of(agrona2)), "agrona 2 jar is copied by the build");
        final String classPath = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
            .map(entry -> entry.matches(".*agrona-1\\.[0-9.]+\\.jar") ? agrona2 : entry)
            .collect(Collectors.joining(File.pathSeparator));
        assertTrue(classPath.contains(agrona2), "agrona 1.x replaced on the class path");

        final Result without = run(javaCommand(classPath, EnvironmentChild.class.getName(), dir.toString(), "4096", "false"));
        assertEquals(1, without.exitCode, without.output);
        assertTrue(without.output.contains("IllegalStateException") && without.output.contains(AgronaGuard.FLAG),
            "the error names the flag:\n" + without.output);

        final String[] flag = AgronaGuard.FLAG.split(" ");
        final Result with = run(javaCommand(classPath, flag[0], flag[1], EnvironmentChild.class.getName(),
            dir.toString(), "4096", "false"));
        assertEquals(0, with.exitCode, "shm-streams runs on Agrona 2.x given the flag:\n" + with.output);
        assertTrue(with.output.contains("GOT 42"), with.output);
        assertEquals(List.of(), ShmTestDirectory.leftovers(dir));
    }

    @Test
    void mlockBeyondTheLimitFallsBackAndSaysWhy(final Path dir) throws Exception
    {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/setpriv")), "setpriv (util-linux) drops CAP_IPC_LOCK");
        final List<String> command = new ArrayList<>(List.of("/usr/bin/setpriv", "--bounding-set", "-ipc_lock",
            "--inh-caps", "-ipc_lock"));
        command.addAll(javaCommand(System.getProperty("java.class.path"), EnvironmentChild.class.getName(),
            dir.toString(), String.valueOf(4 << 20), "true"));
        final Result result = run(command);
        assertEquals(0, result.exitCode, "a refused mlock is not an error:\n" + result.output);
        assertTrue(result.output.contains("GOT 42"), result.output);
        assertTrue(result.output.matches("(?s).*NOTE mlock of [0-9.]+ MiB refused \\((ENOMEM|EPERM).*RLIMIT_MEMLOCK is .*" +
            "lacks CAP_IPC_LOCK.*"), "the fallback and its reason are reported:\n" + result.output);
        assertEquals(List.of(), ShmTestDirectory.leftovers(dir));
    }
}
