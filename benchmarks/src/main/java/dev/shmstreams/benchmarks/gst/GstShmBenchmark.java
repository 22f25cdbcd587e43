package dev.shmstreams.benchmarks.gst;

import akka.Done;
import akka.actor.ActorSystem;
import akka.stream.javadsl.Sink;
import com.typesafe.config.ConfigFactory;
import dev.shmstreams.gst.GstShmSourceSettings;
import dev.shmstreams.gst.GstVideoInfo;
import dev.shmstreams.gst.VideoFormat;
import dev.shmstreams.gst.javadsl.GstShmSource;
import org.agrona.DirectBuffer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * GStreamer to Akka against GStreamer to GStreamer, in one run on one machine: frames per second
 * of 1080p and 4K I420 video sent by a gst-launch-1.0 process through shmsink, received
 * <ul>
 *   <li>by GStreamer itself: a second gst-launch-1.0 process, {@code shmsrc ! fakesink};</li>
 *   <li>by an Akka graph in this JVM: {@link GstShmSource}, each frame released at once;</li>
 *   <li>by an Akka graph that also reads every byte of each frame in place (a realistic consumer).</li>
 * </ul>
 * The sender repeats one rendered frame ({@code videotestsrc num-buffers=1 ! imagefreeze}) so that
 * rendering does not hide the transport: its cost is shmsink's copy of each frame into its area,
 * which both receivers pay alike. Two context rows: that sender with nobody connected (its own
 * limit: the copy, no receiver), and videotestsrc rendering a moving pattern (what a live test
 * source produces). Every rate is timed the same way, from the receipt of frame W (after warm-up)
 * to that of the last frame: in GStreamer from its own debug log timestamps (shmsrc "Got buffer",
 * basesink "rendering object"), in Akka with System.nanoTime in the graph. The measurements of a
 * resolution are interleaved, repeated, and the median reported.
 *
 * <pre>
 * java -cp benchmarks.jar:... dev.shmstreams.benchmarks.gst.GstShmBenchmark [repetitions] [frames-1080p] [frames-4k]
 * </pre>
 */
public final class GstShmBenchmark
{
    private static final Pattern TIMESTAMP = Pattern.compile("^(\\d+):(\\d\\d):(\\d\\d)\\.(\\d{9})\\s");

    private GstShmBenchmark()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final int repetitions = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        final int frames1080 = args.length > 1 ? Integer.parseInt(args[1]) : 600;
        final int frames4k = args.length > 2 ? Integer.parseInt(args[2]) : 240;
        System.out.println("java " + System.getProperty("java.version") + ", " +
            Runtime.getRuntime().availableProcessors() + " cpus, load average " + loadAverage() + ", " +
            firstLine("gst-launch-1.0", "--version"));
        final ActorSystem system = ActorSystem.create("gst-benchmark", ConfigFactory.parseString(
            "akka.loglevel = WARNING\nakka.stdout-loglevel = WARNING").withFallback(ConfigFactory.load()));
        final Path work = Files.createTempDirectory("shm-streams-gst-bench-");
        try
        {
            final List<String[]> table = new ArrayList<>();
            for (final GstVideoInfo video : List.of(
                GstVideoInfo.create(VideoFormat.I420, 1920, 1080, 30, 1),
                GstVideoInfo.create(VideoFormat.I420, 3840, 2160, 30, 1)))
            {
                final int frames = video.width() == 1920 ? frames1080 : frames4k;
                final Map<String, List<Double>> results = new LinkedHashMap<>();
                for (int run = 0; run < repetitions; run++)
                {
                    results.computeIfAbsent("context: videotestsrc pattern=ball rendering alone", k ->
                        new ArrayList<>()).add(rendering(work, video, frames));
                    results.computeIfAbsent("context: sender alone (shmsink copy, nobody connected)", k ->
                        new ArrayList<>()).add(senderAlone(work, video, frames));
                    results.computeIfAbsent("GStreamer -> GStreamer (shmsink ! shmsrc, 2 gst-launch)", k ->
                        new ArrayList<>()).add(gstreamerToGstreamer(work, video, frames));
                    results.computeIfAbsent("GStreamer -> Akka (GstShmSource, release at once)", k -> new ArrayList<>())
                        .add(gstreamerToAkka(system, work, video, frames, false));
                    results.computeIfAbsent("GStreamer -> Akka (GstShmSource, read every byte)", k -> new ArrayList<>())
                        .add(gstreamerToAkka(system, work, video, frames, true));
                    System.out.println("  " + video.width() + "x" + video.height() + " run " + (run + 1) + " done, load " +
                        loadAverage());
                }
                results.forEach((name, fps) ->
                {
                    final List<Double> sorted = new ArrayList<>(fps);
                    sorted.sort(null);
                    final double median = sorted.get(sorted.size() / 2);
                    table.add(new String[] {video.width() + "x" + video.height() + " I420", name,
                        String.format("%.0f", median), String.format("%.0f-%.0f", sorted.get(0), sorted.get(sorted.size() - 1)),
                        String.format("%.2f", median * video.frameSize() / 1e9)});
                });
            }
            System.out.println();
            System.out.printf("%-14s | %-56s | %8s | %11s | %5s%n", "frames", "receiver", "frames/s", "range", "GB/s");
            System.out.println("-".repeat(14) + "-|-" + "-".repeat(56) + "-|-" + "-".repeat(8) + "-|-" + "-".repeat(11) +
                "-|-" + "-".repeat(5));
            for (final String[] row : table)
            {
                System.out.printf("%-14s | %-56s | %8s | %11s | %5s%n", (Object[])row);
            }
            System.out.println("(median of " + repetitions + " interleaved runs; load average at the end " +
                loadAverage() + ")");
        }
        finally
        {
            system.terminate();
            deleteTree(work);
        }
    }

    /** One frame rendered, then repeated: the sender's work per frame is shmsink's copy into its area. */
    private static List<String> sender(final GstVideoInfo video, final int frames, final String sink)
    {
        final List<String> pipeline = new ArrayList<>(List.of("videotestsrc", "num-buffers=1", "pattern=ball",
            "!", video.caps(), "!", "imagefreeze", "num-buffers=" + frames, "!", "identity", "drop-allocation=true", "!"));
        pipeline.addAll(List.of(sink.split(" ")));
        return pipeline;
    }

    /** shmsink with its default area, 64 MiB: 21 frames of 1080p I420, 5 of 4K, in flight at most. */
    private static String shmsink(final Path socket, final GstVideoInfo video)
    {
        return "shmsink socket-path=" + socket + " sync=false wait-for-connection=true";
    }

    private static double rendering(final Path work, final GstVideoInfo video, final int frames) throws Exception
    {
        final Path log = work.resolve("rendering.log");
        final Process gst = launch(List.of("videotestsrc", "num-buffers=" + frames, "pattern=ball", "!", video.caps(),
            "!", "fakesink", "sync=false"), log, "basesink:5");
        await(gst);
        return rate(log, "rendering object", frames);
    }

    private static double senderAlone(final Path work, final GstVideoInfo video, final int frames) throws Exception
    {
        final Path socket = work.resolve("alone.sock");
        final Path log = work.resolve("alone.log");
        final Process gst = launch(sender(video, frames, "shmsink socket-path=" + socket +
            " sync=false wait-for-connection=false"), log, "basesink:5");
        await(gst);
        stop(gst, socket);
        return rate(log, "rendering object", frames);
    }

    private static double gstreamerToGstreamer(final Path work, final GstVideoInfo video, final int frames)
        throws Exception
    {
        final Path socket = work.resolve("gst.sock");
        final Process sender = launch(sender(video, frames, shmsink(socket, video)), work.resolve("sender.log"), null);
        try
        {
            awaitSocket(socket, sender);
            final Path log = work.resolve("receiver.log");
            final Process receiver = launch(List.of("shmsrc", "socket-path=" + socket, "num-buffers=" + frames, "!",
                "fakesink", "sync=false"), log, "shmsrc:6");
            await(receiver);
            return rate(log, "Got buffer", frames);
        }
        finally
        {
            stop(sender, socket);
        }
    }

    private static double gstreamerToAkka(
        final ActorSystem system, final Path work, final GstVideoInfo video, final int frames, final boolean read)
        throws Exception
    {
        final Path socket = work.resolve("akka.sock");
        final Process sender = launch(sender(video, frames, shmsink(socket, video)), work.resolve("sender.log"), null);
        try
        {
            final long[] receipts = new long[frames];
            final int[] count = new int[1];
            final long[] checksum = new long[1];
            final CompletionStage<Done> done = GstShmSource.create(GstShmSourceSettings.create(system, socket)
                    .withVideo(video))
                .map(frame ->
                {
                    try (frame)
                    {
                        if (read)
                        {
                            checksum[0] += sum(frame.buffer(), frame.length());
                        }
                        receipts[count[0]++] = System.nanoTime();
                        return count[0];
                    }
                })
                .runWith(Sink.ignore(), system);
            done.toCompletableFuture().get(120, TimeUnit.SECONDS);
            if (count[0] != frames)
            {
                throw new IllegalStateException("received " + count[0] + " of " + frames + " frames");
            }
            final int warmup = frames / 10;
            return (frames - 1 - warmup) * 1e9 / (receipts[frames - 1] - receipts[warmup]);
        }
        finally
        {
            stop(sender, socket);
        }
    }

    /** Reads every byte, 8 at a time: what any consumer that looks at the whole frame pays. */
    private static long sum(final DirectBuffer buffer, final int length)
    {
        long sum = 0;
        int i = 0;
        for (; i + 8 <= length; i += 8)
        {
            sum += buffer.getLong(i);
        }
        for (; i < length; i++)
        {
            sum += buffer.getByte(i);
        }
        return sum;
    }

    private static Process launch(final List<String> pipeline, final Path log, final String debug) throws IOException
    {
        final List<String> command = new ArrayList<>(List.of("gst-launch-1.0", "-q"));
        command.addAll(pipeline);
        final ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        if (debug != null)
        {
            builder.environment().put("GST_DEBUG", debug);
            builder.environment().put("GST_DEBUG_NO_COLOR", "1");
        }
        return builder.start();
    }

    private static void await(final Process gst) throws InterruptedException
    {
        if (!gst.waitFor(120, TimeUnit.SECONDS))
        {
            gst.destroyForcibly();
            throw new IllegalStateException("gst-launch did not finish");
        }
    }

    private static void awaitSocket(final Path socket, final Process sender) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!Files.exists(socket))
        {
            if (!sender.isAlive() || System.nanoTime() > deadline)
            {
                throw new IllegalStateException("the shmsink did not create " + socket);
            }
            Thread.sleep(5);
        }
    }

    /** The sender ends by itself after its frames; SIGINT otherwise, then whatever a kill leaves is removed. */
    private static void stop(final Process sender, final Path socket) throws Exception
    {
        if (!sender.waitFor(10, TimeUnit.SECONDS))
        {
            new ProcessBuilder("kill", "-INT", String.valueOf(sender.pid())).start().waitFor();
            if (!sender.waitFor(5, TimeUnit.SECONDS))
            {
                sender.destroyForcibly().waitFor();
            }
        }
        final String prefix = String.format("shmpipe.%5d.", sender.pid());
        try (Stream<Path> areas = Files.list(Path.of("/dev/shm")))
        {
            for (final Path area : (Iterable<Path>)areas::iterator)
            {
                if (area.getFileName().toString().startsWith(prefix))
                {
                    Files.deleteIfExists(area);
                }
            }
        }
        Files.deleteIfExists(socket);
    }

    /** Frames per second between the receipt after warm-up and the last, from a GStreamer debug log. */
    private static double rate(final Path log, final String marker, final int frames) throws IOException
    {
        final List<Long> times = new ArrayList<>();
        for (final String line : Files.readAllLines(log, StandardCharsets.UTF_8))
        {
            if (line.contains(marker))
            {
                final Matcher matcher = TIMESTAMP.matcher(line);
                if (matcher.find())
                {
                    times.add(Long.parseLong(matcher.group(1)) * 3_600_000_000_000L +
                        Long.parseLong(matcher.group(2)) * 60_000_000_000L + Long.parseLong(matcher.group(3)) *
                        1_000_000_000L + Long.parseLong(matcher.group(4)));
                }
            }
        }
        if (times.size() < frames)
        {
            throw new IllegalStateException(log + ": " + times.size() + " '" + marker + "' lines for " + frames + " frames");
        }
        final int warmup = frames / 10;
        final int last = times.size() - 1;
        return (last - warmup) * 1e9 / (times.get(last) - times.get(warmup));
    }

    private static String loadAverage()
    {
        try
        {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        }
        catch (final IOException ex)
        {
            return "?";
        }
    }

    private static String firstLine(final String... command)
    {
        try
        {
            final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            process.waitFor();
            return output.lines().findFirst().orElse("?");
        }
        catch (final IOException | InterruptedException ex)
        {
            return "gst-launch-1.0 not found";
        }
    }

    private static void deleteTree(final Path directory) throws IOException
    {
        try (Stream<Path> walk = Files.walk(directory))
        {
            for (final Path path : (Iterable<Path>)walk.sorted(Comparator.reverseOrder())::iterator)
            {
                Files.deleteIfExists(path);
            }
        }
    }
}
