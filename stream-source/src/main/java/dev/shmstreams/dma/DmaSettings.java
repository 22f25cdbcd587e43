package dev.shmstreams.dma;

import akka.actor.ClassicActorSystemProvider;
import com.typesafe.config.Config;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Immutable settings of one emulated DMA producer. Every {@code withX} returns a copy.
 *
 * <p>Defaults (also in reference.conf under {@code shm-streams.dma}): 64 blocks of 256 bytes, a
 * UART at 115,200 baud 8N1, {@link OverrunPolicy#OVERWRITE}, {@link ClockMode#REAL_TIME} ticking
 * every 10 ms, a block held for more than 64 DMA periods is a leak, run until cancelled.
 *
 * <p>Only {@link #create(ClassicActorSystemProvider)} and {@link #create(Config)} touch Akka / Typesafe
 * Config; the core model needs neither ({@link #create()}).
 */
public final class DmaSettings
{
    private final int blockCount;
    private final int blockSize;
    private final Peripheral peripheral;
    private final OverrunPolicy overrunPolicy;
    private final ClockMode clockMode;
    private final Duration tickInterval;
    private final long leakThresholdPeriods;
    private final Duration stopAfter;
    private final int maxPeriodsPerPull;
    private final DmaEventListener eventListener;

    private DmaSettings(
        final int blockCount,
        final int blockSize,
        final Peripheral peripheral,
        final OverrunPolicy overrunPolicy,
        final ClockMode clockMode,
        final Duration tickInterval,
        final long leakThresholdPeriods,
        final Duration stopAfter,
        final int maxPeriodsPerPull,
        final DmaEventListener eventListener)
    {
        this.blockCount = blockCount;
        this.blockSize = blockSize;
        this.peripheral = peripheral;
        this.overrunPolicy = overrunPolicy;
        this.clockMode = clockMode;
        this.tickInterval = tickInterval;
        this.leakThresholdPeriods = leakThresholdPeriods;
        this.stopAfter = stopAfter;
        this.maxPeriodsPerPull = maxPeriodsPerPull;
        this.eventListener = eventListener;
    }

    /** @return the defaults, without reading any configuration. */
    public static DmaSettings create()
    {
        return new DmaSettings(64, 256, Peripheral.uart(115_200), OverrunPolicy.OVERWRITE, ClockMode.REAL_TIME,
            Duration.ofMillis(10), 64, Duration.ZERO, 4096, DmaEventListener.NONE);
    }

    /**
     * @param system an actor system; reads its {@code shm-streams.dma} section.
     * @return settings.
     */
    public static DmaSettings create(final ClassicActorSystemProvider system)
    {
        return create(system.classicSystem().settings().config().getConfig("shm-streams.dma"));
    }

    /**
     * @param config the {@code shm-streams.dma} section (see reference.conf).
     * @return settings.
     */
    public static DmaSettings create(final Config config)
    {
        final String type = config.getString("peripheral").toLowerCase(Locale.ROOT);
        final Peripheral peripheral;
        switch (type)
        {
            case "uart":
                peripheral = UartPeripheral.create(config.getInt("uart.baud-rate"))
                    .withBitsPerCharacter(config.getInt("uart.bits-per-character"));
                break;
            case "adc":
                peripheral = AdcPeripheral.create(config.getInt("adc.channels"), config.getInt("adc.sample-rate"));
                break;
            case "can":
                peripheral = CanPeripheral.create(config.getInt("can.bit-rate"))
                    .withBitsPerFrame(config.getInt("can.bits-per-frame"));
                break;
            default:
                throw new IllegalArgumentException("shm-streams.dma.peripheral must be uart, adc or can, was " + type);
        }
        return create()
            .withBlockCount(config.getInt("block-count"))
            .withBlockSize(config.getInt("block-size"))
            .withPeripheral(peripheral)
            .withOverrunPolicy(parseEnum(OverrunPolicy.class, config.getString("overrun-policy")))
            .withClockMode(parseEnum(ClockMode.class, config.getString("clock")))
            .withTickInterval(config.getDuration("tick-interval"))
            .withLeakThresholdPeriods(config.getLong("leak-threshold-periods"))
            .withStopAfter(config.getDuration("stop-after"))
            .withMaxPeriodsPerPull(config.getInt("max-periods-per-pull"));
    }

    private static <E extends Enum<E>> E parseEnum(final Class<E> type, final String value)
    {
        return Enum.valueOf(type, value.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
    }

    /**
     * Check the combination (the pool against the peripheral's unit size and the channel's 16-bit
     * counter).
     *
     * @return this.
     * @throws IllegalArgumentException naming what does not fit.
     */
    public DmaSettings validate()
    {
        final int unit = peripheral.unitBytes();
        if (blockSize % unit != 0)
        {
            throw new IllegalArgumentException("block size " + blockSize + " is not a whole number of " + unit +
                "-byte " + peripheral.name() + " transfers");
        }
        final int units = blockSize / unit;
        if (units < 2 || units > 0xFFFF)
        {
            throw new IllegalArgumentException("a block of " + blockSize + " bytes is " + units + " " +
                peripheral.name() + " transfers; CNDTR allows 2 .. 65535");
        }
        new UnitClock(peripheral.unitsPerSecondNumerator(), peripheral.unitsPerSecondDenominator());
        return this;
    }

    public int blockCount()
    {
        return blockCount;
    }

    public int blockSize()
    {
        return blockSize;
    }

    public Peripheral peripheral()
    {
        return peripheral;
    }

    public OverrunPolicy overrunPolicy()
    {
        return overrunPolicy;
    }

    public ClockMode clockMode()
    {
        return clockMode;
    }

    public Duration tickInterval()
    {
        return tickInterval;
    }

    public long leakThresholdPeriods()
    {
        return leakThresholdPeriods;
    }

    /** @return emulated time after which the source flushes the partial block and completes; zero = never. */
    public Duration stopAfter()
    {
        return stopAfter;
    }

    public int maxPeriodsPerPull()
    {
        return maxPeriodsPerPull;
    }

    public DmaEventListener eventListener()
    {
        return eventListener;
    }

    /** @return DMA transfers per block (CNDTR's reload value). */
    public int unitsPerBlock()
    {
        return blockSize / peripheral.unitBytes();
    }

    /** @return emulated nanoseconds one DMA period (one block) takes, rounded. */
    public long periodNanos()
    {
        return (long)(unitsPerBlock() * 1e9 * peripheral.unitsPerSecondDenominator() /
            peripheral.unitsPerSecondNumerator());
    }

    /** @param blockCount N: 2 .. 65536. */
    public DmaSettings withBlockCount(final int blockCount)
    {
        if (blockCount < 2 || blockCount > 65536)
        {
            throw new IllegalArgumentException("blockCount must be 2 .. 65536, was " + blockCount);
        }
        return new DmaSettings(blockCount, blockSize, peripheral, overrunPolicy, clockMode, tickInterval,
            leakThresholdPeriods, stopAfter, maxPeriodsPerPull, eventListener);
    }

    /** @param blockSize B in bytes: a positive multiple of 8 (blocks stay 8-byte aligned). */
    public DmaSettings withBlockSize(final int blockSize)
    {
        if (blockSize < 8 || blockSize % 8 != 0)
        {
            throw new IllegalArgumentException("blockSize must be a positive multiple of 8, was " + blockSize);
        }
        return new DmaSettings(blockCount, blockSize, peripheral, overrunPolicy, clockMode, tickInterval,
            leakThresholdPeriods, stopAfter, maxPeriodsPerPull, eventListener);
    }

    public DmaSettings withPeripheral(final Peripheral peripheral)
    {
        return new DmaSettings(blockCount, blockSize, Objects.requireNonNull(peripheral, "peripheral"), overrunPolicy,
            clockMode, tickInterval, leakThresholdPeriods, stopAfter, maxPeriodsPerPull, eventListener);
    }

    public DmaSettings withOverrunPolicy(final OverrunPolicy policy)
    {
        return new DmaSettings(blockCount, blockSize, peripheral, Objects.requireNonNull(policy, "policy"), clockMode,
            tickInterval, leakThresholdPeriods, stopAfter, maxPeriodsPerPull, eventListener);
    }

    public DmaSettings withClockMode(final ClockMode clockMode)
    {
        return new DmaSettings(blockCount, blockSize, peripheral, overrunPolicy,
            Objects.requireNonNull(clockMode, "clockMode"), tickInterval, leakThresholdPeriods, stopAfter,
            maxPeriodsPerPull, eventListener);
    }

    /**
     * @param interval real-time pacing tick. Akka's scheduler rounds it up to its own tick
     *                 ({@code akka.scheduler.tick-duration}, 10 ms by default); pacing stays exact in the
     *                 long run either way, only the burst per tick grows.
     */
    public DmaSettings withTickInterval(final Duration interval)
    {
        return new DmaSettings(blockCount, blockSize, peripheral, overrunPolicy, clockMode,
            positive(interval, "tickInterval"), leakThresholdPeriods, stopAfter, maxPeriodsPerPull, eventListener);
    }

    public DmaSettings withTickInterval(final long interval, final TimeUnit unit)
    {
        return withTickInterval(Duration.ofNanos(unit.toNanos(interval)));
    }

    /** @param periods a block held for more than this many DMA periods is reported as a leak. */
    public DmaSettings withLeakThresholdPeriods(final long periods)
    {
        if (periods < 1)
        {
            throw new IllegalArgumentException("leakThresholdPeriods must be >= 1, was " + periods);
        }
        return new DmaSettings(blockCount, blockSize, peripheral, overrunPolicy, clockMode, tickInterval, periods,
            stopAfter, maxPeriodsPerPull, eventListener);
    }

    /** @param stopAfter emulated time to run, then flush and complete; zero runs until cancelled. */
    public DmaSettings withStopAfter(final Duration stopAfter)
    {
        if (stopAfter == null || stopAfter.isNegative())
        {
            throw new IllegalArgumentException("stopAfter must be zero or positive, was " + stopAfter);
        }
        return new DmaSettings(blockCount, blockSize, peripheral, overrunPolicy, clockMode, tickInterval,
            leakThresholdPeriods, stopAfter, maxPeriodsPerPull, eventListener);
    }

    /**
     * @param periods virtual clock: the most DMA periods one pull may emulate before the stage yields
     *                its thread (only reached while the pool is starved and every period overruns).
     */
    public DmaSettings withMaxPeriodsPerPull(final int periods)
    {
        if (periods < 1)
        {
            throw new IllegalArgumentException("maxPeriodsPerPull must be >= 1, was " + periods);
        }
        return new DmaSettings(blockCount, blockSize, peripheral, overrunPolicy, clockMode, tickInterval,
            leakThresholdPeriods, stopAfter, periods, eventListener);
    }

    /** @param listener interrupt-level events (half-transfer, transfer-complete, overrun), on the emulator's thread. */
    public DmaSettings withEventListener(final DmaEventListener listener)
    {
        return new DmaSettings(blockCount, blockSize, peripheral, overrunPolicy, clockMode, tickInterval,
            leakThresholdPeriods, stopAfter, maxPeriodsPerPull, Objects.requireNonNull(listener, "listener"));
    }

    private static Duration positive(final Duration duration, final String what)
    {
        if (duration == null || duration.isNegative() || duration.isZero())
        {
            throw new IllegalArgumentException(what + " must be positive, was " + duration);
        }
        return duration;
    }

    @Override
    public String toString()
    {
        return "DmaSettings{" + blockCount + " x " + blockSize + " B, " + peripheral.describe() + ", overrun=" +
            overrunPolicy + ", clock=" + clockMode + ", tick=" + tickInterval + ", leakThreshold=" +
            leakThresholdPeriods + " periods, stopAfter=" + stopAfter + ", maxPeriodsPerPull=" + maxPeriodsPerPull + '}';
    }
}
