package dev.shmstreams.examples.video;

import dev.shmstreams.examples.ChildProcesses;
import dev.shmstreams.examples.RingProbe;
import dev.shmstreams.stream.OverflowPolicy;
import dev.shmstreams.transport.layout.ParticipantDescriptor;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The main demo: a producer process renders a moving NV12 pattern in place into a shared-memory
 * ring through a ShmSink, a consumer process reads and verifies every frame in place through a
 * ShmSource. This process starts both, shows a live status line (the consumer's numbers, and the
 * ring's occupancy and drop counters read from the segment's header) and ends with a summary.
 */
public final class VideoDemo
{
    private VideoDemo()
    {
    }

    /**
     * @param args flags, see {@link VideoOptions#HELP}.
     * @param out  where the status and summary go.
     * @return the exit code: 0 when both processes succeeded and every frame arrived intact.
     */
    public static int run(final String[] args, final PrintStream out) throws InterruptedException
    {
        final VideoOptions options = VideoOptions.parse(args);
        final Nv12Pattern pattern = options.pattern();
        final String overflow = VideoOptions.spelled(options.overflow);
        out.printf("shm-streams video demo: %dx%d NV12 (%,d bytes a frame), %d slots, %s waits, overflow %s, " +
            "%s fps, %s s%n", pattern.width(), pattern.height(), pattern.frameLength(), options.slots,
            VideoOptions.spelled(options.wait), overflow,
            options.fps > 0 ? String.valueOf(options.fps) : "unlimited", options.durationSeconds);
        out.printf("channel %s (%.1f MiB of shared memory); producer: Akka graph -> ShmSink, consumer: ShmSource " +
            "-> Akka graph%n", options.dir.resolve(options.channel),
            options.slots * (double)((pattern.frameLength() + 4095) & ~4095) / (1 << 20));

        final Map<String, String> stat = new ConcurrentHashMap<>();
        final Map<String, String> producerSummary = new ConcurrentHashMap<>();
        final Map<String, String> consumerSummary = new ConcurrentHashMap<>();
        final List<String> thumbnails = Collections.synchronizedList(new ArrayList<>());
        final boolean interactive = System.console() != null;

        try (ChildProcesses children = new ChildProcesses())
        {
            final Process consumer = children.start(VideoConsumer.class, options.flags.toArgs(), line ->
                handle("consumer", line, stat, consumerSummary, thumbnails, out, interactive));
            final Process producer = children.start(VideoProducer.class, options.flags.toArgs(), line ->
                handle("producer", line, null, producerSummary, null, out, interactive));

            RingProbe probe = null;
            final long deadline = System.nanoTime() + (long)((options.durationSeconds + 120) * 1e9);
            while ((consumer.isAlive() || producer.isAlive()) && System.nanoTime() < deadline)
            {
                TimeUnit.MILLISECONDS.sleep(250);
                if (probe == null)
                {
                    probe = RingProbe.open(options.dir.resolve(options.channel));
                }
                if (!stat.isEmpty() && stat.remove("fresh") != null)
                {
                    final String status = status(stat, probe == null ? "-" : String.valueOf(probe.occupancy()),
                        options.slots);
                    out.print(interactive ? "\r" + status : status + "\n");
                }
            }
            if (interactive)
            {
                out.println();
            }
            final boolean finished = children.awaitExit(TimeUnit.SECONDS.toMillis(children.isStopping() ? 25 : 10));

            final Map<String, String> rows = new LinkedHashMap<>();
            rows.put("frames produced", producerSummary.get("written"));
            rows.put("frames received, verified", consumerSummary.get("frames"));
            rows.put("not the pattern of their id", consumerSummary.get("bad"));
            rows.put("duplicate frames", consumerSummary.get("dup"));
            rows.put("stale or out-of-order frames", consumerSummary.get("ooo"));
            rows.put("frames lost (ids never seen)", consumerSummary.get("lost"));
            rows.put("  dropped by the producer", probe == null ? null :
                String.valueOf(probe.producerCounter(ParticipantDescriptor.PRODUCER_DROPPED)));
            rows.put("frames per second", consumerSummary.get("fps"));
            rows.put("throughput (GB/s)", consumerSummary.get("gbps"));
            rows.put("latency p50 (us)", consumerSummary.get("p50us"));
            rows.put("latency p99 (us)", consumerSummary.get("p99us"));
            rows.put("latency p99.9 (us)", consumerSummary.get("p999us"));
            rows.put("latency max (us)", consumerSummary.get("maxus"));
            rows.put("luma mean (per frame min..max)", consumerSummary.get("luma") == null ? null :
                consumerSummary.get("luma") + " (" + consumerSummary.get("lumamin") + ".." +
                    consumerSummary.get("lumamax") + ")");
            rows.put("producer found the ring full", probe == null ? null :
                probe.producerCounter(ParticipantDescriptor.PRODUCER_RING_FULL) + " times");
            rows.put("producer ended", producerSummary.get("result"));
            rows.put("consumer ended", consumerSummary.get("end"));
            out.println();
            out.println("summary (" + overflow + ", " + VideoOptions.spelled(options.wait) + " waits)");
            rows.forEach((name, value) -> out.printf("  %-30s %s%n", name, value == null ? "-" :
                value.replace('_', ' ')));
            out.println("thumbnails (" + thumbnails.size() + ") in " + options.out.toAbsolutePath() + ":");
            thumbnails.forEach(path -> out.println("  " + path));

            if (children.isStopping())
            {
                final boolean intact = consumerSummary.containsKey("bad") && errors(consumerSummary) == 0 &&
                    (options.overflow != OverflowPolicy.BACKPRESSURE || "0".equals(consumerSummary.get("lost")));
                out.println(intact ? "result: stopped (Ctrl-C / SIGTERM); every frame received until then was intact" :
                    "result: stopped (Ctrl-C / SIGTERM); FAILED: corrupt or missing frames, or no summary (producer " +
                        "exit " + exitOf(producer) + ", consumer exit " + exitOf(consumer) + ")");
                return intact ? 130 : 1;
            }
            final boolean succeeded = finished && consumer.exitValue() == 0 && producer.exitValue() == 0;
            if (succeeded)
            {
                out.println(options.overflow == OverflowPolicy.BACKPRESSURE ?
                    "result: every frame arrived, intact and in order" :
                    "result: every frame received was intact; frames lost to --overflow " + overflow + ": " +
                        consumerSummary.get("lost"));
                return 0;
            }
            out.println("result: FAILED (producer exit " + exitOf(producer) + ", consumer exit " + exitOf(consumer) +
                "; see the lines above)");
            return 1;
        }
    }

    /**
     * @param stat      the consumer's last {@code STAT} line, parsed.
     * @param occupancy the ring's occupancy, or "-" while unknown.
     * @param slots     the ring's size.
     * @return the live status line.
     */
    static String status(final Map<String, String> stat, final String occupancy, final int slots)
    {
        return String.format("%7s frames %5s fps %6s GB/s  latency p50 %6s us p99 %7s us  ring %s/%d  lost %s  " +
            "errors %d  luma %5s", stat.get("frames"), stat.get("fps"), stat.get("gbps"), stat.get("p50us"),
            stat.get("p99us"), occupancy, slots, stat.get("lost"), errors(stat), stat.get("luma"));
    }

    /** @return corrupt + duplicate + stale or out-of-order frames in a STAT or SUMMARY line; -1 if missing. */
    private static long errors(final Map<String, String> fields)
    {
        long errors = 0;
        for (final String key : new String[] { "bad", "dup", "ooo" })
        {
            final String value = fields.get(key);
            if (value == null)
            {
                return -1;
            }
            errors += Long.parseLong(value);
        }
        return errors;
    }

    private static String exitOf(final Process process)
    {
        return process.isAlive() ? "- (still running)" : String.valueOf(process.exitValue());
    }

    private static void handle(
        final String who,
        final String line,
        final Map<String, String> stat,
        final Map<String, String> summary,
        final List<String> thumbnails,
        final PrintStream out,
        final boolean interactive)
    {
        if (line.startsWith("STAT ") && stat != null)
        {
            parse(line, stat);
            stat.put("fresh", "");
        }
        else if (line.startsWith("SUMMARY "))
        {
            parse(line, summary);
        }
        else if (line.startsWith("THUMBNAIL ") && thumbnails != null)
        {
            thumbnails.add(line.substring("THUMBNAIL ".length()));
        }
        else
        {
            out.println((interactive ? "\r" : "") + who + ": " + line);
        }
    }

    static void parse(final String line, final Map<String, String> into)
    {
        for (final String field : line.substring(line.indexOf(' ') + 1).split(" "))
        {
            final int eq = field.indexOf('=');
            if (eq > 0)
            {
                into.put(field.substring(0, eq), field.substring(eq + 1));
            }
        }
    }
}
