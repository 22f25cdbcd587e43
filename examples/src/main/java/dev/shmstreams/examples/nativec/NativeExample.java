package dev.shmstreams.examples.nativec;

import akka.Done;
import akka.actor.typed.ActorSystem;
import akka.stream.javadsl.Sink;
import dev.shmstreams.examples.ExampleSystem;
import dev.shmstreams.examples.Flags;
import dev.shmstreams.examples.Launcher;
import dev.shmstreams.stream.ShmFrame;
import dev.shmstreams.stream.ShmSourceSettings;
import dev.shmstreams.stream.javadsl.ShmSource;
import org.HdrHistogram.Histogram;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The layout spec proven by a second language: a C program written from docs/layout.md alone
 * (examples/src/main/resources/native/shm_producer.c) creates a channel and writes frames into it;
 * an Akka graph here reads them through a ShmSource and checks every byte, length, flag and
 * metadata field. The C program is compiled with the machine's gcc into the build directory;
 * without gcc the example says so and is skipped.
 */
public final class NativeExample
{
    public static final String HELP =
        "  --frames N                   frames the C producer writes (default 20000)\n" +
        "  --frame-bytes N              largest frame, a multiple of 8 (default 65536)\n" +
        "  --slots N                    ring slots, a power of two (default 8)\n" +
        "  --fps N|unlimited            the C producer's frame rate (default unlimited)\n" +
        "  --dir DIR                    segment directory (default /dev/shm)\n";

    private static final String SOURCE = "shm_producer.c";

    private NativeExample()
    {
    }

    /**
     * @param args see {@link #HELP}.
     * @param out  what happens.
     * @return 0 when every frame the C program wrote arrived intact, or when gcc is missing (skipped).
     */
    public static int run(final String[] args, final PrintStream out) throws Exception
    {
        final Map<String, String> defaults = new LinkedHashMap<>();
        defaults.put("frames", "20000");
        defaults.put("frame-bytes", "65536");
        defaults.put("slots", "8");
        defaults.put("fps", "unlimited");
        defaults.put("dir", "/dev/shm");
        final Flags flags = Flags.parse(args, defaults);
        final int frames = flags.integer("frames", 1, Integer.MAX_VALUE);
        final int frameBytes = flags.integer("frame-bytes", 64, 1 << 30);
        if (frameBytes % 8 != 0)
        {
            throw new Flags.BadFlagException("--frame-bytes must be a multiple of 8, was " + frameBytes);
        }
        final int slots = flags.integer("slots", 1, 65536);
        if (Integer.bitCount(slots) != 1)
        {
            throw new Flags.BadFlagException("--slots must be a power of two, was " + slots);
        }
        final String fps = "unlimited".equals(flags.string("fps")) ? "0" :
            String.valueOf(flags.decimal("fps", 0.1, 1_000_000));
        final Path dir = Path.of(flags.string("dir"));

        final Path build = buildDirectory().resolve("native");
        final Path binary = compile(build, out);
        if (binary == null)
        {
            return 0;
        }

        final String channel = "shm-streams-native-" + ProcessHandle.current().pid();
        final ActorSystem<Void> system = ExampleSystem.create("native-example", dir);
        try
        {
            out.println("consumer: ShmSource -> Akka graph checking every frame; producer: the C program, " +
                frames + " frames of up to " + frameBytes + " bytes into " + slots + " slots of " + dir.resolve(channel));
            final FrameCheck check = new FrameCheck();
            final CompletionStage<Done> consumed = ShmSource.create(ShmSourceSettings.create(system, channel)
                    .withAttachTimeout(Duration.ofSeconds(60)))
                .map(frame ->
                {
                    try (frame)
                    {
                        return check.check(frame, frameBytes);
                    }
                })
                .runWith(Sink.ignore(), system);

            final Process producer = new ProcessBuilder(binary.toString(), dir.toString(), channel,
                String.valueOf(slots), String.valueOf(frameBytes), String.valueOf(frames), fps)
                .redirectErrorStream(true).start();
            pump(producer.getInputStream(), out);
            String end = "completed";
            try
            {
                consumed.toCompletableFuture().get(300, TimeUnit.SECONDS);
            }
            catch (final ExecutionException ex)
            {
                end = "failed: " + ex.getCause();
            }
            final boolean exited = producer.waitFor(60, TimeUnit.SECONDS) && producer.exitValue() == 0;
            final double seconds = Math.max(1e-9, (check.last - check.first) / 1e9);
            out.println();
            out.println("summary");
            out.printf("  %-34s %d%n", "frames received, verified", check.frames);
            out.printf("  %-34s %d%n", "frames wrong (payload, length, flags, metadata, order)", check.wrong);
            out.printf("  %-34s %.2f%n", "throughput (GB/s)", check.bytes / seconds / 1e9);
            out.printf("  %-34s %.1f / %.1f%n", "latency p50 / p99 (us)", check.latency.getValueAtPercentile(50) / 1e3,
                check.latency.getValueAtPercentile(99) / 1e3);
            out.printf("  %-34s %s%n", "consumer stream", end);
            out.printf("  %-34s %s%n", "C producer", exited ? "exit 0" : "FAILED");
            final boolean ok = exited && end.equals("completed") && check.frames == frames && check.wrong == 0;
            out.println(ok ? "result: every frame the C program wrote arrived intact: docs/layout.md is enough to " +
                "implement a producer" : "result: FAILED (see above)");
            return ok ? 0 : 1;
        }
        finally
        {
            ExampleSystem.terminate(system);
        }
    }

    /** @return the compiled program, or null (with the reason printed) when gcc is not there. */
    private static Path compile(final Path build, final PrintStream out) throws IOException, InterruptedException
    {
        Files.createDirectories(build);
        final Path source = build.resolve(SOURCE);
        try (InputStream in = NativeExample.class.getResourceAsStream("/native/" + SOURCE))
        {
            if (in == null)
            {
                throw new IOException("native/" + SOURCE + " is missing from the class path");
            }
            Files.copy(in, source, StandardCopyOption.REPLACE_EXISTING);
        }
        final Path binary = build.resolve("shm_producer");
        final List<String> command = List.of("gcc", "-std=c11", "-O2", "-Wall", "-Wextra", "-o", binary.toString(),
            source.toString());
        final Process gcc;
        try
        {
            gcc = new ProcessBuilder(command).redirectErrorStream(true).start();
        }
        catch (final IOException ex)
        {
            out.println("native: SKIPPED: gcc is not installed (" + ex.getMessage() + "); install it (Debian: " +
                "apt-get install gcc) to build the C producer");
            return null;
        }
        final String output = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!gcc.waitFor(120, TimeUnit.SECONDS) || gcc.exitValue() != 0)
        {
            throw new IOException("gcc failed:\n" + output);
        }
        out.println("built " + binary + " with: " + String.join(" ", command) + (output.isBlank() ? "" : "\n" + output));
        return binary;
    }

    /** examples/target when run from the jar or the classes directory, else ./target. */
    private static Path buildDirectory()
    {
        final String configured = System.getProperty("shm.examples.build.dir");
        if (configured != null)
        {
            return Path.of(configured);
        }
        try
        {
            final Path location = Path.of(Launcher.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            final Path parent = location.getParent();
            if (parent != null && parent.getFileName() != null && parent.getFileName().toString().equals("target"))
            {
                return parent;
            }
        }
        catch (final URISyntaxException | RuntimeException ignore)
        {
            // fall through
        }
        return Path.of("target");
    }

    private static void pump(final InputStream in, final PrintStream out)
    {
        final Thread reader = new Thread(() ->
        {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)))
            {
                String line;
                while ((line = lines.readLine()) != null)
                {
                    out.println("C producer: " + line);
                }
            }
            catch (final IOException ignore)
            {
                // the process ended
            }
        }, "c-producer-output");
        reader.setDaemon(true);
        reader.start();
    }

    /** Checks frames against what shm_producer.c writes. Runs on the stream's thread only. */
    static final class FrameCheck
    {
        final Histogram latency = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
        long frames;
        long wrong;
        long bytes;
        long first;
        long last;

        long check(final ShmFrame frame, final int frameBytes)
        {
            final long now = System.nanoTime();
            if (frames == 0)
            {
                first = now;
            }
            last = now;
            latency.recordValue(Math.min(Math.max(0, now - frame.timestampNanos()), latency.getHighestTrackableValue()));
            final long s = frame.frameId();
            boolean ok = s == frames && frame.length() == frameBytes - 8 * (int)(s % 7) &&
                frame.userFlags() == ((s & 1) != 0 ? 1 << 16 : 0) &&
                frame.metadata().getInt(8) == 0x43534D53;
            long checksum = 0;
            for (int k = 0; ok && k < frame.length() / 8; k++)
            {
                final long word = frame.buffer().getLong(8 * k);
                ok = word == s * 0x9E3779B97F4A7C15L + k;
                checksum ^= word;
            }
            if (!ok || checksum != frame.metadata().getLong(0))
            {
                wrong++;
            }
            frames++;
            bytes += frame.length();
            return s;
        }
    }
}
