package dev.shmstreams.examples.backpressure;

import dev.shmstreams.examples.ChildProcesses;
import dev.shmstreams.examples.RingProbe;
import dev.shmstreams.stream.OverflowPolicy;
import dev.shmstreams.transport.layout.ParticipantDescriptor;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A consumer slower than its producer, twice: with {@code backpressure} the full ring stops the
 * producer's sink pulling, so the producer slows to the consumer's pace and nothing is lost; with
 * {@code drop-oldest-unread} (live video) the producer keeps its rate and the frames nobody started
 * reading give way. This process samples the ring every 100 ms from the segment's header (committed,
 * received, dropped, occupancy), prints a table and draws a chart of each run.
 */
public final class BackpressureExample
{
    /** Its flags, for the launcher's usage text. */
    public static final String HELP = RateOptions.HELP;

    private static final long SAMPLE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private BackpressureExample()
    {
    }

    /**
     * @param args see {@link RateOptions#HELP}.
     * @param out  the table and the summary.
     * @return 0 when each policy kept its promise.
     */
    public static int run(final String[] args, final PrintStream out) throws InterruptedException, IOException
    {
        System.setProperty("java.awt.headless", "true");
        final RateOptions options = RateOptions.parse(args);
        Files.createDirectories(options.out);
        out.printf("backpressure example: the producer offers %d frames/s of %d KiB into %d slots; the consumer " +
            "keeps up, then manages %d/s for the middle third of %.1f s, then keeps up again%n", options.rate,
            RateOptions.FRAME_LENGTH / 1024, options.slots, options.slowRate, options.seconds);
        boolean kept = true;
        final List<String> charts = new ArrayList<>();
        for (final OverflowPolicy policy : List.of(OverflowPolicy.BACKPRESSURE, OverflowPolicy.DROP_OLDEST_UNREAD))
        {
            final String name = policy.name().toLowerCase().replace('_', '-');
            out.println();
            out.println("overflow policy " + name + (policy == OverflowPolicy.BACKPRESSURE ?
                ": a full ring stops the sink pulling; the producer slows down, nothing is lost" :
                ": a full ring drops the oldest frame nobody started reading; the producer keeps its rate"));
            final Path chart = options.out.resolve(name + ".png").toAbsolutePath();
            kept &= runOnce(options, policy, chart, out);
            charts.add(chart.toString());
        }
        out.println();
        out.println("charts:");
        charts.forEach(chart -> out.println("  " + chart));
        out.println(kept ? "result: backpressure lost nothing; drop-oldest-unread lost only what it dropped" :
            "result: FAILED (see above)");
        return kept ? 0 : 1;
    }

    private static boolean runOnce(final RateOptions options, final OverflowPolicy policy, final Path chartFile,
        final PrintStream out) throws InterruptedException, IOException
    {
        final String channel = options.channel + "-" + (policy == OverflowPolicy.BACKPRESSURE ? "bp" : "drop");
        final Path segment = options.dir.resolve(channel);
        final Map<String, String> producerSummary = new ConcurrentHashMap<>();
        final Map<String, String> consumerSummary = new ConcurrentHashMap<>();
        final RateChart chart = new RateChart();
        final long[] start = { 0 };
        final String[] childArgs = options.childArgs(policy, channel);

        final int producerExit;
        final int consumerExit;
        final List<long[]> samples = new ArrayList<>();   // t (ns), committed, received, dropped, occupancy
        long ringFull = 0;
        try (ChildProcesses children = new ChildProcesses())
        {
            final Process consumer = children.start(RateConsumer.class, childArgs, line ->
            {
                if (line.startsWith("SUMMARY "))
                {
                    parse(line, consumerSummary);
                }
                else if (line.startsWith("PHASE ") && start[0] != 0)
                {
                    final double t = (System.nanoTime() - start[0]) / 1e9;
                    if (line.endsWith("slow"))
                    {
                        chart.slowFrom = t;
                    }
                    else
                    {
                        chart.slowTo = t;
                    }
                }
                else if (!line.startsWith("PHASE "))
                {
                    out.println("consumer: " + line);
                }
            });
            final Process producer = children.start(RateProducer.class, childArgs, line ->
            {
                if (line.startsWith("SUMMARY "))
                {
                    parse(line, producerSummary);
                }
                else
                {
                    out.println("producer: " + line);
                }
            });

            RingProbe probe = null;
            final long deadline = System.nanoTime() + (long)((options.seconds + 120) * 1e9);
            long next = System.nanoTime();
            out.println("     t s   producer/s   consumer/s   dropped/s   ring");
            while ((producer.isAlive() || consumer.isAlive()) && System.nanoTime() < deadline)
            {
                next += SAMPLE_NANOS;
                TimeUnit.NANOSECONDS.sleep(Math.max(0, next - System.nanoTime()));
                if (probe == null)
                {
                    probe = RingProbe.open(segment);
                    if (probe == null)
                    {
                        continue;
                    }
                    start[0] = System.nanoTime();
                }
                final long now = System.nanoTime();
                samples.add(new long[] { now - start[0], probe.published(),
                    probe.consumerCounter(ParticipantDescriptor.CONSUMER_BYTES) / RateOptions.FRAME_LENGTH,
                    probe.producerCounter(ParticipantDescriptor.PRODUCER_DROPPED), probe.occupancy() });
                addPoint(samples, chart, options.slots, out);
            }
            if (probe != null)
            {
                // the last word: counters as both processes left them (the mapping outlives the file)
                samples.add(new long[] { System.nanoTime() - start[0], probe.published(),
                    probe.consumerCounter(ParticipantDescriptor.CONSUMER_BYTES) / RateOptions.FRAME_LENGTH,
                    probe.producerCounter(ParticipantDescriptor.PRODUCER_DROPPED), probe.occupancy() });
                ringFull = probe.producerCounter(ParticipantDescriptor.PRODUCER_RING_FULL);
            }
            children.awaitExit(TimeUnit.SECONDS.toMillis(30));
            producerExit = producer.isAlive() ? -1 : producer.exitValue();
            consumerExit = consumer.isAlive() ? -1 : consumer.exitValue();
        }
        chart.write("shm-streams: " + policy.name().toLowerCase().replace('_', '-') + " - producer offers " +
            options.rate + "/s, consumer slows to " + options.slowRate + "/s", options.slots, chartFile);

        final long written = number(producerSummary, "written");
        final long received = number(consumerSummary, "received");
        final long lost = number(consumerSummary, "lost");
        final long dropped = samples.isEmpty() ? 0 : samples.get(samples.size() - 1)[3];
        final boolean kept = producerExit == 0 && consumerExit == 0 && number(consumerSummary, "bad") == 0 &&
            (policy == OverflowPolicy.BACKPRESSURE ? lost == 0 && received == written : received + lost == written);
        out.printf("%s: producer committed %d, consumer received and verified %d; %d never arrived, " +
            "%d dropped by the producer%s%n", policy.name().toLowerCase().replace('_', '-'), written, received, lost,
            dropped, policy == OverflowPolicy.BACKPRESSURE ? (lost == 0 ? ": no loss" : ": LOSS") :
                ": the producer kept its rate, unread frames gave way");
        final long maxOccupancy = samples.stream().mapToLong(sample -> sample[4]).max().orElse(0);
        out.printf("%s: ring occupancy reached %d/%d (sampled every 100 ms); the producer found the ring full %d " +
            "times%n", policy.name().toLowerCase().replace('_', '-'), maxOccupancy, options.slots, ringFull);
        out.println("chart: " + chartFile);
        return kept;
    }

    /** Rates over the last 200 ms, one point per sample; a table row every 500 ms. */
    private static void addPoint(final List<long[]> samples, final RateChart chart, final int slots,
        final PrintStream out)
    {
        final int n = samples.size();
        final long[] now = samples.get(n - 1);
        final double t = now[0] / 1e9;
        chart.occupancy.add(t, now[4]);
        if (n < 3)
        {
            return;
        }
        final long[] then = samples.get(n - 3);
        final double seconds = (now[0] - then[0]) / 1e9;
        final double committed = (now[1] - then[1]) / seconds;
        final double received = (now[2] - then[2]) / seconds;
        final double dropped = (now[3] - then[3]) / seconds;
        chart.producer.add(t, committed);
        chart.consumer.add(t, received);
        chart.dropped.add(t, dropped);
        if (n % 5 == 0)
        {
            out.printf("  %6.1f   %10.0f   %10.0f   %9.0f   %d/%d%n", t, committed, received, dropped, now[4], slots);
        }
    }

    private static long number(final Map<String, String> summary, final String key)
    {
        final String value = summary.get(key);
        return value == null ? -1 : Long.parseLong(value);
    }

    private static void parse(final String line, final Map<String, String> into)
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
