package dev.shmstreams.dma;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.Consumer;

/**
 * The emulated MCU's data path: a peripheral producing units at its real rate, a DMA channel in
 * circular mode writing them into the current block of a {@link DmaMemory}, and the
 * transfer-complete "ISR" that pushes the block and re-targets the channel to the next free one,
 * applying the {@link OverrunPolicy} when there is none.
 *
 * <p>Time is driven from outside: {@link #advanceTo(long)} runs the hardware up to an instant, event
 * by event (half-transfer, transfer-complete) at the exact instants the rate gives, so the data,
 * the events and the counters depend only on the instants asked for, never on how the calls were
 * spaced. A real-time driver passes elapsed wall-clock time; a virtual one passes
 * {@link #nextTransferCompleteNanos()}.
 *
 * <p>Not thread-safe: one thread drives it (the "ISR" and, for {@link #poll()}, the "main loop",
 * which the MCU serialises by masking interrupts). {@link #stats()} may be called from any thread;
 * blocks may be released on any thread.
 *
 * <pre>{@code
 * DmaEmulator mcu = DmaEmulator.inProcess(DmaSettings.create().withPeripheral(Peripheral.uart(115_200)));
 * mcu.advanceTo(TimeUnit.SECONDS.toNanos(1));        // 11,520 bytes, 45 blocks of 256
 * DmaBlock next;
 * while ((next = mcu.poll()) != null) {
 *     try (DmaBlock b = next) { consume(b.buffer(), b.length()); }   // zero copy; released on close
 * }
 * }</pre>
 */
public final class DmaEmulator
{
    static final int NOW_NANOS = 0;
    static final int PERIOD = 1;
    static final int UNITS = 2;
    static final int UNITS_LOST = 3;
    static final int HALF_TRANSFERS = 4;
    static final int TRANSFER_COMPLETES = 5;
    static final int PUSHED = 6;
    static final int OVERRUNS = 7;
    static final int OVERWRITTEN = 8;
    static final int DROPPED = 9;
    static final int STALLS = 10;
    static final int DELIVERED = 11;
    static final int RELEASED = 12;
    static final int LEAKS = 13;
    static final int COUNTER_COUNT = 14;
    private static final int COUNTERS = COUNTER_COUNT;

    private final DmaSettings settings;
    private final Peripheral peripheral;
    private final DmaMemory memory;
    private final BlockPool pool;
    private final OverrunPolicy policy;
    private final DmaEventListener listener;
    private final UnitClock clock;
    private final DmaChannel channel;
    private final int unitsPerPeriod;
    private final int unitBytes;
    private final long[] counts = new long[COUNTERS];
    private final AtomicLongArray published = new AtomicLongArray(COUNTERS);
    private final long[] leakReported;
    private final Consumer<BlockLeak> collectLeak = this::collectLeak;
    private List<BlockLeak> leaksFound;
    private Consumer<BlockLeak> newLeakCallback;

    private long nowNanos;
    private long stallOffsetNanos;
    private long stallStartNanos;
    private long unitsDone;
    private long period;
    private long target;
    private long halfNanos = -1;
    private long lostPending;
    private boolean stalled;
    private boolean stopped;

    /**
     * @param settings validated on the way in.
     * @param memory   where the channel writes.
     */
    public DmaEmulator(final DmaSettings settings, final DmaMemory memory)
    {
        this.settings = settings.validate();
        this.peripheral = settings.peripheral();
        this.memory = memory;
        this.pool = memory instanceof BlockPool ? (BlockPool)memory : null;
        this.policy = settings.overrunPolicy();
        this.listener = settings.eventListener();
        this.unitBytes = peripheral.unitBytes();
        this.unitsPerPeriod = settings.unitsPerBlock();
        if (memory.blockSize() < settings.blockSize())
        {
            throw new IllegalArgumentException("memory blocks of " + memory.blockSize() + " bytes cannot hold " +
                settings.blockSize());
        }
        this.clock = new UnitClock(peripheral.unitsPerSecondNumerator(), peripheral.unitsPerSecondDenominator());
        this.channel = new DmaChannel(unitsPerPeriod);
        this.leakReported = new long[pool != null ? pool.blockCount() : 0];
        java.util.Arrays.fill(leakReported, -1);

        // configure_dma_cyclic: point the channel at the first free block and enable it
        target = memory.acquire();
        if (target == DmaMemory.NO_BLOCK)
        {
            if (policy == OverrunPolicy.BACKPRESSURE)
            {
                stalled = true;
                count(STALLS, 1);
            }
            else
            {
                count(OVERRUNS, 1);
                listener.onOverrun(-1, policy, 0);
            }
        }
        channel.target(target);
        publish();
    }

    /**
     * @param settings pool geometry and peripheral.
     * @return an emulator writing into a new in-process {@link BlockPool}.
     */
    public static DmaEmulator inProcess(final DmaSettings settings)
    {
        return new DmaEmulator(settings, new BlockPool(settings.blockCount(), settings.blockSize()));
    }

    /**
     * Run the hardware up to {@code driverNanos}: every unit due by then is transferred and every
     * event up to then raised. Earlier instants than already reached do nothing.
     *
     * @param driverNanos time since start on the driver's clock (wall or virtual). With
     *                    {@link OverrunPolicy#BACKPRESSURE} the emulated clock is the driver's minus the
     *                    time spent stalled.
     */
    public void advanceTo(final long driverNanos)
    {
        if (stopped || (stalled && !resume(driverNanos)))
        {
            return;
        }
        final long emulatedNanos = driverNanos - stallOffsetNanos;
        final long due = clock.unitsAt(emulatedNanos);
        while (unitsDone < due)
        {
            final int units = (int)Math.min(due - unitsDone, channel.unitsToNextEvent());
            final int offset = channel.transfer(units);
            if (target != DmaMemory.NO_BLOCK)
            {
                peripheral.fill(memory.target(target), offset * unitBytes, unitsDone, units);
            }
            unitsDone += units;
            counts[UNITS] += units;
            if (channel.takeHalfTransfer())
            {
                halfNanos = clock.nanosOf(unitsDone);
                counts[HALF_TRANSFERS]++;
                listener.onHalfTransfer(period, target, halfNanos);
            }
            if (channel.takeTransferComplete())
            {
                final long completeNanos = clock.nanosOf(unitsDone);
                counts[TRANSFER_COMPLETES]++;
                listener.onTransferComplete(period, target, completeNanos);
                transferComplete(completeNanos);
                period++;
                halfNanos = -1;
                if (stalled)
                {
                    // emulated time stops at this transfer-complete until a block is released
                    nowNanos = completeNanos;
                    stallStartNanos = completeNanos + stallOffsetNanos;
                    publish();
                    return;
                }
            }
        }
        nowNanos = Math.max(nowNanos, emulatedNanos);
        publish();
    }

    /** The DMA1_ChannelX_IRQHandler's TCIF branch. */
    private void transferComplete(final long completeNanos)
    {
        if (target == DmaMemory.NO_BLOCK)
        {
            // the channel was disabled (DROP): this period went nowhere; try again to get a block
            lostPending++;
            counts[DROPPED]++;
            counts[UNITS_LOST] += unitsPerPeriod;
            retarget(memory.acquire(), completeNanos);
            return;
        }
        if (policy == OverrunPolicy.OVERWRITE)
        {
            final long next = memory.acquire();
            if (next == DmaMemory.NO_BLOCK)
            {
                // circular mode keeps CMAR: the next period overwrites the one just completed
                lostPending++;
                counts[OVERRUNS]++;
                counts[OVERWRITTEN]++;
                counts[UNITS_LOST] += unitsPerPeriod;
                listener.onOverrun(period, policy, completeNanos);
                return;
            }
            pushTarget(unitsPerPeriod, completeNanos, DmaEvent.TRANSFER_COMPLETE);
            target = next;
            channel.target(next);
            return;
        }
        pushTarget(unitsPerPeriod, completeNanos, DmaEvent.TRANSFER_COMPLETE);
        final long next = memory.acquire();
        if (next == DmaMemory.NO_BLOCK && policy == OverrunPolicy.BACKPRESSURE)
        {
            stalled = true;
            counts[STALLS]++;
            target = next;
            channel.target(next);
            return;
        }
        retarget(next, completeNanos);
    }

    private void retarget(final long next, final long completeNanos)
    {
        if (next == DmaMemory.NO_BLOCK)
        {
            counts[OVERRUNS]++;
            listener.onOverrun(period, policy, completeNanos);
        }
        target = next;
        channel.target(next);
    }

    private void pushTarget(final int units, final long completeNanos, final DmaEvent event)
    {
        memory.push(target, units * unitBytes, period, period * unitsPerPeriod, lostPending, halfNanos, completeNanos,
            event);
        lostPending = 0;
        counts[PUSHED]++;
    }

    private boolean resume(final long driverNanos)
    {
        final long next = memory.acquire();
        if (next == DmaMemory.NO_BLOCK)
        {
            return false;
        }
        stalled = false;
        stallOffsetNanos += Math.max(0, driverNanos - stallStartNanos);
        target = next;
        channel.target(next);
        return true;
    }

    /**
     * Stop the channel. A block partly filled is pushed as a {@link DmaEvent#FLUSH} with the units
     * it holds (what a UART idle-line interrupt does with a partial DMA buffer); a block targeted but
     * empty is left unpushed.
     *
     * @return true if a partial block was pushed.
     */
    public boolean stop()
    {
        if (stopped)
        {
            return false;
        }
        stopped = true;
        final int partial = channel.transferredInPeriod();
        boolean flushed = false;
        if (target != DmaMemory.NO_BLOCK && partial > 0)
        {
            pushTarget(partial, clock.nanosOf(unitsDone), DmaEvent.FLUSH);
            flushed = true;
        }
        else if (partial > 0)
        {
            // the channel was disabled (drop): what it shifted in this period went nowhere
            counts[UNITS_LOST] += partial;
        }
        channel.target(DmaChannel.NO_TARGET);
        publish();
        return flushed;
    }

    /**
     * Hand the oldest pushed block to the consumer (in-process pool only).
     *
     * @return a block that must be released, or null if none is ready.
     */
    public DmaBlock poll()
    {
        final DmaBlock block = inProcessPool().poll(period, nowNanos, unitBytes);
        if (block != null)
        {
            counts[DELIVERED]++;
            published.lazySet(DELIVERED, counts[DELIVERED]);
        }
        return block;
    }

    /**
     * Look for blocks held longer than the leak threshold (in-process pool only). Allocates only
     * when it finds a leak.
     *
     * @param newLeak called once per delivery the first time it is found leaking (log it).
     * @return every leak now, new or not; an empty immutable list when there is none.
     */
    public List<BlockLeak> scanLeaks(final Consumer<BlockLeak> newLeak)
    {
        leaksFound = null;
        newLeakCallback = newLeak;
        inProcessPool().scanLeaks(period, nowNanos, settings.leakThresholdPeriods(), collectLeak);
        newLeakCallback = null;
        publish();
        return leaksFound == null ? List.of() : leaksFound;
    }

    private void collectLeak(final BlockLeak leak)
    {
        if (leaksFound == null)
        {
            leaksFound = new ArrayList<>(2);
        }
        leaksFound.add(leak);
        if (leakReported[leak.blockIndex()] != leak.sequence())
        {
            leakReported[leak.blockIndex()] = leak.sequence();
            counts[LEAKS]++;
            newLeakCallback.accept(leak);
        }
    }

    private BlockPool inProcessPool()
    {
        if (pool == null)
        {
            throw new IllegalStateException("blocks go to " + memory + ", not an in-process pool");
        }
        return pool;
    }

    private void count(final int counter, final long delta)
    {
        counts[counter] += delta;
    }

    private void publish()
    {
        counts[NOW_NANOS] = nowNanos;
        counts[PERIOD] = period;
        for (int i = 0; i < COUNTERS; i++)
        {
            published.lazySet(i, counts[i]);
        }
    }

    /** @return the counters; safe from any thread. */
    public DmaStats stats()
    {
        final long[] values = new long[COUNTERS];
        for (int i = 0; i < COUNTERS; i++)
        {
            values[i] = published.get(i);
        }
        values[RELEASED] = pool != null ? pool.released() : 0;
        return new DmaStats(values);
    }

    /**
     * @return the driver-clock instant of the next transfer-complete: where a virtual clock jumps
     * to deliver the next block.
     */
    public long nextTransferCompleteNanos()
    {
        return clock.nanosOf((period + 1) * unitsPerPeriod) + stallOffsetNanos;
    }

    /** @return driver-clock nanoseconds corresponding to an emulated instant. */
    public long driverNanos(final long emulatedNanos)
    {
        return emulatedNanos + stallOffsetNanos;
    }

    /** @return the emulated instant reached. */
    public long nowNanos()
    {
        return nowNanos;
    }

    /** @return the DMA period in progress. */
    public long period()
    {
        return period;
    }

    /** @return units the peripheral produced so far. */
    public long unitsTransferred()
    {
        return unitsDone;
    }

    /** @return true while {@link OverrunPolicy#BACKPRESSURE} holds emulated time for want of a block. */
    public boolean isStalled()
    {
        return stalled;
    }

    public boolean isStopped()
    {
        return stopped;
    }

    /** @return the in-process pool, or null when writing elsewhere. */
    public BlockPool pool()
    {
        return pool;
    }

    public DmaChannel channel()
    {
        return channel;
    }

    public DmaSettings settings()
    {
        return settings;
    }

    /** @return emulated nanoseconds at which {@code units} units have been produced. */
    public long nanosOfUnits(final long units)
    {
        return clock.nanosOf(units);
    }

    /** @return units due at an emulated instant. */
    public long unitsAt(final long emulatedNanos)
    {
        return clock.unitsAt(emulatedNanos);
    }

    @Override
    public String toString()
    {
        return "DmaEmulator{" + peripheral.describe() + ", t=" + nowNanos + " ns, period=" + period + ", " + channel +
            (stalled ? ", stalled" : "") + (stopped ? ", stopped" : "") + '}';
    }
}
