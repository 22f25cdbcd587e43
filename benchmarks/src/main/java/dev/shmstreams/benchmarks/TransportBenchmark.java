package dev.shmstreams.benchmarks;

import dev.shmstreams.benchmarks.Report.Row;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The transport benchmark: in one run, on one machine, the shared-memory ring next to its peers.
 *
 * <ol>
 *   <li>latency: 64-byte ping-pong, BUSY_SPIN, against a bare spin on one shared long;</li>
 *   <li>throughput: batched 64-byte frames against Agrona's OneToOneRingBuffer on /dev/shm;</li>
 *   <li>large frames: 12,441,600-byte frames filled and read in place, against the same work
 *       pipelined between two threads of one process (the limit);</li>
 *   <li>BLOCKING: futex wake-up latency against a bare futex, idle-channel CPU against an idle JVM,
 *       and JNA direct against interface mapping (JMH);</li>
 *   <li>bytes allocated per frame on the ring's hot paths.</li>
 * </ol>
 *
 * Every ring and peer measurement runs in child JVMs started here with the same flags, hot threads
 * pinned to CPU 0 (producer side) and CPU 1 (consumer side). With {@code --rounds n} each pair runs
 * n times, alternating which goes first, and the table shows medians. See docs/benchmarks.md.
 */
public final class TransportBenchmark
{
    static final int LARGE_FRAME_LENGTH = 12_441_600;
    /** Other load, in cores, under which the machine counts as quiet for {@code --wait-quiet}. */
    static final double QUIET_CORES = 0.25;
    /** At most this long, over a whole run, is spent waiting for quiet and re-running scenarios. */
    static final long QUIET_BUDGET_NANOS = 20 * 60 * 1_000_000_000L;

    private final Config config;
    private final Report report = new Report();
    private final BenchDirectory directory;
    private final ChildLauncher launcher;
    /** Waiting for quiet and re-running disturbed scenarios stop after this: a run must end. */
    private final long quietDeadline = System.nanoTime() + QUIET_BUDGET_NANOS;

    private TransportBenchmark(final Config config, final BenchDirectory directory)
    {
        this.config = config;
        this.directory = directory;
        this.launcher = new ChildLauncher(config.jvmArgs, directory.path(), config.output);
    }

    /** Settings of a run: the quick and full presets, and overrides from the command line. */
    static final class Config
    {
        boolean quick;
        int rounds = 3;
        Set<String> sections = new LinkedHashSet<>(
            List.of("latency", "throughput", "large", "wakeup", "idle", "jna", "path"));
        Path output;
        List<String> jvmArgs = new ArrayList<>(List.of(
            "-Xms256m", "-Xmx256m", "-XX:+UseParallelGC", "-XX:MaxDirectMemorySize=512m"));
        int producerCpu = 0;
        int consumerCpu = 1;
        int latencyWarmup = 200_000;
        int latencyCount = 1_000_000;
        long warmupMs = 2_000;
        long measureMs = 5_000;
        int ringSlots = 1024;
        int batch = 64;
        int drain = 256;
        int agronaCapacity = 1024 * 1024;
        int agronaIdleSpins = 64;
        int largeSlots = 4;
        int largePhases = 3;
        int wakeupWarmup = 20_000;
        long wakeupWarmupPeriodNs = 50_000;
        int wakeupCount = 5_000;
        long wakeupPeriodNs = 1_000_000;
        long idleMeasureMs = 10_000;
        int jmhWarmups = 2;
        int jmhIterations = 4;
        int jmhIterationMs = 1_000;
        boolean jfr;
        long waitQuietSeconds;

        static Config parse(final String[] args) throws URISyntaxException
        {
            final Config config = new Config();
            for (final String arg : args)
            {
                if ("--quick".equals(arg))
                {
                    config.quick = true;
                    config.rounds = 1;
                    config.latencyWarmup = 100_000;
                    config.latencyCount = 200_000;
                    config.warmupMs = 1_000;
                    config.measureMs = 2_000;
                    config.wakeupWarmup = 10_000;
                    config.wakeupCount = 1_500;
                    config.idleMeasureMs = 5_000;
                    config.jmhWarmups = 1;
                    config.jmhIterations = 2;
                    config.jmhIterationMs = 400;
                    config.largePhases = 2;
                }
            }
            for (final String arg : args)
            {
                final int eq = arg.indexOf('=');
                final String key = eq < 0 ? arg : arg.substring(0, eq);
                final String value = eq < 0 ? "" : arg.substring(eq + 1);
                switch (key)
                {
                    case "--quick": break;
                    case "--rounds": config.rounds = Integer.parseInt(value); break;
                    case "--only": config.sections = new LinkedHashSet<>(Arrays.asList(value.split(","))); break;
                    case "--out": config.output = Path.of(value); break;
                    case "--jvm-arg": config.jvmArgs.add(value); break;
                    case "--no-pin": config.producerCpu = -1; config.consumerCpu = -1; break;
                    case "--cpus":
                        config.producerCpu = Integer.parseInt(value.split(",")[0]);
                        config.consumerCpu = Integer.parseInt(value.split(",")[1]);
                        break;
                    case "--measure-ms": config.measureMs = Long.parseLong(value); break;
                    case "--slots": config.ringSlots = Integer.parseInt(value); break;
                    case "--batch": config.batch = Integer.parseInt(value); break;
                    case "--drain": config.drain = Integer.parseInt(value); break;
                    case "--agrona-capacity": config.agronaCapacity = Integer.parseInt(value); break;
                    case "--agrona-idle-spins": config.agronaIdleSpins = Integer.parseInt(value); break;
                    case "--large-slots": config.largeSlots = Integer.parseInt(value); break;
                    case "--latency-count": config.latencyCount = Integer.parseInt(value); break;
                    case "--wakeup-count": config.wakeupCount = Integer.parseInt(value); break;
                    case "--wakeup-period-us": config.wakeupPeriodNs = Long.parseLong(value) * 1000; break;
                    case "--jfr": config.jfr = true; break;
                    case "--wait-quiet": config.waitQuietSeconds = Long.parseLong(value); break;
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
            if (config.output == null)
            {
                final Path jar = Path.of(TransportBenchmark.class.getProtectionDomain().getCodeSource().getLocation()
                    .toURI());
                config.output = jar.getParent().resolve("transport-bench");
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
                "usage: bin/bench-transport [--quick] [options]",
                "  --quick                 short run (about a minute and a half), one round",
                "  --rounds=N              repeat every ring/peer pair N times, alternating order (full: 3)",
                "  --only=a,b              sections: latency,throughput,large,wakeup,idle,jna,path",
                "  --out=DIR               result directory (default benchmarks/target/transport-bench)",
                "  --jvm-arg=ARG           extra flag for every child JVM (repeatable)",
                "  --no-pin | --cpus=P,C   hot-thread pinning (default producer CPU 0, consumer CPU 1)",
                "  --measure-ms=N          measured window of the throughput scenarios",
                "  --slots=N --batch=N --drain=N   the ring's 64-byte throughput geometry (1024, 64, 256)",
                "  --agrona-capacity=BYTES --agrona-idle-spins=N   the Agrona peer (1 MiB; 64 PAUSEs when empty)",
                "  --large-slots=N         slots (and preallocated frames of the limit) for 12.4 MB frames",
                "  --latency-count=N       measured round trips per latency scenario",
                "  --wakeup-count=N --wakeup-period-us=N   BLOCKING wake-up frames and their period (1000 us)",
                "  --jfr                   record JFR (profile settings) in every child, into the result directory",
                "  --wait-quiet=S          before each scenario, wait up to S s for other load < 0.25 cores, and",
                "                          run a scenario again (3 attempts at most) if other load rose while it ran;",
                "                          at most 20 minutes per run go to waiting and re-running"));
        }

        String describe()
        {
            return (quick ? "quick" : "full") + ", rounds " + rounds + ", sections " + sections;
        }
    }

    public static void main(final String[] args) throws Exception
    {
        final Config config = Config.parse(args);
        // not run.log: the launcher script is writing it
        BenchDirectory.prepare(config.output, "{results.*,*.hgrm,*.jfr}");
        final Map<String, String> conditions = Conditions.host(config.describe(), config.jvmArgs);
        conditions.put("pinning", config.producerCpu < 0 ? "none" : "hot threads pinned with sched_setaffinity: " +
            "producer/ping side CPU " + config.producerCpu + ", consumer/pong side CPU " + config.consumerCpu);
        conditions.put("geometry", "latency: 8 slots of 64 B per channel; throughput: " + config.ringSlots +
            " slots of 64 B (128 B each, packed), tryClaim(" + config.batch + "), drain(" + config.drain +
            "); Agrona: " + config.agronaCapacity + " B buffer, consumer pauses " + config.agronaIdleSpins +
            "x onSpinWait when a read finds nothing; 12,441,600 B frames: " + config.largeSlots + " slots / frames");
        conditions.put("transparent huge pages (anon / shmem)",
            Conditions.firstLine("/sys/kernel/mm/transparent_hugepage/enabled") + " / " +
            Conditions.firstLine("/sys/kernel/mm/transparent_hugepage/shmem_enabled"));
        conditions.put("source", Conditions.gitCommit(Path.of(".")));
        conditions.put("load average at start", Conditions.firstLine("/proc/loadavg"));
        conditions.put("other load before the run", Conditions.cpuBusy(1_000));
        conditions.put("speed gauge at start", Conditions.speedGauge(0, 1));
        System.out.println("transport benchmark: " + config.describe() + "; results in " + config.output);

        final BenchDirectory directory = BenchDirectory.createForRun();

        final TransportBenchmark benchmark = new TransportBenchmark(config, directory);
        final long start = System.nanoTime();
        benchmark.runAll();
        conditions.put("duration", String.format("%.0f s", (System.nanoTime() - start) / 1e9));
        conditions.put("other load sampled before each scenario, cores (min / median / max)",
            benchmark.report.spread(".harness.otherLoadCores"));
        conditions.put("other load while each scenario ran, cores (min / median / max)",
            benchmark.report.spread(".harness.otherLoadDuringCores"));
        conditions.put("load average at end", Conditions.firstLine("/proc/loadavg"));
        conditions.put("other load after the run", Conditions.cpuBusy(1_000));
        conditions.put("speed gauge at end", Conditions.speedGauge(0, 1));
        directory.close();

        benchmark.buildRows();
        System.out.println();
        System.out.println(benchmark.report.table());
        conditions.forEach((key, value) -> System.out.println(key + ": " + value));
        benchmark.report.write(config.output, conditions);
        System.out.println("results: " + config.output.resolve("results.json") + ", results.csv, results.md, *.hgrm");
        benchmark.report.exit();
    }

    private void runAll()
    {
        for (int round = 0; round < config.rounds; round++)
        {
            final int r = round;
            final boolean ringFirst = round % 2 == 0;
            if (config.sections.contains("latency"))
            {
                pair(ringFirst, () -> latencyRing(r), () -> latencySpin(r));
            }
            if (config.sections.contains("throughput"))
            {
                pair(ringFirst, () -> throughputRing(r), () -> throughputAgrona(r));
            }
            if (config.sections.contains("large"))
            {
                largeRing(r);
            }
            if (config.sections.contains("wakeup"))
            {
                pair(ringFirst, () -> wakeupRing(r), () -> wakeupFutex(r));
            }
        }
        if (config.sections.contains("idle"))
        {
            idle();
        }
        if (config.sections.contains("jna"))
        {
            jmh("jna", JnaCallBenchmark.class);
        }
        if (config.sections.contains("path"))
        {
            jmh("path", RingPathBenchmark.class);
        }
    }

    /** Alternating which of a pair goes first spreads slow drifts of the machine over both. */
    private static void pair(final boolean ringFirst, final Runnable ring, final Runnable peer)
    {
        if (ringFirst)
        {
            ring.run();
            peer.run();
        }
        else
        {
            peer.run();
            ring.run();
        }
    }

    /**
     * Run one scenario's children, record their results, then check that nothing is left in the
     * directory once the harness has removed its own peer files: a segment left behind would be a
     * cleanup bug of the ring.
     */
    private void scenario(final String scenario, final int round, final long timeoutMillis,
        final Supplier<List<ChildLauncher.Spec>> specs, final String... harnessFiles)
    {
        final int attempts = config.waitQuietSeconds > 0 && System.nanoTime() - quietDeadline < 0 ? 3 : 1;
        for (int attempt = 1; attempt <= attempts; attempt++)
        {
            final double otherLoad = awaitQuiet();
            System.out.println("== " + scenario + " (round " + (round + 1) + "/" + config.rounds + "), other load " +
                Report.number(otherLoad) + " cores" + (attempt > 1 ? ", attempt " + attempt : ""));
            for (final String file : harnessFiles)
            {
                directory.resetFile(file);
            }
            try
            {
                final Map<String, Double> results = launcher.run(scenario, round, timeoutMillis, specs.get());
                final double during = results.getOrDefault("harness.otherLoadDuringCores", Double.NaN);
                System.out.println("   other load while it ran: " + Report.number(during) + " cores");
                if (during > QUIET_CORES && attempt < attempts)
                {
                    System.out.println("   disturbed: results discarded, running it again");
                    continue;
                }
                report.addSamples(scenario, Map.of("harness.otherLoadCores", otherLoad,
                    "harness.attempts", (double)attempt));
                report.addSamples(scenario, results);
                results.forEach((key, value) ->
                {
                    if (key.endsWith(".errors") && value != 0)
                    {
                        report.addFailure(scenario + "/" + key + ": " + value.longValue() + " frames with a wrong sum");
                    }
                });
            }
            catch (final RuntimeException ex)
            {
                report.addFailure(scenario + " round " + (round + 1) + ": " + ex.getMessage());
                System.out.println("!! " + scenario + " failed: " + ex.getMessage());
            }
            break;
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
            leftovers.forEach(directory::deleteFile);
        }
    }

    /**
     * Sample how busy the machine is with other work (no child of ours runs now), waiting up to
     * {@code --wait-quiet} seconds for it to drop under a quarter of a core.
     *
     * @return CPUs' worth of other load, as last sampled.
     */
    private double awaitQuiet()
    {
        final long deadline = Math.min(System.nanoTime() + config.waitQuietSeconds * 1_000_000_000L, quietDeadline);
        double load;
        while ((load = Conditions.busyCores(300)) > QUIET_CORES && System.nanoTime() - deadline < 0)
        {
            System.out.println("   waiting for a quieter machine: other load " + Report.number(load) + " cores");
        }
        return load;
    }

    private ChildLauncher.Spec producerSide(final String role)
    {
        return new ChildLauncher.Spec(role).arg("cpu", config.producerCpu);
    }

    private ChildLauncher.Spec consumerSide(final String role)
    {
        return new ChildLauncher.Spec(role).arg("cpu", config.consumerCpu);
    }

    private long latencyTimeout()
    {
        return 60_000 + (config.latencyWarmup + config.latencyCount) / 5;
    }

    private void latencyRing(final int round)
    {
        final String control = directory.createFile("calib-r" + round, Scenarios.CONTROL_FILE_LENGTH);
        scenario(Scenarios.LATENCY_RING, round, latencyTimeout(), () -> List.of(
            producerSide("ping").arg("warmup", config.latencyWarmup).arg("count", config.latencyCount)
                .arg("control", control),
            consumerSide("pong").arg("warmup", config.latencyWarmup).arg("count", config.latencyCount)
                .arg("control", control)), control);
    }

    private void latencySpin(final int round)
    {
        final String control = directory.createFile("spin-r" + round, Scenarios.CONTROL_FILE_LENGTH);
        scenario(Scenarios.LATENCY_SPIN, round, latencyTimeout(), () -> List.of(
            producerSide("ping").arg("warmup", config.latencyWarmup).arg("count", config.latencyCount)
                .arg("control", control),
            consumerSide("pong").arg("warmup", config.latencyWarmup).arg("count", config.latencyCount)
                .arg("control", control)), control);
    }

    private long windowTimeout()
    {
        return 60_000 + 3 * (config.warmupMs + config.measureMs);
    }

    private void throughputRing(final int round)
    {
        scenario(Scenarios.THROUGHPUT_RING, round, windowTimeout(), () -> List.of(
            producerSide("producer").arg("slots", config.ringSlots).arg("batch", config.batch)
                .arg("warmupMs", config.warmupMs),
            consumerSide("consumer").arg("slots", config.ringSlots).arg("drain", config.drain)
                .arg("warmupMs", config.warmupMs).arg("measureMs", config.measureMs)));
    }

    private void throughputAgrona(final int round)
    {
        final String control = directory.createFile("agrona-control-r" + round, Scenarios.CONTROL_FILE_LENGTH);
        final String ring = directory.createFile("agrona-ring-r" + round,
            config.agronaCapacity + RingBufferDescriptor.TRAILER_LENGTH);
        scenario(Scenarios.THROUGHPUT_AGRONA, round, windowTimeout(), () -> List.of(
            producerSide("producer").arg("control", control).arg("ringFile", ring).arg("warmupMs", config.warmupMs),
            consumerSide("consumer").arg("control", control).arg("ringFile", ring).arg("drain", config.drain)
                .arg("idleSpins", config.agronaIdleSpins)
                .arg("warmupMs", config.warmupMs).arg("measureMs", config.measureMs)), control, ring);
    }

    /** Ring and limit alternate inside this scenario's processes; see {@link LargeFrameRing}. */
    private void largeRing(final int round)
    {
        final String control = directory.createFile("large-r" + round + "-control", Scenarios.CONTROL_FILE_LENGTH);
        scenario(Scenarios.LARGE_RING, round, windowTimeout() + 60_000, () -> List.of(
            producerSide("producer").arg("slots", config.largeSlots).arg("frameLength", LARGE_FRAME_LENGTH)
                .arg("control", control),
            consumerSide("consumer").arg("slots", config.largeSlots).arg("frameLength", LARGE_FRAME_LENGTH)
                .arg("warmupMs", config.warmupMs).arg("measureMs", config.measureMs).arg("phases", config.largePhases)
                .arg("producerCpu", config.producerCpu).arg("control", control)), control);
    }

    private long wakeupTimeout()
    {
        return 60_000 + 3 * (config.wakeupWarmup * config.wakeupWarmupPeriodNs + config.wakeupCount *
            config.wakeupPeriodNs) / 1_000_000;
    }

    private ChildLauncher.Spec wakeupArgs(final ChildLauncher.Spec spec)
    {
        return spec.arg("warmup", config.wakeupWarmup).arg("count", config.wakeupCount)
            .arg("periodNs", config.wakeupPeriodNs).arg("warmupPeriodNs", config.wakeupWarmupPeriodNs);
    }

    private void wakeupRing(final int round)
    {
        scenario(Scenarios.WAKEUP_RING, round, wakeupTimeout(), () -> List.of(
            wakeupArgs(producerSide("producer")),
            wakeupArgs(consumerSide("consumer"))));
    }

    private void wakeupFutex(final int round)
    {
        final String control = directory.createFile("futex-r" + round, Scenarios.CONTROL_FILE_LENGTH);
        scenario(Scenarios.WAKEUP_FUTEX, round, wakeupTimeout(), () -> List.of(
            wakeupArgs(producerSide("producer")).arg("control", control),
            wakeupArgs(consumerSide("consumer")).arg("control", control)), control);
    }

    /** The idle channel and the idle JVM run side by side: being idle, they do not disturb each other. */
    private void idle()
    {
        final long warmupMs = 1_000;
        final long timeout = 60_000 + 2 * (warmupMs + config.idleMeasureMs);
        System.out.println("== idle (" + config.idleMeasureMs + " ms, once)");
        final Map<String, Double> results = new LinkedHashMap<>();
        final Thread baseline = new Thread(() ->
        {
            try
            {
                results.putAll(launcher.run(Scenarios.IDLE_JVM, 0, timeout, List.of(
                    new ChildLauncher.Spec("jvm").arg("warmupMs", warmupMs).arg("measureMs", config.idleMeasureMs))));
            }
            catch (final RuntimeException ex)
            {
                report.addFailure(Scenarios.IDLE_JVM + ": " + ex.getMessage());
            }
        });
        baseline.start();
        scenario(Scenarios.IDLE_RING, 0, timeout, () -> List.of(
            new ChildLauncher.Spec("producer").arg("warmupMs", warmupMs).arg("measureMs", config.idleMeasureMs),
            new ChildLauncher.Spec("consumer").arg("warmupMs", warmupMs).arg("measureMs", config.idleMeasureMs)));
        try
        {
            baseline.join();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        synchronized (results)
        {
            report.addSamples(Scenarios.IDLE_JVM, results);
        }
    }

    private void jmh(final String section, final Class<?> benchmarks)
    {
        System.out.println("== " + section + " (JMH " + benchmarks.getSimpleName() + ")");
        final Options options = new OptionsBuilder()
            .include(benchmarks.getName() + ".*")
            .forks(1)
            .warmupIterations(config.jmhWarmups)
            .warmupTime(TimeValue.milliseconds(config.jmhIterationMs))
            .measurementIterations(config.jmhIterations)
            .measurementTime(TimeValue.milliseconds(config.jmhIterationMs))
            .jvmArgs(config.jvmArgs.toArray(new String[0]))
            .verbosity(VerboseMode.NORMAL)
            .shouldFailOnError(true)
            .build();
        try
        {
            final Collection<RunResult> results = new Runner(options).run();
            final Map<String, Double> scores = new LinkedHashMap<>();
            for (final RunResult result : results)
            {
                final String name = result.getParams().getBenchmark();
                scores.put(name.substring(name.lastIndexOf('.') + 1) + ".nsPerCall",
                    result.getPrimaryResult().getScore());
            }
            report.addSamples(section, scores);
        }
        catch (final Exception ex)
        {
            report.addFailure(section + " (JMH): " + ex);
        }
    }

    private void buildRows()
    {
        final Report r = report;
        final String latency = "1. latency, 64 B, BUSY_SPIN, ping-pong";
        final String spin = "bare spin, one shared long";
        for (final String p : new String[]{"p50", "p99", "p99.9"})
        {
            final boolean goal = "p50".equals(p);
            final double ratio = r.pairedRatio("latency-ring.ping.rtt." + p, "latency-spin.ping.rtt." + p);
            r.row(new Row(latency, "one-way " + p + " = RTT/2", "us", r.median("latency-ring.ping.rtt." + p) / 2000,
                spin, r.median("latency-spin.ping.rtt." + p) / 2000, ratio, goal ? "<= 2.00x peer" : null,
                goal ? ratio <= 2.0 : null));
        }
        for (final String p : new String[]{"p50", "p99"})
        {
            r.row(new Row(latency, "one-way " + p + ", receive time - send stamp", "us",
                r.median("latency-ring.pong.oneway." + p) / 1000, spin,
                r.median("latency-spin.pong.oneway." + p) / 1000,
                r.pairedRatio("latency-ring.pong.oneway." + p, "latency-spin.pong.oneway." + p), null, null));
        }
        final String same = "same processes, just after: ";
        final double ringP50 = r.median("latency-ring.ping.rtt.p50") / 2000;
        final double sameRatio = r.pairedRatio("latency-ring.ping.rtt.p50", "latency-ring.ping.calib.rtt.p50");
        r.row(new Row(latency, "one-way p50 = RTT/2", "us", ringP50, same + spin,
            r.median("latency-ring.ping.calib.rtt.p50") / 2000, sameRatio, "<= 2.00x peer", sameRatio <= 2.0));
        r.row(new Row(latency, "what-if: sender sets the frame timestamp (commit reads no clock)", "us",
            r.median("latency-ring.ping.stamped.rtt.p50") / 2000, same + spin,
            r.median("latency-ring.ping.calib.rtt.p50") / 2000,
            r.pairedRatio("latency-ring.ping.stamped.rtt.p50", "latency-ring.ping.calib.rtt.p50"), null, null));
        r.row(new Row(latency, "one-way p50 = RTT/2", "us", ringP50, same + "floor, flag + 64 B payload lines",
            r.median("latency-ring.ping.lines2.rtt.p50") / 2000,
            r.pairedRatio("latency-ring.ping.rtt.p50", "latency-ring.ping.lines2.rtt.p50"), null, null));
        r.row(new Row(latency, "one-way p50 = RTT/2", "us", ringP50, same + "floor, flag + descriptor + payload",
            r.median("latency-ring.ping.lines3.rtt.p50") / 2000,
            r.pairedRatio("latency-ring.ping.rtt.p50", "latency-ring.ping.lines3.rtt.p50"), null, null));

        final String throughput = "2. throughput, 64 B frames, batched";
        final double ringRate = r.median("throughput-ring.consumer.framesPerSecond") / 1e6;
        final double agronaRate = r.median("throughput-agrona.consumer.framesPerSecond") / 1e6;
        final double rateRatio = r.pairedRatio("throughput-ring.consumer.framesPerSecond",
            "throughput-agrona.consumer.framesPerSecond");
        final String agrona = "Agrona OneToOneRingBuffer " + config.agronaCapacity / 1024 + " KiB";
        r.row(new Row(throughput, "frames/s (tryClaim(" + config.batch + ")+commitUpTo, drain(" + config.drain + "), " +
            config.ringSlots + " slots)", "M/s", ringRate, null, Double.NaN, ">= 20 M/s", ringRate >= 20));
        r.row(new Row(throughput, "frames/s against Agrona", "M/s", ringRate, agrona, agronaRate, rateRatio,
            ">= 1.00x peer", rateRatio >= 1.0));
        r.row(new Row(throughput, "frames/s over the whole window (above: median of 10 slices)", "M/s",
            r.median("throughput-ring.consumer.windowFramesPerSecond") / 1e6, agrona,
            r.median("throughput-agrona.consumer.windowFramesPerSecond") / 1e6,
            r.pairedRatio("throughput-ring.consumer.windowFramesPerSecond",
                "throughput-agrona.consumer.windowFramesPerSecond"), null, null));

        final String large = "3. 12,441,600 B frames, fill + read every byte";
        final double largeRatio = r.pairedRatio("large-ring.consumer.framesPerSecond",
            "large-ring.consumer.limit.framesPerSecond");
        final String limit = "limit: 2 threads, 1 process, " + config.largeSlots + " frames";
        r.row(new Row(large, "frames/s (" + config.largeSlots + " slots)", "frames/s",
            r.median("large-ring.consumer.framesPerSecond"), limit,
            r.median("large-ring.consumer.limit.framesPerSecond"), largeRatio, ">= 0.90x peer", largeRatio >= 0.9));
        r.row(new Row(large, "payload bandwidth", "GB/s", r.median("large-ring.consumer.bytesPerSecond") / 1e9,
            limit, r.median("large-ring.consumer.limit.bytesPerSecond") / 1e9, largeRatio, null, null));

        final String blocking = "4. BLOCKING strategy";
        for (final String p : new String[]{"p50", "p99", "p99.9"})
        {
            r.row(new Row(blocking, "wake-up latency " + p + " (1 frame / ms, consumer asleep)", "us",
                r.median("wakeup-ring.consumer.wakeup." + p) / 1000, "bare futex wait/wake",
                r.median("wakeup-futex.consumer.wakeup." + p) / 1000,
                r.pairedRatio("wakeup-ring.consumer.wakeup." + p, "wakeup-futex.consumer.wakeup." + p), null, null));
        }
        r.row(new Row(blocking, "consumer futex sleeps per frame", "", r.median("wakeup-ring.consumer.sleepsPerFrame"),
            null, Double.NaN, null, null));
        r.row(new Row(blocking, "producer wake syscalls per frame", "",
            r.median("wakeup-ring.producer.wakeSyscallsPerFrame"), null, Double.NaN, null, null));
        final double idleCpu = r.median("idle-ring.consumer.processCpuShare") * 100;
        r.row(new Row(blocking, "idle channel: consumer process CPU", "% of core", idleCpu, "idle JVM (sleeps)",
            r.median("idle-jvm.jvm.processCpuShare") * 100, "< 1%", idleCpu < 1.0));
        r.row(new Row(blocking, "idle channel: consumer waiting thread CPU", "% of core",
            r.median("idle-ring.consumer.waitingThreadCpuShare") * 100, null, Double.NaN, null, null));
        r.row(new Row(blocking, "idle channel: consumer futex sleeps", "per s",
            r.median("idle-ring.consumer.sleepsPerSecond"), null, Double.NaN, null, null));
        r.row(new Row(blocking, "idle channel: producer process CPU", "% of core",
            r.median("idle-ring.producer.processCpuShare") * 100, "idle JVM (sleeps)",
            r.median("idle-jvm.jvm.processCpuShare") * 100, null, null));
        r.row(new Row(blocking, "JNA abs() (no syscall), direct mapping", "ns/call",
            r.median("jna.absDirect.nsPerCall"), "interface mapping", r.median("jna.absInterface.nsPerCall"), null,
            null));
        r.row(new Row(blocking, "JNA getpid(), direct mapping", "ns/call", r.median("jna.getpidDirect.nsPerCall"),
            "interface mapping", r.median("jna.getpidInterface.nsPerCall"), null, null));
        r.row(new Row(blocking, "JNA futex wake (no waiter), direct mapping", "ns/call",
            r.median("jna.futexWakeDirect.nsPerCall"), "interface mapping",
            r.median("jna.futexWakeInterface.nsPerCall"), null, null));

        final String path = "diagnostics: code path per 64 B frame, both ends on one thread (JMH)";
        r.row(new Row(path, "ring: claim, fill, commit, poll, read, release", "ns/frame",
            r.median("path.ringOneFrame.nsPerCall"), "Agrona: tryClaim, fill, commit, read",
            r.median("path.agronaOneFrame.nsPerCall"), null, null));
        r.row(new Row(path, "ring: batch of 64 (tryClaim(64), commitUpTo, drain)", "ns/frame",
            r.median("path.ringBatch.nsPerCall"), "Agrona: 64 claims and commits, read(64)",
            r.median("path.agronaBatch.nsPerCall"), null, null));
        r.row(new Row(path, "System.nanoTime() (the commit's default timestamp)", "ns/call",
            r.median("path.clockNanoTime.nsPerCall"), "release store + volatile load",
            r.median("path.spinOneLong.nsPerCall"), null, null));

        final String allocation = "5. bytes allocated per frame, steady state";
        allocationRow(allocation, "64 B throughput, producer thread", "throughput-ring.producer.allocBytesPerFrame");
        allocationRow(allocation, "64 B throughput, consumer thread", "throughput-ring.consumer.allocBytesPerFrame");
        allocationRow(allocation, "latency ping (send + receive)", "latency-ring.ping.allocBytesPerFrame");
        allocationRow(allocation, "latency pong (receive + send)", "latency-ring.pong.allocBytesPerFrame");
        allocationRow(allocation, "12.4 MB frames, consumer thread", "large-ring.consumer.allocBytesPerFrame");
        allocationRow(allocation, "BLOCKING, producer thread", "wakeup-ring.producer.allocBytesPerFrame");
        allocationRow(allocation, "BLOCKING, consumer thread", "wakeup-ring.consumer.allocBytesPerFrame");
    }

    private void allocationRow(final String section, final String metric, final String key)
    {
        final double bytes = report.median(key);
        report.row(new Row(section, metric, "B/frame", bytes, null, Double.NaN, "0", Double.isNaN(bytes) ? null :
            bytes < 0.01));
    }
}
