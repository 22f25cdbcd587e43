package dev.shmstreams.examples.gst;

import akka.Done;
import akka.actor.ActorSystem;
import akka.japi.Pair;
import akka.stream.javadsl.Keep;
import com.typesafe.config.ConfigFactory;
import dev.shmstreams.gst.GstFrame;
import dev.shmstreams.gst.GstShmSourceControl;
import dev.shmstreams.gst.GstShmSourceSettings;
import dev.shmstreams.gst.GstVideoInfo;
import dev.shmstreams.gst.VideoFormat;
import dev.shmstreams.gst.javadsl.GstShmSource;
import dev.shmstreams.stream.ShmSinkSettings;
import dev.shmstreams.stream.javadsl.ShmSink;
import dev.shmstreams.transport.WritableFrame;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * GStreamer to an Akka graph to another process: a gst-launch-1.0 process runs
 * {@code videotestsrc ! identity drop-allocation=true ! shmsink}; this process reads its frames
 * with {@link GstShmSource} (in place, no copy), writes each into an shm-streams channel with
 * {@link ShmSink} (the one copy of the bridge: from GStreamer's area into the channel's slot, with
 * a CRC32C of GStreamer's bytes in the slot metadata) and a consumer process
 * ({@link GstBridgeConsumer}) reads the channel in place and checks every frame. A live status
 * line shows the three stages; a summary ends it.
 *
 * <pre>
 *   gst-launch-1.0 ──shmsink/socket──▶ this JVM: GstShmSource ▶ ShmSink ──channel──▶ consumer JVM
 * </pre>
 */
public final class GstBridgeDemo
{
    public static final String HELP =
        "  gst     a gst-launch-1.0 process (videotestsrc ! shmsink) -> this JVM (GstShmSource -> ShmSink) ->\n" +
        "          an shm-streams channel -> a consumer JVM that checks every frame. Needs gst-launch-1.0.\n" +
        "          flags: --width 1280 --height 720 --fps 30 --seconds 10 --pattern ball --slots 8\n";

    private GstBridgeDemo()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        System.exit(run(args, System.out));
    }

    /**
     * @param args flags, see {@link #HELP}.
     * @param out  where the status goes.
     * @return 0 when every frame reached the consumer intact.
     */
    public static int run(final String[] args, final PrintStream out) throws Exception
    {
        final Map<String, String> flags = new LinkedHashMap<>();
        flags.put("width", "1280");
        flags.put("height", "720");
        flags.put("fps", "30");
        flags.put("seconds", "10");
        flags.put("pattern", "ball");
        flags.put("slots", "8");
        for (int i = 0; i < args.length; i++)
        {
            final String name = args[i].startsWith("--") ? args[i].substring(2) : "";
            if (!flags.containsKey(name) || i + 1 == args.length)
            {
                throw new IllegalArgumentException("bad flag '" + args[i] + "'; flags (with defaults): " + flags);
            }
            flags.put(name, args[++i]);
        }
        final GstVideoInfo video = GstVideoInfo.create(VideoFormat.I420, Integer.parseInt(flags.get("width")),
            Integer.parseInt(flags.get("height")), Integer.parseInt(flags.get("fps")), 1);
        final double seconds = Double.parseDouble(flags.get("seconds"));
        final Path work = Files.createTempDirectory("shm-streams-gst-demo-");
        final Path socket = work.resolve("videotestsrc.sock");
        final String channel = "gst-bridge-" + ProcessHandle.current().pid();
        final Path channelDirectory = Path.of("/dev/shm");

        out.printf("shm-streams GStreamer bridge: %s, %.0f s%n", video, seconds);
        final List<String> pipeline = List.of("gst-launch-1.0", "-q", "videotestsrc", "is-live=true",
            "pattern=" + flags.get("pattern"), "!", video.caps(), "!", "identity", "drop-allocation=true", "!",
            "shmsink", "socket-path=" + socket, "shm-size=" + 8L * video.frameSize(), "wait-for-connection=true");
        out.println("  " + String.join(" ", pipeline.subList(2, pipeline.size())));
        out.printf("  -> GstShmSource -> ShmSink channel %s/%s -> consumer process%n", channelDirectory, channel);

        final boolean interactive = System.console() != null;
        final AtomicReference<String> consumerStatus = new AtomicReference<>("");
        final AtomicReference<String> consumerEnd = new AtomicReference<>();
        final ActorSystem system = ActorSystem.create("gst-bridge", ConfigFactory.parseString(
            "akka.loglevel = WARNING\nakka.stdout-loglevel = WARNING").withFallback(ConfigFactory.load()));
        final Process gst = new ProcessBuilder(pipeline).redirectErrorStream(true)
            .redirectOutput(work.resolve("gst-launch.log").toFile()).start();
        int exitCode = 1;
        Process consumer = null;
        try
        {
            consumer = startJvm(GstBridgeConsumer.class, List.of(channelDirectory.toString(),
                channel, String.valueOf(video.frameSize()), String.valueOf(video.width()),
                String.valueOf(video.height())), line ->
            {
                if (line.startsWith("STATUS "))
                {
                    consumerStatus.set(line.substring(7));
                }
                else if (line.startsWith("END "))
                {
                    consumerEnd.set(line.substring(4));
                }
                else if (!line.equals("READY"))
                {
                    out.println((interactive ? "\r" : "") + "consumer: " + line);
                }
            });

            final Pair<GstShmSourceControl, CompletionStage<Done>> bridge = bridge(system, video, socket, channel,
                channelDirectory, Integer.parseInt(flags.get("slots")));
            final GstShmSourceControl source = bridge.first();
            source.connected().toCompletableFuture().get(30, TimeUnit.SECONDS);
            out.println("  connected to shmsink, area " + source.areaName());

            final long start = System.nanoTime();
            final long end = start + (long)(seconds * 1e9);
            long lastFrames = 0;
            while (System.nanoTime() < end && !bridge.second().toCompletableFuture().isDone())
            {
                TimeUnit.MILLISECONDS.sleep(1000);
                final long frames = source.frames();
                final String status = String.format("[%3.0fs] gst->akka %4d fps, %6d frames, %d held | consumer %s",
                    (System.nanoTime() - start) / 1e9, frames - lastFrames, frames, source.outstanding(),
                    consumerStatus.get());
                lastFrames = frames;
                if (interactive)
                {
                    out.print("\r" + status + "   ");
                }
                else
                {
                    out.println(status);
                }
            }
            if (interactive)
            {
                out.println();
            }
            // stop reading: the source completes, the sink completes the channel once the consumer drained it
            source.stop();
            bridge.second().toCompletableFuture().get(30, TimeUnit.SECONDS);
            consumer.waitFor(30, TimeUnit.SECONDS);
            out.println("bridged " + source.frames() + " frames (" + source.bytes() / (1 << 20) + " MiB) in " +
                String.format("%.1f s", (System.nanoTime() - start) / 1e9));
            out.println("consumer: " + consumerEnd.get() + "; last status " + consumerStatus.get());
            exitCode = consumerEnd.get() != null && consumerEnd.get().startsWith("completed") &&
                consumerEnd.get().contains(" bad=0") && source.frames() > 0 ? 0 : 4;
        }
        finally
        {
            if (consumer != null && consumer.isAlive())
            {
                consumer.destroy(); // SIGTERM: it closes its end of the channel
                consumer.waitFor(10, TimeUnit.SECONDS);
            }
            stopGstreamer(gst, socket, out);
            system.terminate();
            system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
            deleteTree(work);
        }
        return exitCode;
    }

    /** A child JVM with this class path; each line it prints goes to {@code lines}. */
    private static Process startJvm(final Class<?> main, final List<String> args, final Consumer<String> lines)
        throws IOException
    {
        final List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
            .toString(), "-Xmx256m", "-cp", System.getProperty("java.class.path"), main.getName()));
        command.addAll(args);
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        final Thread reader = new Thread(() ->
        {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8)))
            {
                for (String line = in.readLine(); line != null; line = in.readLine())
                {
                    lines.accept(line);
                }
            }
            catch (final IOException ignore)
            {
                // the process ended
            }
        }, "gst-bridge-consumer-output");
        reader.setDaemon(true);
        reader.start();
        return process;
    }

    /** GStreamer's frames, in place, into an shm-streams channel: one copy, checksummed. */
    static Pair<GstShmSourceControl, CompletionStage<Done>> bridge(
        final ActorSystem system, final GstVideoInfo video, final Path socket, final String channel,
        final Path channelDirectory, final int slots)
    {
        final CRC32C crc = new CRC32C();
        return GstShmSource.create(GstShmSourceSettings.create(system, socket).withVideo(video))
            .toMat(ShmSink.create(ShmSinkSettings.create(system, channel).withDirectory(channelDirectory)
                    .withSlots(slots).withSlotSize(video.frameSize()).withMetadata(video.caps()),
                (GstFrame frame, WritableFrame slot) ->
                {
                    try (frame)
                    {
                        final int length = frame.length();
                        slot.buffer().putBytes(0, frame.buffer(), 0, length);
                        crc.reset();
                        crc.update(GstBridgeConsumer.view(frame.buffer(), length));
                        slot.metadata().putLong(0, crc.getValue());
                        slot.frameId(frame.sequence()).timestampNanos(frame.receivedNanos());
                        return length;
                    }
                }), Keep.both())
            .run(system);
    }

    /**
     * SIGINT, which gst-launch handles by stopping the pipeline (socket and area removed); SIGKILL
     * and our own cleanup if it does not exit.
     */
    private static void stopGstreamer(final Process gst, final Path socket, final PrintStream out)
        throws IOException, InterruptedException
    {
        if (gst.isAlive())
        {
            new ProcessBuilder("kill", "-INT", String.valueOf(gst.pid())).start().waitFor(5, TimeUnit.SECONDS);
            if (!gst.waitFor(5, TimeUnit.SECONDS))
            {
                gst.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
        else
        {
            out.println("gst-launch exited early with " + gst.exitValue() + ": " +
                Files.readString(socket.resolveSibling("gst-launch.log")));
        }
        final String prefix = String.format("shmpipe.%5d.", gst.pid());
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
