package dev.shmstreams.benchmarks.dma;

import akka.actor.ActorSystem;
import akka.japi.Pair;
import akka.stream.javadsl.Keep;
import akka.stream.javadsl.Sink;
import com.typesafe.config.ConfigFactory;
import dev.shmstreams.dma.ClockMode;
import dev.shmstreams.dma.DmaBlock;
import dev.shmstreams.dma.DmaControl;
import dev.shmstreams.dma.DmaEmulator;
import dev.shmstreams.dma.DmaSettings;
import dev.shmstreams.dma.DmaStats;
import dev.shmstreams.dma.Peripheral;
import dev.shmstreams.dma.javadsl.DmaSource;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * The DMA emulator's numbers for docs/dma-emulation.md: a benchmark run, never a test.
 *
 * <pre>
 * ceiling [seconds]   virtual-time ceiling, blocks/s and MB/s, core alone and through the Akka stage,
 *                     plus bytes allocated per block on the core path
 * drift   [seconds] [adc blocks]
 *                     real-time pacing through the Akka stage, UART 115,200 baud (64 x 256 B) and
 *                     ADC 2 MS/s (N x 4096 B, 64 by default) side by side for that long (60 s by
 *                     default): lag of each block behind its emulated transfer-complete instant,
 *                     and the drift, the slope of that lag over emulated time
 * </pre>
 */
public final class DmaBenchmark
{
    private static final com.sun.management.ThreadMXBean THREADS =
        (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();

    private DmaBenchmark()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final String mode = args.length > 0 ? args[0] : "ceiling";
        final double seconds = args.length > 1 ? Double.parseDouble(args[1]) : mode.equals("drift") ? 60 : 3;
        adcBlocks = args.length > 2 ? Integer.parseInt(args[2]) : 64;
        System.out.println("java " + System.getProperty("java.version") + ", " +
            Runtime.getRuntime().availableProcessors() + " cpus, " + System.getProperty("os.arch"));
        if (mode.equals("ceiling"))
        {
            ceiling(seconds);
        }
        else if (mode.equals("drift"))
        {
            drift(seconds);
        }
        else
        {
            throw new IllegalArgumentException("mode is ceiling or drift, not " + mode);
        }
    }

    private static List<Pair<String, DmaSettings>> cases()
    {
        final DmaSettings base = DmaSettings.create().withClockMode(ClockMode.VIRTUAL);
        final List<Pair<String, DmaSettings>> cases = new ArrayList<>();
        cases.add(Pair.create("UART 115200, 64 x 256 B", base.withPeripheral(Peripheral.uart(115_200))));
        cases.add(Pair.create("ADC 4 ch x 1 kHz, 64 x 256 B", base.withPeripheral(Peripheral.adc(4, 1_000))));
        cases.add(Pair.create("CAN 500 kbit/s, 64 x 256 B", base.withPeripheral(Peripheral.can(500_000))));
        cases.add(Pair.create("ADC 1 ch x 2 MS/s, 64 x 4096 B",
            base.withPeripheral(Peripheral.adc(1, 2_000_000)).withBlockSize(4096)));
        cases.add(Pair.create("UART 115200, 64 x 4096 B", base.withPeripheral(Peripheral.uart(115_200))
            .withBlockSize(4096)));
        return cases;
    }

    private static long sink;
    private static int adcBlocks;

    private static void ceiling(final double seconds) throws Exception
    {
        System.out.println();
        System.out.println("Virtual-time ceiling, core (emulator + poll + release, one thread), " + seconds + " s each:");
        System.out.printf("%-34s %14s %10s %16s %12s%n", "case", "blocks/s", "MB/s", "emulated s/s", "B alloc/blk");
        for (final Pair<String, DmaSettings> c : cases())
        {
            core(c.first(), c.second(), 1.0, false); // warm-up
            core(c.first(), c.second(), seconds, true);
        }
        final ActorSystem system = ActorSystem.create("dma-bench", ConfigFactory.parseString("akka.loglevel = WARNING"));
        try
        {
            System.out.println();
            System.out.println("Virtual-time ceiling through the Akka stage (DmaSource -> map(release) -> Sink.fold), " +
                seconds + " s each:");
            System.out.printf("%-34s %14s %10s %16s%n", "case", "blocks/s", "MB/s", "emulated s/s");
            for (final Pair<String, DmaSettings> c : cases())
            {
                stage(system, c.first(), c.second(), 1.0, false); // warm-up
                stage(system, c.first(), c.second(), seconds, true);
            }
        }
        finally
        {
            system.terminate();
            system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }

    private static void core(final String name, final DmaSettings settings, final double seconds,
        final boolean report)
    {
        final DmaEmulator mcu = DmaEmulator.inProcess(settings);
        final long blockBytes = settings.blockSize();
        final long deadline = System.nanoTime() + (long)(seconds * 1e9);
        final long start = System.nanoTime();
        final long allocatedBefore = THREADS.getCurrentThreadAllocatedBytes();
        long blocks = 0;
        while ((blocks & 1023) != 0 || System.nanoTime() < deadline)
        {
            mcu.advanceTo(mcu.nextTransferCompleteNanos());
            final DmaBlock block = mcu.poll();
            sink += block.buffer().getByte(block.length() - 1);
            block.release();
            blocks++;
        }
        final long allocated = THREADS.getCurrentThreadAllocatedBytes() - allocatedBefore;
        final double elapsed = (System.nanoTime() - start) / 1e9;
        if (report)
        {
            print(name, blocks / elapsed, blocks * blockBytes / elapsed / 1e6, mcu.nowNanos() / 1e9 / elapsed,
                (double)allocated / blocks);
        }
        if (mcu.stats().overruns() != 0)
        {
            throw new IllegalStateException("overruns in the ceiling run: " + mcu.stats());
        }
    }

    private static void print(final String name, final double blocksPerSecond, final double megabytesPerSecond,
        final double emulatedPerSecond, final double allocatedPerBlock)
    {
        System.out.printf("%-34s %,14.0f %,10.1f %,16.1f %12.1f%n", name, blocksPerSecond, megabytesPerSecond,
            emulatedPerSecond, allocatedPerBlock);
    }

    private static void stage(final ActorSystem system, final String name, final DmaSettings settings,
        final double seconds, final boolean report) throws Exception
    {
        final long start = System.nanoTime();
        final Pair<DmaControl, CompletionStage<Long>> run = DmaSource.create(settings)
            .map(block ->
            {
                try (block)
                {
                    return (long)block.buffer().getByte(block.length() - 1);
                }
            })
            .takeWithin(Duration.ofMillis((long)(seconds * 1000)))
            .toMat(Sink.fold(0L, (count, ignored) -> count + 1), Keep.both())
            .run(system);
        final long blocks = run.second().toCompletableFuture().get(120, TimeUnit.SECONDS);
        final double elapsed = (System.nanoTime() - start) / 1e9;
        final DmaStats stats = run.first().stats();
        if (report)
        {
            System.out.printf("%-34s %,14.0f %,10.1f %,16.1f%n", name, blocks / elapsed,
                blocks * settings.blockSize() / elapsed / 1e6, stats.nowNanos() / 1e9 / elapsed);
        }
        if (stats.overruns() != 0)
        {
            throw new IllegalStateException("overruns in the ceiling run: " + stats);
        }
    }

    /**
     * Lag of each block behind its emulated transfer-complete instant, measured on arrival
     * downstream. The lag has a constant part (the stage starts its clock in preStart, after this
     * side's start; materialization) and a jitter (ticks, scheduling); the drift is how the lag
     * moves over time: the least-squares slope of lag against emulated time, in percent.
     */
    private static final class Pacing
    {
        final String name;
        final double nominalBytesPerSecond;
        final long[] lags = new long[1 << 20];
        final long[] instants = new long[1 << 20];
        int blocks;
        long bytes;
        long lastArrival;
        long lastComplete;
        volatile long start;

        Pacing(final String name, final DmaSettings settings)
        {
            this.name = name;
            this.nominalBytesPerSecond = (double)settings.peripheral().unitBytes() *
                settings.peripheral().unitsPerSecondNumerator() / settings.peripheral().unitsPerSecondDenominator();
        }

        void onBlock(final DmaBlock block)
        {
            final long arrival = System.nanoTime() - start;
            if (blocks < lags.length)
            {
                lags[blocks] = arrival - block.completeNanos();
                instants[blocks] = block.completeNanos();
            }
            blocks++;
            bytes += block.length();
            lastArrival = arrival;
            lastComplete = block.completeNanos();
        }

        void report(final DmaStats stats)
        {
            final int n = Math.min(blocks, lags.length);
            double meanX = 0;
            double meanY = 0;
            for (int i = 0; i < n; i++)
            {
                meanX += instants[i];
                meanY += lags[i];
            }
            meanX /= n;
            meanY /= n;
            double sxy = 0;
            double sxx = 0;
            for (int i = 0; i < n; i++)
            {
                sxy += (instants[i] - meanX) * (lags[i] - meanY);
                sxx += (instants[i] - meanX) * (instants[i] - meanX);
            }
            final double slope = sxy / sxx;
            final long[] sorted = java.util.Arrays.copyOf(lags, n);
            java.util.Arrays.sort(sorted);
            final double emulated = lastComplete / 1e9;
            final double producedRate = stats.unitsTransferred() * (bytes / (double)Math.max(1, stats.unitsTransferred() -
                stats.unitsLost())) / emulated;
            System.out.printf("%-34s blocks %,d  bytes %,d  emulated %.3f s  wall at last block %.3f s%n", name, blocks,
                bytes, emulated, lastArrival / 1e9);
            System.out.printf("%-34s produced %.1f B/s (nominal %.1f), delivered %.1f B/s, overruns %d, released %d%n",
                "", producedRate, nominalBytesPerSecond, bytes / emulated, stats.overruns(), stats.blocksReleased());
            System.out.printf("%-34s lag ms: p50 %.2f  p99 %.2f  max %.2f  (first %.2f, last %.2f)%n", "",
                sorted[n / 2] / 1e6, sorted[(int)(n * 0.99)] / 1e6, sorted[n - 1] / 1e6, lags[0] / 1e6,
                lags[n - 1] / 1e6);
            System.out.printf("%-34s drift (slope of lag over emulated time) = %.5f %%  -> %.2f ms over %.0f s  (%s)%n",
                "", slope * 100, slope * emulated * 1e3, emulated, Math.abs(slope) < 0.001 ? "under 0.1 %" :
                "OVER 0.1 %");
        }
    }

    private static String loadAverage()
    {
        try
        {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim();
        }
        catch (final java.io.IOException ex)
        {
            return "unknown";
        }
    }

    private static void drift(final double seconds) throws Exception
    {
        final ActorSystem system = ActorSystem.create("dma-drift", ConfigFactory.parseString("akka.loglevel = WARNING"));
        try
        {
            final Duration duration = Duration.ofMillis((long)(seconds * 1000));
            final DmaSettings uart = DmaSettings.create().withPeripheral(Peripheral.uart(115_200))
                .withStopAfter(duration);
            final DmaSettings adc = DmaSettings.create().withPeripheral(Peripheral.adc(1, 2_000_000))
                .withBlockSize(4096).withBlockCount(adcBlocks).withStopAfter(duration);
            System.out.println();
            System.out.println("load average at start: " + loadAverage());
            System.out.println("Real-time pacing through the Akka stage, both at once, " + seconds + " s " +
                "(akka.scheduler.tick-duration " + system.settings().config().getDuration("akka.scheduler.tick-duration")
                .toMillis() + " ms, tick-interval " + uart.tickInterval().toMillis() + " ms):");
            final Pacing uartPacing = new Pacing("UART 115200 8N1, 64 x 256 B", uart);
            final Pacing adcPacing = new Pacing("ADC 1 ch x 2 MS/s, " + adcBlocks + " x 4096 B", adc);
            final Pair<DmaControl, CompletionStage<akka.Done>> uartRun = paced(system, uart, uartPacing);
            final Pair<DmaControl, CompletionStage<akka.Done>> adcRun = paced(system, adc, adcPacing);
            uartRun.second().toCompletableFuture().get((long)seconds + 60, TimeUnit.SECONDS);
            adcRun.second().toCompletableFuture().get((long)seconds + 60, TimeUnit.SECONDS);
            System.out.println("load average at end: " + loadAverage());
            uartPacing.report(uartRun.first().stats());
            adcPacing.report(adcRun.first().stats());
        }
        finally
        {
            system.terminate();
            system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }

    private static Pair<DmaControl, CompletionStage<akka.Done>> paced(final ActorSystem system,
        final DmaSettings settings, final Pacing pacing)
    {
        pacing.start = System.nanoTime();
        // the stage's clock starts in preStart, a little later: that offset is in every lag, not in the drift
        return DmaSource.create(settings)
            .toMat(Sink.foreach(block ->
            {
                try (block)
                {
                    pacing.onBlock(block);
                }
            }), Keep.both())
            .run(system);
    }
}
