package dev.shmstreams.benchmarks.peers;

import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The peer benchmark runs end to end: every peer's producer and consumer process move 64-byte
 * messages and 4K frames at saturation and 64-byte messages at 1,000/s (with the producer's lag
 * recorded), every message checks out, the result files and charts are written, and
 * nothing is left in /dev/shm. A smoke run with windows of a few hundred milliseconds: it asserts
 * that each peer delivered, never how fast.
 */
class PeerBenchmarkSmokeIT
{
    @Test
    void everyPeerDeliversCheckedMessagesAndTheResultsAreWritten() throws Exception
    {
        final Path out = Path.of("target", "peer-smoke").toAbsolutePath();
        final List<String> command = new ArrayList<>(List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
            "-cp", System.getProperty("java.class.path"), PeerBenchmark.class.getName(),
            "--smoke", "--phases=sat-64,sat-4k,rate-64-spin", "--only=sat,rate", "--out=" + out));
        final Path log = Files.createDirectories(out).resolve("smoke.log");
        final Process harness = new ProcessBuilder(command).redirectErrorStream(true)
            .redirectOutput(log.toFile()).start();
        try
        {
            assertTrue(harness.waitFor(5, TimeUnit.MINUTES), "the smoke run did not finish within 5 minutes");
        }
        finally
        {
            harness.destroyForcibly();
        }
        final String output = Files.readString(log, StandardCharsets.UTF_8);
        assertEquals(0, harness.exitValue(), "the harness failed:\n" + output);

        final Set<String> delivered = new HashSet<>();
        final Set<String> lagged = new HashSet<>();
        for (final String line : Files.readAllLines(out.resolve("peers.csv")))
        {
            final String[] fields = line.split(",");
            if (fields[2].equals(PeerTables.FPS) && Double.parseDouble(fields[3]) > 0)
            {
                delivered.add(fields[0] + "/" + fields[1]);
            }
            if (fields[2].equals("lag p99 us") && Double.parseDouble(fields[3]) >= 0)
            {
                lagged.add(fields[0] + "/" + fields[1]);
            }
            if (fields[2].equals("errors"))
            {
                assertEquals(0.0, Double.parseDouble(fields[3]), line);
            }
        }
        for (final String peer : PeerBenchmark.PEERS)
        {
            assertTrue(delivered.contains("sat-64/" + peer), peer + " delivered no 64-byte messages:\n" + output);
            assertTrue(delivered.contains("sat-4k/" + peer), peer + " delivered no 4K frames:\n" + output);
            assertTrue(delivered.contains("rate-64-spin/" + peer), peer + " delivered nothing at 1,000/s:\n" + output);
            assertTrue(lagged.contains("rate-64-spin/" + peer), peer + ": no producer lag at 1,000/s:\n" + output);
        }
        final String json = Files.readString(out.resolve("results.json"), StandardCharsets.UTF_8);
        assertTrue(json.contains("\"failures\": []"), "failures reported:\n" + json);
        assertTrue(Files.size(out.resolve("throughput-4k.png")) > 0);
        assertTrue(Files.size(out.resolve("results.md")) > 0);
        final File[] left = new File("/dev/shm").listFiles((dir, name) -> name.startsWith("shm-streams-bench-"));
        for (final File file : left == null ? new File[0] : left)
        {
            assertFalse(file.getName().endsWith("-" + harness.pid()), "left in /dev/shm: " + file);
        }
    }
}
