package dev.shmstreams.benchmarks.peers;

import dev.shmstreams.benchmarks.BenchDirectory;
import dev.shmstreams.benchmarks.ChildLauncher;
import dev.shmstreams.benchmarks.Conditions;
import dev.shmstreams.benchmarks.RealtimeWait;
import dev.shmstreams.benchmarks.Report;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The cross-process benchmark against peers: in one run, on this machine, every scenario against
 * every peer, with the ratios to this project and to the limit, the goals of issues 5 and 8, the
 * seeds' table, and charts.
 *
 * <ul>
 *   <li>peers: the limit (two threads, one process, reference passing), this project's ring (core
 *       API) and its Akka stages (ShmSink to ShmSource), TCP loopback and Unix domain sockets
 *       (java.nio), Akka Streams Tcp with length framing, Akka StreamRefs over Artery TCP, Aeron IPC;
 *       references: single-thread memcpy, and Akka's in-process {@code Source.repeat.async} rate;</li>
 *   <li>scenarios: 64-byte messages, 1 MiB, 3,110,400-byte (1080p NV12) and 12,441,600-byte (4K NV12)
 *       frames at saturation; 64-byte messages at 1,000/s (busy-spin and blocking) and 4K frames at
 *       30/s, with one-way latency corrected for coordinated omission.</li>
 * </ul>
 *
 * Each peer's producer and consumer are two child JVMs with the same flags, which run every phase
 * of a round in order over fresh channels or connections; rounds alternate the order of the peers.
 * See docs/benchmarks.md, "Against peers".
 */
public final class PeerBenchmark
{
    static final int FRAME_1080P = 3_110_400;
    static final int FRAME_4K = 12_441_600;
    static final int MIB = 1024 * 1024;

    /** Two-process peers, in the order of the tables; the limit first, this project next. */
    static final List<String> PEERS = List.of("limit", "ring", "stages", "aeron", "uds", "tcp", "akka-tcp",
        "streamrefs");
    static final Map<String, String> NAMES = Map.of(
        "limit", "limit (2 threads, 1 process)",
        "ring", "shm ring (core API)",
        "stages", "shm Akka stages",
        "aeron", "Aeron IPC",
        "uds", "Unix domain socket",
        "tcp", "TCP loopback",
        "akka-tcp", "Akka Streams Tcp",
        "streamrefs", "Akka StreamRefs",
        "memcpy", "memcpy, 1 thread",
        "akka-async", "Akka in-process .async");

    private final Config config;
    private final Report report = new Report();
    private final BenchDirectory directory;
    private final ChildLauncher launcher;

    private PeerBenchmark(final Config config, final BenchDirectory directory)
    {
        this.config = config;
        this.directory = directory;
        this.launcher = new ChildLauncher(config.jvmArgs, directory.path(), config.output);
    }

    /** Settings of a run: the full, quick and smoke presets and overrides from the command line. */
    static final class Config
    {
        String mode = "full";
        int rounds = 3;
        Set<String> peers = new LinkedHashSet<>(PEERS);
        Set<String> groups = new LinkedHashSet<>(List.of("sat", "rate", "ref"));
        Path output;
        List<String> jvmArgs = new ArrayList<>(List.of(
            "-Xms2g", "-Xmx2g", "-XX:+UseParallelGC", "-XX:MaxDirectMemorySize=1g"));
        int producerCpu = 0;
        int consumerCpu = 1;
        /** Akka's stages need about 3 s of JIT warm-up to reach their rate (measured: one process, both ends). */
        long satWarmupMs = 3_000;
        long satMeasureMs = 5_000;
        long smallRateWarmupMs = 4_000;
        long smallRateMeasureMs = 10_000;
        long videoWarmupMs = 2_000;
        long videoMeasureMs = 8_000;
        /**
         * The smallest Aeron term that carries 4K frames (a message may be an eighth of a term); Aeron's
         * largest, 1 GiB, is 5x slower for them here: its 3 GiB log is page-faulted in while measured.
         */
        int aeronTermLength = 128 * MIB;
        /** Run only these phases (by name), all when empty. */
        Set<String> phases = new LinkedHashSet<>();
        boolean jfr;
        /** Pinned paced producers run at SCHED_FIFO 1 during fixed-rate phases (RealtimeWait). */
        boolean realtime = true;
        Path publish;

        static Config parse(final String[] args) throws URISyntaxException
        {
            final Config config = new Config();
            for (final String arg : args)
            {
                if ("--quick".equals(arg))
                {
                    config.mode = "quick";
                    config.rounds = 1;
                    config.satWarmupMs = 1_000;
                    config.satMeasureMs = 1_000;
                    config.smallRateWarmupMs = 300;
                    config.smallRateMeasureMs = 1_000;
                    config.videoWarmupMs = 300;
                    config.videoMeasureMs = 1_500;
                }
                else if ("--smoke".equals(arg))
                {
                    config.mode = "smoke";
                    config.rounds = 1;
                    config.satWarmupMs = 200;
                    config.satMeasureMs = 300;
                    config.smallRateWarmupMs = 200;
                    config.smallRateMeasureMs = 300;
                    config.videoWarmupMs = 200;
                    config.videoMeasureMs = 500;
                }
            }
            for (final String arg : args)
            {
                final int eq = arg.indexOf('=');
                final String key = eq < 0 ? arg : arg.substring(0, eq);
                final String value = eq < 0 ? "" : arg.substring(eq + 1);
                switch (key)
                {
                    case "--quick":
                    case "--smoke":
                        break;
                    case "--rounds": config.rounds = Integer.parseInt(value); break;
                    case "--peers": config.peers = new LinkedHashSet<>(Arrays.asList(value.split(","))); break;
                    case "--only": config.groups = new LinkedHashSet<>(Arrays.asList(value.split(","))); break;
                    case "--out": config.output = Path.of(value); break;
                    case "--phases": config.phases = new LinkedHashSet<>(Arrays.asList(value.split(","))); break;
                    case "--publish": config.publish = Path.of(value); break;
                    case "--jvm-arg": config.jvmArgs.add(value); break;
                    case "--no-pin": config.producerCpu = -1; config.consumerCpu = -1; break;
                    case "--cpus":
                        config.producerCpu = Integer.parseInt(value.split(",")[0]);
                        config.consumerCpu = Integer.parseInt(value.split(",")[1]);
                        break;
                    case "--measure-ms": config.satMeasureMs = Long.parseLong(value); break;
                    case "--rate-warmup-ms": config.smallRateWarmupMs = Long.parseLong(value); break;
                    case "--aeron-term-length": config.aeronTermLength = Integer.parseInt(value); break;
                    case "--jfr": config.jfr = true; break;
                    case "--no-realtime": config.realtime = false; break;
                    case "--help":
                    case "-h":
                        usage();
                        System.exit(0);
                        break;
                    default:
                        System.err.println("unknown option " + arg);
                        usage();
                        System.exit(2);
                }
            }
            for (final String peer : config.peers)
            {
                if (!PEERS.contains(peer))
                {
                    System.err.println("unknown peer " + peer + "; peers: " + PEERS);
                    System.exit(2);
                }
            }
            if (config.output == null)
            {
                final Path jar = Path.of(PeerBenchmark.class.getProtectionDomain().getCodeSource().getLocation().toURI());
                config.output = jar.getParent().resolve("peer-bench");
            }
            if (config.realtime)
            {
                config.jvmArgs.add("-Dshm.bench.realtime-wait=true");
            }
            if (config.jfr)
            {
                config.jvmArgs.add("-XX:StartFlightRecording=filename=" + config.output.toAbsolutePath() +
                    "/,settings=profile");
            }
            return config;
        }

        static void usage()
        {
            System.err.println(String.join("\n",
                "usage: bin/bench-peers [--quick | --smoke] [options]",
                "  (default)               full run: 3 rounds at saturation, about 22 minutes",
                "  --quick                 one round, short windows: under 3 minutes",
                "  --smoke                 tiny windows, a check that every peer runs (not a measurement)",
                "  --rounds=N              saturation rounds (fixed-rate phases run in the first only)",
                "  --peers=a,b             of " + String.join(",", PEERS),
                "  --only=sat,rate,ref     scenario groups: saturation, fixed rate, references (memcpy, Akka .async)",
                "  --phases=a,b            only these phases: sat-64,sat-64-blocking,sat-1m,sat-1080p,sat-4k,rate-64-spin,",
                "                          rate-64-blocking,rate-64-blocking-dispatcher,rate-4k",
                "  --out=DIR               result directory (default benchmarks/target/peer-bench)",
                "  --publish=DIR           also copy results.{md,json,csv}, peers.csv and the charts there",
                "  --jvm-arg=ARG           extra flag for every child JVM (repeatable)",
                "  --no-pin | --cpus=P,C   hot-thread pinning (default producer CPU 0, consumer CPU 1)",
                "  --no-realtime           fixed-rate producers on pinned threads at normal priority (default: SCHED_FIFO 1",
                "                          where permitted; the consumers always at normal priority)",
                "  --measure-ms=N          measured window of the saturation phases",
                "  --rate-warmup-ms=N      warm-up of the 64-byte fixed-rate phases",
                "  --aeron-term-length=B   Aeron IPC term length (default 128 MiB, the smallest for 4K frames; max 1 GiB)",
                "  --jfr                   record JFR (profile settings) in every child, into the result directory"));
        }

        private List<Phase> selected(final List<Phase> all)
        {
            final List<Phase> chosen = new ArrayList<>();
            for (final Phase phase : all)
            {
                if (phases.isEmpty() || phases.contains(phase.name))
                {
                    chosen.add(phase);
                }
            }
            return chosen;
        }

        List<Phase> saturation()
        {
            return selected(List.of(
                new Phase("sat-64", 64, 0, satWarmupMs, satMeasureMs, "spin"),
                new Phase("sat-1m", MIB, 0, satWarmupMs, satMeasureMs, "spin"),
                new Phase("sat-1080p", FRAME_1080P, 0, satWarmupMs, satMeasureMs, "spin"),
                new Phase("sat-4k", FRAME_4K, 0, satWarmupMs, satMeasureMs, "spin")));
        }

        /** @return the saturation phases of a peer: the ring and the stages also with their default, BLOCKING. */
        List<Phase> saturation(final String peer)
        {
            final List<Phase> phases = new ArrayList<>(saturation());
            if (peer.equals("ring") || peer.equals("stages"))
            {
                phases.addAll(Math.min(1, phases.size()), selected(List.of(
                    new Phase("sat-64-blocking", 64, 0, satWarmupMs, satMeasureMs, "blocking"))));
            }
            return phases;
        }

        /** The fixed-rate phases of a peer: 64 B at 1,000/s (busy-spin; blocking where it has a choice), 4K at 30/s. */
        List<Phase> rated(final String peer)
        {
            final List<Phase> phases = new ArrayList<>();
            phases.add(new Phase("rate-64-spin", 64, 1_000, smallRateWarmupMs, smallRateMeasureMs, "spin"));
            if (peer.equals("ring") || peer.equals("stages") || peer.equals("aeron"))
            {
                phases.add(new Phase("rate-64-blocking", 64, 1_000, smallRateWarmupMs, smallRateMeasureMs, "blocking"));
            }
            if (peer.equals("stages"))
            {
                phases.add(new Phase("rate-64-blocking-dispatcher", 64, 1_000, smallRateWarmupMs, smallRateMeasureMs,
                    "blocking-dispatcher"));
            }
            phases.add(new Phase("rate-4k", FRAME_4K, 30, videoWarmupMs, videoMeasureMs, "blocking"));
            return selected(phases);
        }

        String describe()
        {
            return mode + ", rounds " + rounds + ", peers " + peers + ", groups " + groups;
        }
    }

    public static void main(final String[] args) throws Exception
    {
        System.setProperty("java.awt.headless", "true");
        final Config config = Config.parse(args);
        BenchDirectory.prepare(config.output, "{results.*,peers.csv,*.hgrm,*.jfr,*.png}");
        final Map<String, String> conditions = Conditions.host(config.describe(), config.jvmArgs);
        conditions.put("pinning", config.producerCpu < 0 ? "none" : "hot threads pinned with sched_setaffinity: " +
            "producer side CPU " + config.producerCpu + ", consumer side CPU " + config.consumerCpu +
            " (limit, ring, sockets, Aeron, the stages' spinning dispatcher); Akka Tcp, StreamRefs and the " +
            "stages on the default dispatcher are not pinned");
        conditions.put("windows", "saturation " + config.satWarmupMs + " ms warm-up + " + config.satMeasureMs +
            " ms; 64 B at 1,000/s " + config.smallRateWarmupMs + " + " + config.smallRateMeasureMs + " ms; 4K at 30/s " +
            config.videoWarmupMs + " + " + config.videoMeasureMs + " ms");
        conditions.put("aeron", "1.46.9, embedded media driver (SHARED, sleeps 1 ms when idle), aeron:ipc term-length " +
            config.aeronTermLength + " mtu " + AeronPeer.MTU);
        conditions.put("source", Conditions.gitCommit(Path.of(".")));
        conditions.put("real-time producers", RealtimeWait.describe(config.realtime));
        conditions.put("load average at start", Conditions.firstLine("/proc/loadavg"));
        final boolean gauge = !config.mode.equals("smoke");
        conditions.put("other load before the run", Conditions.cpuBusy(gauge ? 1_000 : 200));
        if (gauge)
        {
            conditions.put("speed gauge at start", Conditions.speedGauge(0, 1));
            conditions.put("spin gaps at start", Conditions.spinGaps(config.mode.equals("full") ? 5_000 : 1_000, 0, 1));
            conditions.put("wake-ups at start", Conditions.wakeGauge(config.mode.equals("full") ? 2_000 : 300, 0, 1));
        }
        System.out.println("peer benchmark: " + config.describe() + "; results in " + config.output);

        final BenchDirectory directory = BenchDirectory.createForRun();

        final PeerBenchmark benchmark = new PeerBenchmark(config, directory);
        final long start = System.nanoTime();
        benchmark.runAll();
        final double seconds = (System.nanoTime() - start) / 1e9;
        conditions.put("duration", String.format("%.0f s", seconds));
        conditions.put("other load while each pair ran, cores (min / median / max)",
            benchmark.report.spread(".harness.otherLoadDuringCores"));
        conditions.put("load average at end", Conditions.firstLine("/proc/loadavg"));
        conditions.put("other load after the run", Conditions.cpuBusy(gauge ? 1_000 : 200));
        if (gauge)
        {
            conditions.put("speed gauge at end", Conditions.speedGauge(0, 1));
            conditions.put("spin gaps at end", Conditions.spinGaps(config.mode.equals("full") ? 5_000 : 1_000, 0, 1));
            conditions.put("wake-ups at end", Conditions.wakeGauge(config.mode.equals("full") ? 2_000 : 300, 0, 1));
        }
        directory.close();

        final PeerTables tables = new PeerTables(benchmark.report, config);
        tables.build();
        System.out.println();
        System.out.println(benchmark.report.table());
        System.out.println(tables.markdown());
        conditions.forEach((key, value) -> System.out.println(key + ": " + value));
        benchmark.report.write(config.output, conditions, tables.markdown());
        tables.writeCsv(config.output.resolve("peers.csv"));
        final List<Path> charts = new PeerCharts(tables, config.output).write();
        System.out.println("results: " + config.output.resolve("results.json") + ", results.csv, results.md, " +
            "peers.csv, " + charts.size() + " charts, *.hgrm");
        if (config.publish != null)
        {
            publish(config, charts);
        }
        benchmark.report.exit();
    }

    private static void publish(final Config config, final List<Path> charts) throws IOException
    {
        Files.createDirectories(config.publish);
        final List<Path> files = new ArrayList<>(charts);
        for (final String name : List.of("results.md", "results.json", "results.csv", "peers.csv"))
        {
            files.add(config.output.resolve(name));
        }
        for (final Path file : files)
        {
            Files.copy(file, config.publish.resolve(file.getFileName()),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        System.out.println("published to " + config.publish);
    }

    private void runAll()
    {
        for (int round = 0; round < config.rounds; round++)
        {
            final List<String> order = new ArrayList<>(config.peers);
            if (round % 2 == 1)
            {
                java.util.Collections.reverse(order);
            }
            for (final String peer : order)
            {
                final List<Phase> phases = new ArrayList<>();
                if (config.groups.contains("sat"))
                {
                    phases.addAll(config.saturation(peer));
                }
                if (config.groups.contains("rate") && round == 0)
                {
                    phases.addAll(config.rated(peer));
                }
                if (!phases.isEmpty())
                {
                    pair(peer, round, phases);
                }
            }
            if (config.groups.contains("ref"))
            {
                references(round);
            }
        }
    }

    private long timeout(final List<Phase> phases)
    {
        long millis = 90_000;
        for (final Phase phase : phases)
        {
            millis += 2 * (phase.warmupMs + phase.measureMs) + 30_000;
        }
        return millis;
    }

    /** Run one peer's producer and consumer (or its one process) over the phases, and keep their results. */
    private void pair(final String peer, final int round, final List<Phase> phases)
    {
        final String scenario = PeerChild.SCENARIO_PREFIX + peer;
        final String control = directory.createFile(peer + "-r" + round + "-control", 4096);
        final String encoded = Phase.encode(phases);
        final List<ChildLauncher.Spec> specs = new ArrayList<>();
        if (peer.equals("limit"))
        {
            specs.add(new ChildLauncher.Spec("single").arg("cpu", config.consumerCpu)
                .arg("producerCpu", config.producerCpu));
        }
        else
        {
            specs.add(new ChildLauncher.Spec("producer").arg("cpu", config.producerCpu));
            specs.add(new ChildLauncher.Spec("consumer").arg("cpu", config.consumerCpu));
        }
        final int port = freePort();
        final int producerPort = freePort();
        for (final ChildLauncher.Spec spec : specs)
        {
            spec.arg("phases", encoded).arg("control", control).arg("port", port)
                .arg("producerPort", producerPort).arg("consumerPort", port)
                .arg("termLength", config.aeronTermLength);
        }
        run(scenario, round, phases, specs, control);
    }

    /** memcpy on the consumer's CPU for each large size, and Akka's in-process async rate. */
    private void references(final int round)
    {
        final List<Phase> copies = new ArrayList<>();
        for (final Phase phase : config.saturation())
        {
            if (!phase.small())
            {
                copies.add(phase);
            }
        }
        if (!copies.isEmpty())
        {
            run(PeerChild.SCENARIO_PREFIX + "memcpy", round, copies, List.of(new ChildLauncher.Spec("single")
                .arg("cpu", config.consumerCpu).arg("phases", Phase.encode(copies))));
        }
        if (config.saturation().stream().anyMatch(phase -> phase.name.equals("sat-64")))
        {
            final List<Phase> async = List.of(new Phase("async", 64, 0, config.satWarmupMs, config.satMeasureMs, "spin"));
            final String control = directory.createFile("akka-async-r" + round + "-control", 4096);
            run(PeerChild.SCENARIO_PREFIX + "akka-async", round, async, List.of(new ChildLauncher.Spec("single")
                .arg("cpu", config.consumerCpu).arg("phases", Phase.encode(async)).arg("control", control)), control);
        }
    }

    /**
     * Run the children, keep their results, then check that nothing is left in the run's directory
     * once the harness removed its own files: a segment, socket or Aeron directory left behind is
     * a cleanup bug, reported as a failure.
     */
    private void run(final String scenario, final int round, final List<Phase> phases,
        final List<ChildLauncher.Spec> specs, final String... harnessFiles)
    {
        final double otherLoad = Conditions.busyCores(300);
        System.out.println("== " + scenario + " (round " + (round + 1) + "/" + config.rounds + ", " + phases.size() +
            " phases), other load " + Report.number(otherLoad) + " cores");
        final long start = System.nanoTime();
        try
        {
            final Map<String, Double> results = launcher.run(scenario, round, timeout(phases), specs);
            System.out.println("   " + String.format("%.1f s", (System.nanoTime() - start) / 1e9) +
                ", other load while it ran: " + Report.number(results.getOrDefault("harness.otherLoadDuringCores",
                Double.NaN)) + " cores");
            report.addSamples(scenario, Map.of("harness.otherLoadCores", otherLoad, "round", (double)round));
            report.addSamples(scenario, results);
            results.forEach((key, value) ->
            {
                if (key.endsWith(".errors") && value != 0)
                {
                    report.addFailure(scenario + "/" + key + ": " + value.longValue() + " messages lost, torn or " +
                        "out of order");
                }
            });
        }
        catch (final RuntimeException ex)
        {
            report.addFailure(scenario + " round " + (round + 1) + ": " + ex.getMessage());
            System.out.println("!! " + scenario + " failed: " + ex.getMessage());
        }
        for (final String file : harnessFiles)
        {
            directory.deleteFile(file);
        }
        final List<String> leftovers = directory.leftovers();
        if (!leftovers.isEmpty())
        {
            report.addFailure(scenario + " round " + (round + 1) + " left files in " + directory.path() + ": " +
                leftovers);
            for (final String name : leftovers)
            {
                try
                {
                    BenchDirectory.deleteRecursively(directory.path().resolve(name));
                }
                catch (final IOException ex)
                {
                    System.err.println("cannot remove " + name + ": " + ex);
                }
            }
        }
    }

    private static int freePort()
    {
        try (ServerSocket socket = new ServerSocket(0))
        {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        }
        catch (final IOException ex)
        {
            throw new java.io.UncheckedIOException(ex);
        }
    }
}
