package dev.shmstreams.benchmarks.peers;

import dev.shmstreams.benchmarks.Report;
import dev.shmstreams.benchmarks.Report.Row;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Turns the children's samples into the run's tables: per phase and peer every figure (rates,
 * ratios to this project's ring and to the limit, CPU and allocation per frame, latency
 * percentiles), the goals of issues 5 and 8 as rows of the {@link Report} (value, peer, ratio, goal,
 * met), and the seeds' table. Values over rounds are medians; ratios are medians of per-round
 * ratios (the two ran in the same round).
 */
final class PeerTables
{
    static final String FPS = "frames/s";
    static final String GBPS = "GB/s";
    static final String X_RING = "x ring";
    static final String X_LIMIT = "x limit";
    static final String CPU_PRODUCER = "producer CPU us/frame";
    static final String CPU_CONSUMER = "consumer CPU us/frame";
    static final String CPU_TOTAL = "total CPU us/frame";
    static final String SHARE_PRODUCER = "producer CPU % of a core";
    static final String SHARE_CONSUMER = "consumer CPU % of a core";
    static final String ALLOC_PRODUCER = "producer B/frame";
    static final String ALLOC_CONSUMER = "consumer B/frame";

    private final Report report;
    private final PeerBenchmark.Config config;
    /** phase, then peer, then metric. */
    private final Map<String, Map<String, Map<String, Double>>> values = new LinkedHashMap<>();
    private final StringBuilder markdown = new StringBuilder();

    PeerTables(final Report report, final PeerBenchmark.Config config)
    {
        this.report = report;
        this.config = config;
    }

    Map<String, Map<String, Map<String, Double>>> values()
    {
        return values;
    }

    double value(final String phase, final String peer, final String metric)
    {
        return values.getOrDefault(phase, Map.of()).getOrDefault(peer, Map.of()).getOrDefault(metric, Double.NaN);
    }

    String markdown()
    {
        return markdown.toString();
    }

    private static String key(final String peer, final String role, final String phase, final String metric)
    {
        return PeerChild.SCENARIO_PREFIX + peer + "." + role + "." + phase + "." + metric;
    }

    private static boolean single(final String peer)
    {
        return peer.equals("limit") || peer.equals("memcpy") || peer.equals("akka-async");
    }

    private static String reader(final String peer)
    {
        return single(peer) ? "single" : "consumer";
    }

    private void put(final String phase, final String peer, final String metric, final double value)
    {
        if (!Double.isNaN(value))
        {
            values.computeIfAbsent(phase, k -> new LinkedHashMap<>()).computeIfAbsent(peer, k -> new LinkedHashMap<>())
                .put(metric, value);
        }
    }

    void build()
    {
        final List<Phase> phases = new ArrayList<>(config.saturation("ring"));
        for (final String peer : PeerBenchmark.PEERS)
        {
            for (final Phase phase : config.rated(peer))
            {
                if (phases.stream().noneMatch(p -> p.name.equals(phase.name)))
                {
                    phases.add(phase);
                }
            }
        }
        for (final Phase phase : phases)
        {
            for (final String peer : PeerBenchmark.PEERS)
            {
                collect(phase, peer);
            }
            if (phase.saturating())
            {
                final String fps = key("memcpy", "single", phase.name, "bytesPerSecond");
                put(phase.name, "memcpy", GBPS, report.median(fps) / 1e9);
                put(phase.name, "memcpy", FPS, report.median(fps) / phase.length);
            }
        }
        put("sat-64", "akka-async", FPS, report.median(key("akka-async", "single", "async", "framesPerSecond")));
        put("sat-64", "akka-async", X_RING, report.pairedRatio(key("akka-async", "single", "async", "framesPerSecond"),
            key("ring", "consumer", "sat-64", "framesPerSecond")));

        markdown.append("\n### Every peer, every scenario\n\n");
        markdown.append("Medians over ").append(config.rounds).append(config.rounds == 1 ? " round" : " rounds")
            .append(" (fixed-rate phases: the first round). x ring, x limit: the peer's frames/s over this project's ring's and the " +
                "limit's in the same round. CPU: each process's CPU time (every thread) over the window, per frame " +
                "and as a share of one core. Allocation: bytes allocated by every thread of the process per frame. " +
                "Handoff: from the producer having filled the message to the consumer having all of it; latency (fixed " +
                "rate): from the time the message was due (coordinated omission corrected).\n");
        for (final Phase phase : phases)
        {
            table(phase);
        }
        goals();
        seeds();
    }

    private void collect(final Phase phase, final String peer)
    {
        final String p = phase.name;
        final String r = reader(peer);
        final String fps = key(peer, r, p, "framesPerSecond");
        final String window = key(peer, r, p, "windowFramesPerSecond");
        if (report.samples(fps).isEmpty())
        {
            return;
        }
        put(p, peer, FPS, report.median(fps));
        put(p, peer, GBPS, report.median(fps) * phase.length / 1e9);
        put(p, peer, X_RING, report.pairedRatio(fps, key("ring", "consumer", p, "framesPerSecond")));
        put(p, peer, X_LIMIT, report.pairedRatio(fps, key("limit", "single", p, "framesPerSecond")));
        if (single(peer))
        {
            put(p, peer, CPU_TOTAL, report.pairedRatio(key(peer, r, p, "cpuShare"), window) * 1e6);
            put(p, peer, SHARE_CONSUMER, report.median(key(peer, r, p, "cpuShare")) * 100);
            put(p, peer, ALLOC_CONSUMER, report.pairedRatio(key(peer, r, p, "allocBytesPerSecond"), window));
        }
        else
        {
            final double producer = report.pairedRatio(key(peer, "producer", p, "cpuShare"), window) * 1e6;
            final double consumer = report.pairedRatio(key(peer, "consumer", p, "cpuShare"), window) * 1e6;
            put(p, peer, CPU_PRODUCER, producer);
            put(p, peer, CPU_CONSUMER, consumer);
            put(p, peer, CPU_TOTAL, producer + consumer);
            put(p, peer, SHARE_PRODUCER, report.median(key(peer, "producer", p, "cpuShare")) * 100);
            put(p, peer, SHARE_CONSUMER, report.median(key(peer, "consumer", p, "cpuShare")) * 100);
            put(p, peer, ALLOC_PRODUCER, report.pairedRatio(key(peer, "producer", p, "allocBytesPerSecond"), window));
            put(p, peer, ALLOC_CONSUMER, report.pairedRatio(key(peer, "consumer", p, "allocBytesPerSecond"), window));
        }
        for (final String kind : new String[]{"latency", "handoff", "lag"})
        {
            for (final String percentile : new String[]{"p50", "p99", "p99.9", "max"})
            {
                put(p, peer, kind + " " + percentile + " us", report.median(key(peer, r, p, kind + "." + percentile)) / 1000);
            }
        }
        put(p, peer, "errors", report.sum(key(peer, r, p, "errors")));
    }

    private void table(final Phase phase)
    {
        final Map<String, Map<String, Double>> peers = values.get(phase.name);
        if (peers == null)
        {
            return;
        }
        final boolean rate = !phase.saturating();
        markdown.append("\n#### ").append(title(phase)).append("\n\n");
        final List<String[]> columns = new ArrayList<>();
        if (rate && phase.small())
        {
            columns.add(new String[]{"latency p50 us", "latency p50 µs"});
            columns.add(new String[]{"latency p99 us", "p99 µs"});
            columns.add(new String[]{"latency p99.9 us", "p99.9 µs"});
            columns.add(new String[]{"latency max us", "max µs"});
            columns.add(new String[]{"handoff p50 us", "handoff p50 µs"});
            columns.add(new String[]{"handoff p99 us", "handoff p99 µs"});
            columns.add(new String[]{"lag p99 us", "producer lag p99 µs"});
            columns.add(new String[]{SHARE_PRODUCER, "producer CPU %"});
            columns.add(new String[]{SHARE_CONSUMER, "consumer CPU %"});
        }
        else if (rate)
        {
            columns.add(new String[]{FPS, "frames/s"});
            columns.add(new String[]{"handoff p50 us", "handoff p50 µs"});
            columns.add(new String[]{"handoff p99 us", "handoff p99 µs"});
            columns.add(new String[]{"latency p50 us", "latency p50 µs"});
            columns.add(new String[]{"latency p99 us", "latency p99 µs"});
            columns.add(new String[]{SHARE_PRODUCER, "producer CPU %"});
            columns.add(new String[]{SHARE_CONSUMER, "consumer CPU %"});
            columns.add(new String[]{ALLOC_PRODUCER, "producer B/frame"});
            columns.add(new String[]{ALLOC_CONSUMER, "consumer B/frame"});
        }
        else
        {
            columns.add(new String[]{FPS, phase.small() ? "messages/s" : "frames/s"});
            columns.add(new String[]{GBPS, "GB/s"});
            columns.add(new String[]{X_RING, "x ring"});
            columns.add(new String[]{X_LIMIT, "x limit"});
            columns.add(new String[]{CPU_PRODUCER, "producer CPU µs/frame"});
            columns.add(new String[]{CPU_CONSUMER, "consumer CPU µs/frame"});
            columns.add(new String[]{ALLOC_PRODUCER, "producer B/frame"});
            columns.add(new String[]{ALLOC_CONSUMER, "consumer B/frame"});
            columns.add(new String[]{"handoff p50 us", "handoff p50 µs"});
            columns.add(new String[]{"handoff p99 us", "handoff p99 µs"});
        }
        markdown.append("| peer |");
        columns.forEach(c -> markdown.append(' ').append(c[1]).append(" |"));
        markdown.append("\n|---|");
        columns.forEach(c -> markdown.append("---:|"));
        markdown.append('\n');
        for (final Map.Entry<String, Map<String, Double>> peer : peers.entrySet())
        {
            markdown.append("| ").append(PeerBenchmark.NAMES.getOrDefault(peer.getKey(), peer.getKey())).append(" |");
            for (final String[] column : columns)
            {
                final Double v = peer.getValue().get(column[0]);
                final String text;
                if (v == null)
                {
                    text = "";
                }
                else if (column[0].equals(X_RING) || column[0].equals(X_LIMIT))
                {
                    text = Report.ratio(v);
                }
                else if (column[0].equals(FPS) && phase.small() && phase.saturating())
                {
                    text = Report.number(v / 1e6) + " M";
                }
                else
                {
                    text = Report.number(v);
                }
                markdown.append(' ').append(text).append(" |");
            }
            markdown.append('\n');
        }
        if (peers.containsKey("limit") && phase.saturating())
        {
            markdown.append("\nThe limit's CPU is its one process (both threads): ")
                .append(Report.number(value(phase.name, "limit", CPU_TOTAL))).append(" µs/frame.\n");
        }
    }

    static String title(final Phase phase)
    {
        final String size = phase.length == 64 ? "64-byte messages" : phase.length == PeerBenchmark.MIB ? "1 MiB frames" :
            phase.length == PeerBenchmark.FRAME_1080P ? "3,110,400-byte frames (1080p NV12)" :
                "12,441,600-byte frames (4K NV12)";
        if (phase.saturating())
        {
            return size + ", saturation" + (phase.blocking() ? ", BLOCKING (futex) waits, default dispatcher" : "");
        }
        return size + String.format(Locale.ROOT, " at %,.0f/s (%s)", phase.rate,
            phase.onBlockingDispatcher() ? "BLOCKING, the stages' consumer on shm-streams.blocking-dispatcher" :
            phase.blocking() ? "blocking / futex waits where the peer has a choice" : "busy-spin where the peer has a choice");
    }

    private void goal(final String section, final String metric, final String unit, final double value,
        final String peer, final double peerValue, final double ratio, final String goal, final Boolean met)
    {
        report.row(new Row(section, metric, unit, value, peer, peerValue, ratio, goal, met));
    }

    private void ratioGoal(final String section, final String phase, final String peer, final String other,
        final double atLeast, final boolean strictly)
    {
        final String otherPhase = other.equals("akka-async") ? "async" : phase;
        final double r = report.pairedRatio(key(peer, reader(peer), phase, "framesPerSecond"),
            key(other, reader(other), otherPhase, "framesPerSecond"));
        final String unit = phase.equals("sat-64") ? "M msg/s" : "frames/s";
        final double scale = phase.equals("sat-64") ? 1e6 : 1;
        goal(section, PeerBenchmark.NAMES.get(peer) + ", " + (phase.equals("sat-64") ? "messages/s" : "frames/s"), unit,
            value(phase, peer, FPS) / scale, PeerBenchmark.NAMES.get(other), value(phase, other, FPS) / scale, r,
            (strictly ? "> " : ">= ") + String.format(Locale.ROOT, "%.2fx", atLeast),
            Double.isNaN(r) ? null : strictly ? r > atLeast : r >= atLeast);
    }

    private void goals()
    {
        final String video = "issue 5: 4K frames (12,441,600 B), saturation";
        ratioGoal(video, "sat-4k", "ring", "limit", 0.90, false);
        ratioGoal(video, "sat-4k", "stages", "limit", 0.80, false);
        for (final String peer : new String[]{"ring", "stages"})
        {
            ratioGoal(video, "sat-4k", peer, "akka-tcp", 5, false);
            ratioGoal(video, "sat-4k", peer, "streamrefs", 10, false);
            ratioGoal(video, "sat-4k", peer, "aeron", 1, true);
        }
        final String small = "issue 5: 64-byte messages, saturation";
        ratioGoal(small, "sat-64", "ring", "aeron", 1, false);

        final String stages = "issue 8: the stages, two processes each running an Akka graph";
        final double rate = value("sat-64", "stages", FPS);
        goal(stages, "64 B elements ShmSink -> ShmSource, elements/s", "M/s", rate / 1e6, null, Double.NaN,
            Double.NaN, ">= 3 M/s", Double.isNaN(rate) ? null : rate >= 3e6);
        ratioGoal(stages, "sat-64", "stages", "akka-async", 1, true);
        ratioGoal(stages, "sat-64", "stages", "akka-tcp", 1, true);
        ratioGoal(stages, "sat-4k", "stages", "limit", 0.80, false);
        ratioGoal(stages, "sat-4k", "stages", "akka-tcp", 5, false);
        ratioGoal(stages, "sat-4k", "stages", "streamrefs", 10, false);
        latencyGoal(stages, "rate-64-spin", "p50", 20, "busy-spin, spinning dispatcher");
        latencyGoal(stages, "rate-64-spin", "p99", 100, "busy-spin, spinning dispatcher");
        latencyGoal(stages, "rate-64-blocking", "p99", 250, "BLOCKING (futex), default dispatcher");
        latencyGoal(stages, "rate-64-blocking-dispatcher", "p99", 250, "BLOCKING (futex), blocking dispatcher");
    }

    private void latencyGoal(final String section, final String phase, final String percentile, final double below,
        final String how)
    {
        final double us = value(phase, "stages", "latency " + percentile + " us");
        goal(section, "64 B at 1,000/s, one-way " + percentile + ", " + how, "us", us, null, Double.NaN, Double.NaN,
            "< " + (int)below + " us", Double.isNaN(us) ? null : us < below);
    }

    /** The seeds' claims (TCP against shared memory for 4K video) next to this run's numbers. */
    private void seeds()
    {
        markdown.append("\n### The seeds' table, measured\n\n");
        markdown.append("| figure | seeds: TCP | seeds: shm | TCP loopback | shm ring | shm Akka stages | Akka Streams Tcp | conditions |\n");
        markdown.append("|---|---:|---:|---:|---:|---:|---:|---|\n");
        markdown.append("| 4K throughput | 300 MB/s | 1.2 GB/s | ")
            .append(mb("sat-4k", "tcp")).append(" | ").append(mb("sat-4k", "ring")).append(" | ")
            .append(mb("sat-4k", "stages")).append(" | ").append(mb("sat-4k", "akka-tcp"))
            .append(" | saturation, every byte filled and read, MB/s |\n");
        markdown.append("| per-frame latency | 5 ms | 0.1 ms | ")
            .append(ms("tcp")).append(" | ").append(ms("ring")).append(" | ").append(ms("stages")).append(" | ")
            .append(ms("akka-tcp")).append(" | 4K at 30 frames/s, p50 from the frame filled to the consumer having all of it |\n");
        markdown.append("| CPU use | 35% | 8% | ")
            .append(cpu("tcp")).append(" | ").append(cpu("ring")).append(" | ").append(cpu("stages")).append(" | ")
            .append(cpu("akka-tcp"))
            .append(" | 4K at 30 frames/s, producer + consumer process, % of one core (blocking waits) |\n");
    }

    private String mb(final String phase, final String peer)
    {
        return Report.number(value(phase, peer, GBPS) * 1000) + " MB/s";
    }

    private String ms(final String peer)
    {
        return Report.number(value("rate-4k", peer, "handoff p50 us") / 1000) + " ms";
    }

    private String cpu(final String peer)
    {
        return Report.number(value("rate-4k", peer, SHARE_PRODUCER) + value("rate-4k", peer, SHARE_CONSUMER)) + "%";
    }

    void writeCsv(final Path file) throws IOException
    {
        final StringBuilder csv = new StringBuilder("phase,peer,metric,value\n");
        values.forEach((phase, peers) -> peers.forEach((peer, metrics) -> metrics.forEach((metric, value) ->
            csv.append(phase).append(',').append(peer).append(',').append(metric).append(',')
                .append(String.format(Locale.ROOT, "%.6g", value)).append('\n'))));
        Files.writeString(file, csv, StandardCharsets.UTF_8);
    }
}
