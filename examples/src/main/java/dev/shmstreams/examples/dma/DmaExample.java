package dev.shmstreams.examples.dma;

import akka.Done;
import akka.actor.typed.ActorSystem;
import akka.japi.Pair;
import akka.stream.javadsl.Keep;
import akka.stream.javadsl.Sink;
import dev.shmstreams.dma.AdcPeripheral;
import dev.shmstreams.dma.ClockMode;
import dev.shmstreams.dma.DmaBlock;
import dev.shmstreams.dma.DmaControl;
import dev.shmstreams.dma.DmaSettings;
import dev.shmstreams.dma.DmaStats;
import dev.shmstreams.dma.OverrunPolicy;
import dev.shmstreams.dma.Peripheral;
import dev.shmstreams.dma.javadsl.DmaSource;
import dev.shmstreams.dma.shm.DmaSlotMetadata;
import dev.shmstreams.examples.ChildProcesses;
import dev.shmstreams.examples.ExampleSystem;
import dev.shmstreams.examples.Flags;
import dev.shmstreams.stream.ShmSourceSettings;
import dev.shmstreams.stream.javadsl.ShmSource;

import java.io.PrintStream;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * The STM32 DMA emulator (docs/dma-emulation.md) feeding Akka graphs:
 * <ol>
 *   <li>an ADC (4 channels x 1 kHz, a sine per channel) into a graph that checks every sample and
 *       computes each channel's RMS per emulated second;</li>
 *   <li>a UART at 115,200 baud into a consumer made slow (each block is held while it is "worked
 *       on"): the pool runs dry and the DMA overruns, with {@code overwrite} then {@code drop};
 *       every byte is accounted for as received or lost, and the gaps are where the marks say;</li>
 *   <li>the pool's RAM table;</li>
 *   <li>an "MCU process" (another JVM) whose DMA writes straight into a shared-memory channel, read
 *       here by a ShmSource graph that checks every sample: zero copy ({@code McuProcess});</li>
 *   <li>the same across processes the Akka way: a {@code DmaSource -> ShmSink} graph in the MCU process,
 *       one copy per block into its slot ({@code DmaShm.copyBlockIntoSlot}), read by the same graph.</li>
 * </ol>
 * Real time is real: if this machine stalls the graph of part 1 for longer than the pool holds (64
 * blocks, 2 s of ADC data), the DMA overruns as the hardware would; every sample is then either
 * received, checked, or counted lost by the overrun policy, and the sum must be exact.
 */
public final class DmaExample
{
    public static final String HELP =
        "  --seconds S                  emulated seconds per part (default 3)\n" +
        "  --clock real-time|virtual    real time, or as fast as the graph pulls (default real-time)\n" +
        "  --slow-ms N                  how long the slow consumer holds each UART block (default 40)\n" +
        "  --dir DIR                    segment directory for the MCU process's channel (default /dev/shm)\n";

    private static final Duration WAIT = Duration.ofSeconds(120);

    private DmaExample()
    {
    }

    /**
     * @param args see {@link #HELP}.
     * @param out  what happens.
     * @return 0 when every sample and byte was accounted for.
     */
    public static int run(final String[] args, final PrintStream out) throws Exception
    {
        final Map<String, String> defaults = new LinkedHashMap<>();
        defaults.put("seconds", "3");
        defaults.put("clock", "real-time");
        defaults.put("slow-ms", "40");
        defaults.put("dir", "/dev/shm");
        final Flags flags = Flags.parse(args, defaults);
        final double seconds = flags.decimal("seconds", 0.5, 3600);
        final ClockMode clock = flags.choice("clock", ClockMode.class);
        if (clock == ClockMode.MANUAL)
        {
            throw new Flags.BadFlagException("--clock must be real-time or virtual, was 'manual'");
        }
        final long slowMillis = flags.integer("slow-ms", 1, 10_000);
        final Path dir = Path.of(flags.string("dir"));
        final Duration emulated = Duration.ofMillis((long)(seconds * 1000));

        final ActorSystem<Void> system = ExampleSystem.create("dma-example", dir);
        try
        {
            boolean ok = adc(system, clock, emulated, out);
            for (final OverrunPolicy policy : new OverrunPolicy[] { OverrunPolicy.OVERWRITE, OverrunPolicy.DROP })
            {
                ok &= slowUart(system, clock, emulated, slowMillis, policy, out);
            }
            ok &= acrossProcesses(system, dir, emulated, false, out);
            ok &= acrossProcesses(system, dir, emulated, true, out);
            out.println();
            out.println(ok ? "result: every sample and every byte accounted for" : "result: FAILED (see above)");
            return ok ? 0 : 1;
        }
        finally
        {
            ExampleSystem.terminate(system);
        }
    }

    /** Part 1: ADC into a graph computing RMS per channel and emulated second. */
    private static boolean adc(final ActorSystem<Void> system, final ClockMode clock, final Duration emulated,
        final PrintStream out) throws Exception
    {
        final int channels = 4;
        final AdcPeripheral adc = Peripheral.adc(channels, 1_000).withSignal((channel, scan) ->
            (int)Math.round(2048 + (800 + 200 * channel) * Math.sin(2 * Math.PI * (5 + channel) * scan / 1000.0)));
        final DmaSettings settings = DmaSettings.create(system).withPeripheral(adc).withClockMode(clock)
            .withStopAfter(emulated);
        out.println("1. " + adc.describe() + " -> DMA, " + settings.blockCount() + " blocks of " +
            settings.blockSize() + " B, " + clock.name().toLowerCase().replace('_', '-') + " clock, " +
            emulated.toMillis() / 1000.0 + " s: RMS per channel and emulated second");

        // #dma-graph
        final Pair<DmaControl, CompletionStage<AdcSecond>> running = DmaSource.create(settings)
            .map(next ->
            {
                try (DmaBlock block = next)                       // a view of the pool block: release it
                {
                    return AdcBlock.read(block, adc);             // sums of squares per channel, checked samples
                }
            })
            .toMat(Sink.fold(new AdcSecond(channels, out), AdcSecond::add), Keep.both())
            .run(system);
        // #dma-graph
        final AdcSecond total = running.second().toCompletableFuture().get(WAIT.toSeconds() + emulated.toSeconds(),
            TimeUnit.SECONDS).flush();
        final DmaStats stats = running.first().stats();
        final long expected = emulated.toMillis() * channels;
        final long lost = stats.unitsLost();
        out.printf("   %d samples received + %d lost to %d overruns = %d (expected %d), %d wrong%n", total.samples, lost,
            stats.overruns(), total.samples + lost, expected, total.wrong);
        return total.samples + lost == expected && stats.unitsTransferred() == expected && total.wrong == 0;
    }

    /** Part 2: a UART into a consumer that holds each block too long. */
    private static boolean slowUart(final ActorSystem<Void> system, final ClockMode clock, final Duration emulated,
        final long slowMillis, final OverrunPolicy policy, final PrintStream out) throws Exception
    {
        final DmaSettings uart = DmaSettings.create(system).withPeripheral(Peripheral.uart(115_200))
            .withBlockCount(8).withOverrunPolicy(policy).withClockMode(clock);
        // stop on a transfer-complete: with `drop`, a partial period the disabled channel discards at
        // stop is counted neither as delivered nor as lost (DmaEmulator.stop), which would spoil the sum
        final long periods = Math.max(1, Math.round(emulated.toNanos() / (double)uart.periodNanos()));
        final Peripheral wire = uart.peripheral();
        final long units = periods * uart.unitsPerBlock();
        final DmaSettings settings = uart.withStopAfter(Duration.ofNanos(
            (units * 1_000_000_000L * wire.unitsPerSecondDenominator() + wire.unitsPerSecondNumerator() - 1) /
                wire.unitsPerSecondNumerator()));
        out.println();
        out.printf("2. %s -> DMA, %d blocks of %d B (%.0f ms of data), a consumer holding each block %d ms, " +
            "overrun policy %s%n", settings.peripheral().describe(), settings.blockCount(), settings.blockSize(),
            settings.blockCount() * settings.periodNanos() / 1e6, slowMillis, policy.name().toLowerCase());
        final UartCheck check = new UartCheck();
        // #dma-slow
        final Pair<DmaControl, CompletionStage<Done>> running = DmaSource.create(settings)
            .mapAsync(1, block ->                                 // holds the block while it "works"
                CompletableFuture.supplyAsync(() ->
                {
                    try (block)
                    {
                        return check.add(block);
                    }
                }, CompletableFuture.delayedExecutor(slowMillis, TimeUnit.MILLISECONDS)))
            .toMat(Sink.ignore(), Keep.both())
            .run(system);
        // #dma-slow
        running.second().toCompletableFuture().get(WAIT.toSeconds() + emulated.toSeconds() * 20, TimeUnit.SECONDS);
        final DmaControl control = running.first();
        final DmaStats stats = control.stats();
        final long lostPeriods = policy == OverrunPolicy.OVERWRITE ? stats.periodsOverwritten() : stats.periodsDropped();
        // a loss is marked on the next block delivered, so periods lost after the last one carry no mark
        final boolean accounted = check.bytes + stats.unitsLost() == stats.unitsTransferred() &&
            check.wrong == 0 && check.markedLost <= lostPeriods;
        out.printf("   %d blocks received (%d bytes, %d wrong), %d overruns, %d periods %s (%d bytes lost); " +
            "%d blocks marked after a loss, the marks adding up to %d periods%n", check.blocks, check.bytes,
            check.wrong, stats.overruns(), lostPeriods, policy == OverrunPolicy.OVERWRITE ? "overwritten" : "dropped",
            stats.unitsLost(), check.marked, check.markedLost);
        out.printf("   received + lost = %d bytes = the %d the UART shifted in: %s%n", check.bytes + stats.unitsLost(),
            stats.unitsTransferred(), accounted ? "every byte accounted for" : "MISMATCH");
        if (policy == OverrunPolicy.DROP)
        {
            out.println();
            out.println("3. the pool's RAM table (" + settings.blockCount() + " x " + settings.blockSize() + " B):");
            for (final String line : control.footprint().toString().split("\n"))
            {
                out.println("   " + line);
            }
            out.println("   with the defaults (64 x 256 B):");
            for (final String line : dev.shmstreams.dma.BlockPool.footprintOf(64, 256).toString().split("\n"))
            {
                out.println("   " + line);
            }
        }
        return accounted;
    }

    /**
     * Part 4: an MCU process writes its DMA blocks straight into a shared-memory channel; part 5: an
     * Akka MCU process copies them in through a ShmSink. A ShmSource reads either the same way.
     */
    private static boolean acrossProcesses(final ActorSystem<Void> system, final Path dir, final Duration emulated,
        final boolean akka, final PrintStream out) throws Exception
    {
        final String channel = "shm-streams-mcu-" + (akka ? "akka-" : "") + ProcessHandle.current().pid();
        final String seconds = String.valueOf(emulated.toMillis() / 1000.0);
        out.println();
        out.println(akka ?
            "5. an Akka MCU process (another JVM): DmaSource (ADC 4 ch x 1 kHz, virtual clock) -> ShmSink, one copy " +
                "per block into the slots of " + dir.resolve(channel) + " (DmaShm.copyBlockIntoSlot); this process " +
                "reads them with the same ShmSource graph" :
            "4. an MCU process (another JVM): ADC 4 ch x 1 kHz, virtual clock, DMA straight into the slots of " +
                dir.resolve(channel) + " (zero copy: McuProcess); this process reads them with a ShmSource");
        final long[] samples = { 0, 0 };   // received, wrong
        try (ChildProcesses children = new ChildProcesses())
        {
            final Process mcu = akka ?
                children.start(AkkaMcuProcess.class, new String[] { "--name", channel, "--directory", dir.toString(),
                    "--seconds", seconds }, line -> out.println("   mcu: " + line)) :
                children.start(dev.shmstreams.dma.shm.McuProcess.class, new String[] { "--name", channel,
                    "--directory", dir.toString(), "--peripheral", "adc:4:1000", "--clock", "virtual",
                    "--policy", "backpressure", "--seconds", seconds }, line -> out.println("   mcu: " + line));
            final AdcPeripheral adc = Peripheral.adc(4, 1_000);
            ShmSource.create(ShmSourceSettings.create(system, channel).withAttachTimeout(Duration.ofSeconds(60)))
                .map(frame ->
                {
                    try (frame)
                    {
                        // the slot as DmaSlotMetadata describes it, whichever route wrote it
                        final long first = frame.metadata().getLong(DmaSlotMetadata.FIRST_UNIT_OFFSET,
                            ByteOrder.LITTLE_ENDIAN);
                        if (frame.frameId() != frame.metadata().getLong(DmaSlotMetadata.PERIOD_OFFSET,
                            ByteOrder.LITTLE_ENDIAN) || first != samples[0])
                        {
                            samples[1]++;                         // not the period / first sample it should be
                        }
                        for (int i = 0; i < frame.length() / 2; i++)
                        {
                            if (frame.buffer().getShort(2 * i, ByteOrder.LITTLE_ENDIAN) != adc.sampleAt(first + i))
                            {
                                samples[1]++;
                            }
                        }
                        samples[0] += frame.length() / 2;
                        return frame.length();
                    }
                })
                .runWith(Sink.ignore(), system)
                .toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
            final boolean exited = mcu.waitFor(30, TimeUnit.SECONDS) && mcu.exitValue() == 0;
            final long expected = emulated.toMillis() * 4;
            out.printf("   %d samples received across the process boundary (expected %d), %d wrong; %s %s%n",
                samples[0], expected, samples[1], akka ? "Akka MCU process" : "MCU process",
                exited ? "completed" : "FAILED");
            return exited && samples[0] == expected && samples[1] == 0;
        }
    }
}
