package dev.shmstreams.dma.shm;

import dev.shmstreams.dma.ClockMode;
import dev.shmstreams.dma.DmaEmulator;
import dev.shmstreams.dma.DmaSettings;
import dev.shmstreams.dma.DmaStats;
import dev.shmstreams.dma.OverrunPolicy;
import dev.shmstreams.dma.Peripheral;
import dev.shmstreams.transport.ChannelSettings;
import dev.shmstreams.transport.ShmProducer;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The "MCU process": the DMA emulator writing straight into the slots of a shared-memory channel,
 * so a host process (any {@code ShmConsumer}, later the {@code ShmSource} stage) reads the blocks
 * in place, in another JVM. No Akka: this is the firmware side.
 *
 * <pre>
 * java -cp ... dev.shmstreams.dma.shm.McuProcess --name adc-1 --peripheral adc:4:1000 \
 *      --clock real-time --seconds 60 [--directory /dev/shm] [--blocks 64] [--block-size 256] \
 *      [--policy overwrite|drop|backpressure]
 * </pre>
 * Prints {@code READY <path>} once the channel exists (after a {@code WARNING} line with
 * {@code --policy backpressure}, which is for tests only) and {@code DONE <stats>} at the end; exits 0
 * when the consumer released everything (or was never there), 2 if it cancelled, 1 on error.
 *
 * <p>Later, with the lead's ShmSink, the same {@link dev.shmstreams.dma.DmaMemory} seam lets a
 * sink's loaned slots be the pool; until then this drives {@link ShmProducer} directly.
 */
public final class McuProcess
{
    private static final long CONSUMED_TIMEOUT = TimeUnit.SECONDS.toNanos(30);
    private static final long WAIT_SLICE = TimeUnit.MILLISECONDS.toNanos(100);
    /** Printed before READY when the policy is {@link OverrunPolicy#BACKPRESSURE}. */
    public static final String BACKPRESSURE_WARNING = "WARNING the backpressure overrun policy stops emulated " +
        "time while the ring is full, which no real peripheral does: no overrun can happen. For tests only.";

    private McuProcess()
    {
    }

    /** How a run ended. */
    public enum Outcome
    {
        /** Stopped after the configured emulated time and completed the channel. */
        COMPLETED,
        /** The consumer cancelled. */
        CANCELLED
    }

    /**
     * Run until {@code settings.stopAfter()} of emulated time (or the consumer cancels).
     *
     * @param settings pool, peripheral, policy and clock ({@link ClockMode#MANUAL} runs as virtual).
     * @param channel  the channel to create; its slot count and size are set from the pool.
     * @param out      READY / DONE lines, and the WARNING of the backpressure policy.
     * @return how it ended.
     */
    public static Outcome run(final DmaSettings settings, final ChannelSettings channel, final PrintStream out)
    {
        settings.validate();
        if (settings.stopAfter().isZero())
        {
            throw new IllegalArgumentException("an MCU process needs a stop-after time");
        }
        if (settings.overrunPolicy() == OverrunPolicy.BACKPRESSURE)
        {
            // as the stage logs it: the hardware cannot wait, so a run with this policy shows no overrun
            out.println(BACKPRESSURE_WARNING);
        }
        final long stopNanos = settings.stopAfter().toNanos();
        final boolean realTime = settings.clockMode() == ClockMode.REAL_TIME;
        final ChannelSettings geometry = channel.withSlotCount(settings.blockCount()).withSlotSize(settings.blockSize())
            .withMetadata("dma; " + settings.peripheral().describe() + "; block " + settings.blockSize() + " B");
        try (ShmProducer producer = ShmProducer.create(geometry))
        {
            final ShmBlockMemory memory = new ShmBlockMemory(producer, settings.blockSize(),
                settings.peripheral().unitBytes());
            final DmaEmulator mcu = new DmaEmulator(settings, memory);
            out.println("READY " + geometry.path());
            out.flush();
            final long start = System.nanoTime();
            while (!mcu.isStopped())
            {
                if (memory.lastRefusal() == ShmProducer.CONSUMER_CANCELLED || memory.lastRefusal() == ShmProducer.CLOSED)
                {
                    out.println("DONE cancelled " + mcu.stats());
                    return Outcome.CANCELLED;
                }
                if (mcu.isStalled())
                {
                    producer.awaitSpace(WAIT_SLICE);
                    mcu.advanceTo(realTime ? System.nanoTime() - start : mcu.driverNanos(mcu.nowNanos()));
                    continue;
                }
                final long stopDriver = mcu.driverNanos(stopNanos);
                long driver = Math.min(mcu.nextTransferCompleteNanos(), stopDriver);
                if (realTime)
                {
                    // sleep to the next transfer-complete, then run to whatever time it really is
                    final long early = driver - (System.nanoTime() - start);
                    if (early > 0)
                    {
                        LockSupport.parkNanos(early);
                    }
                    driver = Math.min(System.nanoTime() - start, stopDriver);
                }
                mcu.advanceTo(driver);
                if (!mcu.isStalled() && mcu.nowNanos() >= stopNanos)
                {
                    mcu.stop();
                }
            }
            producer.complete();
            final boolean consumed = !producer.isPeerAlive() || producer.awaitConsumed(CONSUMED_TIMEOUT);
            final DmaStats stats = mcu.stats();
            out.println("DONE " + (consumed ? "consumed " : "unconsumed ") + stats);
            out.flush();
            return Outcome.COMPLETED;
        }
    }

    /** @param spec {@code uart:BAUD}, {@code adc:CHANNELS:RATE} or {@code can:BITRATE}. */
    public static Peripheral parsePeripheral(final String spec)
    {
        final String[] parts = spec.toLowerCase(Locale.ROOT).split(":");
        switch (parts[0])
        {
            case "uart":
                return Peripheral.uart(Integer.parseInt(parts[1]));
            case "adc":
                return Peripheral.adc(Integer.parseInt(parts[1]), Integer.parseInt(parts[2]));
            case "can":
                return Peripheral.can(Integer.parseInt(parts[1]));
            default:
                throw new IllegalArgumentException("peripheral is uart:BAUD, adc:CHANNELS:RATE or can:BITRATE, not " +
                    spec);
        }
    }

    public static void main(final String[] args)
    {
        final Map<String, String> options = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2)
        {
            if (!args[i].startsWith("--"))
            {
                throw new IllegalArgumentException("expected --option value pairs, found " + args[i]);
            }
            options.put(args[i].substring(2), args[i + 1]);
        }
        try
        {
            final DmaSettings settings = DmaSettings.create()
                .withPeripheral(parsePeripheral(options.getOrDefault("peripheral", "uart:115200")))
                .withBlockCount(Integer.parseInt(options.getOrDefault("blocks", "64")))
                .withBlockSize(Integer.parseInt(options.getOrDefault("block-size", "256")))
                .withOverrunPolicy(OverrunPolicy.valueOf(options.getOrDefault("policy", "overwrite")
                    .toUpperCase(Locale.ROOT)))
                .withClockMode(ClockMode.valueOf(options.getOrDefault("clock", "real-time")
                    .toUpperCase(Locale.ROOT).replace('-', '_')))
                .withStopAfter(Duration.ofMillis((long)(Double.parseDouble(options.getOrDefault("seconds", "10")) *
                    1000)));
            final ChannelSettings channel = ChannelSettings.create(options.getOrDefault("name", "dma"))
                .withDirectory(Path.of(options.getOrDefault("directory", ChannelSettings.DEFAULT_DIRECTORY.toString())));
            final Outcome outcome = run(settings, channel, System.out);
            System.exit(outcome == Outcome.COMPLETED ? 0 : 2);
        }
        catch (final RuntimeException ex)
        {
            ex.printStackTrace(System.err);
            System.exit(1);
        }
    }
}
