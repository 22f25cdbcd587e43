package dev.shmstreams.dma.impl;

import akka.Done;
import akka.stream.Attributes;
import akka.stream.Outlet;
import akka.stream.SourceShape;
import akka.stream.stage.AbstractOutHandler;
import akka.stream.stage.AsyncCallback;
import akka.stream.stage.GraphStageLogic;
import akka.stream.stage.GraphStageWithMaterializedValue;
import akka.stream.stage.TimerGraphStageLogicWithLogging;
import dev.shmstreams.dma.BlockLeak;
import dev.shmstreams.dma.BlockPool;
import dev.shmstreams.dma.ClockMode;
import dev.shmstreams.dma.DmaBlock;
import dev.shmstreams.dma.DmaControl;
import dev.shmstreams.dma.DmaEmulator;
import dev.shmstreams.dma.DmaSettings;
import dev.shmstreams.dma.DmaStats;
import dev.shmstreams.dma.Footprint;
import dev.shmstreams.dma.OverrunPolicy;
import scala.Tuple2;
import scala.jdk.javaapi.FutureConverters;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * INTERNAL API. The DMA emulator as a source of {@link DmaBlock}s.
 *
 * <p>All emulator state lives in the logic and runs on the stage's thread, which plays both the
 * ISR and the main loop's {@code queue_pop}. The pool is allocated in {@code preStart}, once, and
 * never freed explicitly: a block still held downstream after the stage stopped must stay readable,
 * so its memory goes with the last handle, to the garbage collector.
 *
 * <ul>
 *   <li>Real time: a timer ticks (Akka's scheduler rounds to 10 ms by default); each tick runs the
 *       emulator up to the elapsed wall-clock time, so units due are computed, not counted per tick,
 *       and the long-run rate is exact however late a tick fires. Blocks are delivered whole, as
 *       the ISR pushes them.</li>
 *   <li>Virtual: a pull with nothing ready moves the clock to the next transfer-complete. If the
 *       pool is starved (every block held), each period overruns; after
 *       {@code maxPeriodsPerPull} such periods the stage yields its thread with a 1 ms timer.</li>
 *   <li>Manual: only {@link DmaControl#advance} moves time.</li>
 * </ul>
 * Backpressure policy (tests only): while stalled the stage arms a one-shot wakeup on the pool,
 * fired by the next release on whatever thread releases (BoundedSourceQueue's single activation).
 */
public final class DmaSourceStage extends GraphStageWithMaterializedValue<SourceShape<DmaBlock>, DmaControl>
{
    private static final String TICK = "tick";
    private static final String CONTINUE = "continue";

    private final DmaSettings settings;
    private final Outlet<DmaBlock> out = Outlet.create("DmaSource.out");
    private final SourceShape<DmaBlock> shape = SourceShape.of(out);

    public DmaSourceStage(final DmaSettings settings)
    {
        this.settings = settings.validate();
    }

    @Override
    public SourceShape<DmaBlock> shape()
    {
        return shape;
    }

    @Override
    public Attributes initialAttributes()
    {
        return Attributes.name("DmaSource");
    }

    @Override
    public Tuple2<GraphStageLogic, DmaControl> createLogicAndMaterializedValue(final Attributes attributes)
    {
        final Logic logic = new Logic();
        return new Tuple2<>(logic, logic.control);
    }

    private static final class Advance
    {
        final long nanos;
        final CompletableFuture<DmaStats> done;

        Advance(final long nanos, final CompletableFuture<DmaStats> done)
        {
            this.nanos = nanos;
            this.done = done;
        }
    }

    private final class Control implements DmaControl
    {
        private final AsyncCallback<Advance> advanceCallback;
        private final AsyncCallback<Done> stopCallback;
        private final Footprint footprint = BlockPool.footprintOf(settings.blockCount(), settings.blockSize());
        private volatile DmaEmulator emulator;
        private volatile List<BlockLeak> leaks = List.of();
        private volatile boolean terminated;

        Control(final AsyncCallback<Advance> advanceCallback, final AsyncCallback<Done> stopCallback)
        {
            this.advanceCallback = advanceCallback;
            this.stopCallback = stopCallback;
        }

        @Override
        public DmaStats stats()
        {
            final DmaEmulator current = emulator;
            return current != null ? current.stats() : DmaStats.zero();
        }

        @Override
        public List<BlockLeak> leaks()
        {
            return leaks;
        }

        @Override
        public Footprint footprint()
        {
            return footprint;
        }

        @Override
        public CompletionStage<DmaStats> advance(final Duration duration)
        {
            final CompletableFuture<DmaStats> done = new CompletableFuture<>();
            if (settings.clockMode() != ClockMode.MANUAL)
            {
                done.completeExceptionally(new IllegalStateException("advance needs clock = manual, this source's " +
                    "clock is " + settings.clockMode()));
            }
            else if (duration.isNegative())
            {
                done.completeExceptionally(new IllegalArgumentException("cannot advance by " + duration));
            }
            else if (terminated)
            {
                done.completeExceptionally(new IllegalStateException("the DMA source has stopped"));
            }
            else
            {
                FutureConverters.asJava(advanceCallback.invokeWithFeedback(new Advance(duration.toNanos(), done)))
                    .whenComplete((ok, ex) ->
                {
                    if (ex != null)
                    {
                        done.completeExceptionally(ex);
                    }
                });
            }
            return done;
        }

        @Override
        public void stop()
        {
            stopCallback.invoke(Done.getInstance());
        }
    }

    private final class Logic extends TimerGraphStageLogicWithLogging
    {
        private final AsyncCallback<Done> releaseCallback = createAsyncCallback(ignored -> deliver());
        private final Runnable releaseWakeup = () -> releaseCallback.invoke(Done.getInstance());
        private final Control control = new Control(createAsyncCallback(this::onAdvance),
            createAsyncCallback(ignored -> stopEmulation()));
        private final ClockMode clockMode = settings.clockMode();
        private final long stopNanos = settings.stopAfter().isZero() ? Long.MAX_VALUE : settings.stopAfter().toNanos();
        private DmaEmulator emulator;
        private BlockPool pool;
        private long startNanos;
        private long manualNanos;
        private long lastLeakScan = Long.MIN_VALUE / 2;
        private final long leakScanInterval = Math.max(1, settings.leakThresholdPeriods() / 8);
        private final java.util.function.Consumer<BlockLeak> reportLeak = leak ->
            log().warning("DMA block leak: {} (threshold {} periods)", leak, settings.leakThresholdPeriods());

        Logic()
        {
            super(shape);
            setHandler(out, new AbstractOutHandler()
            {
                @Override
                public void onPull()
                {
                    deliver();
                }
            });
        }

        @Override
        public void preStart()
        {
            pool = new BlockPool(settings.blockCount(), settings.blockSize());
            emulator = new DmaEmulator(settings, pool);
            control.emulator = emulator;
            if (settings.overrunPolicy() == OverrunPolicy.BACKPRESSURE)
            {
                log().warning("DMA source uses the backpressure overrun policy: emulated time stops when no block " +
                    "is free, which no real peripheral does. For tests only.");
            }
            if (clockMode == ClockMode.REAL_TIME)
            {
                final double blocksPerTick = settings.tickInterval().toNanos() / (double)settings.periodNanos();
                if (blocksPerTick > settings.blockCount() / 2.0)
                {
                    log().warning("DMA source: about {} blocks complete per {} ms tick with a pool of {}: whole " +
                        "ticks are emulated at once, so the pool overruns before the stream can take them. Use " +
                        "larger blocks or more of them.", Math.round(blocksPerTick),
                        settings.tickInterval().toMillis(), settings.blockCount());
                }
                startNanos = System.nanoTime();
                scheduleWithFixedDelay(TICK, settings.tickInterval(), settings.tickInterval());
            }
        }

        @Override
        public void onTimer(final Object key)
        {
            if (TICK.equals(key))
            {
                runUntil(System.nanoTime() - startNanos);
            }
            deliver();
        }

        private void onAdvance(final Advance advance)
        {
            if (emulator.isStopped())
            {
                advance.done.completeExceptionally(new IllegalStateException("the DMA source has stopped"));
                return;
            }
            manualNanos += advance.nanos;
            runUntil(manualNanos);
            deliver();
            advance.done.complete(emulator.stats());
        }

        /** Run the emulator to a driver instant, stopping it at stopAfter (emulated). */
        private void runUntil(final long driverNanos)
        {
            final long stopDriverNanos = stopNanos == Long.MAX_VALUE ? Long.MAX_VALUE : emulator.driverNanos(stopNanos);
            emulator.advanceTo(Math.min(driverNanos, stopDriverNanos));
            if (!emulator.isStalled() && emulator.nowNanos() >= stopNanos)
            {
                emulator.stop();
            }
            scanLeaks();
            if (emulator.isStalled())
            {
                armWakeup();
            }
        }

        /** At most every scanInterval periods: a scan reads N block states. */
        private void scanLeaks()
        {
            if (emulator.period() - lastLeakScan >= leakScanInterval || emulator.isStopped())
            {
                lastLeakScan = emulator.period();
                final List<BlockLeak> leaks = emulator.scanLeaks(reportLeak);
                if (leaks != control.leaks)
                {
                    control.leaks = leaks;
                }
            }
        }

        private void stopEmulation()
        {
            emulator.stop();
            deliver();
        }

        private void deliver()
        {
            if (isAvailable(out))
            {
                DmaBlock block = emulator.poll();
                if (block == null && clockMode == ClockMode.VIRTUAL && !emulator.isStopped())
                {
                    block = runVirtual();
                }
                if (block != null)
                {
                    push(out, block);
                }
            }
            if (emulator.isStopped() && pool.readyCount() == 0)
            {
                completeStage();
            }
        }

        /** Move the virtual clock to transfer-complete after transfer-complete until a block is ready. */
        private DmaBlock runVirtual()
        {
            for (int i = 0; i < settings.maxPeriodsPerPull(); i++)
            {
                if (emulator.isStalled())
                {
                    emulator.advanceTo(emulator.driverNanos(emulator.nowNanos()));
                    if (emulator.isStalled())
                    {
                        armWakeup();
                        return null;
                    }
                }
                runUntil(emulator.nextTransferCompleteNanos());
                final DmaBlock block = emulator.poll();
                if (block != null || emulator.isStopped())
                {
                    return block;
                }
            }
            // starved: every period overruns until the consumer releases something; let others run
            scheduleOnce(CONTINUE, Duration.ofMillis(1));
            return null;
        }

        private void armWakeup()
        {
            pool.armReleaseWakeup(releaseWakeup);
            if (pool.freeCount() > 0)
            {
                // released between the stall and the arming: do not wait for a release that happened
                pool.disarmReleaseWakeup();
                releaseCallback.invoke(Done.getInstance());
            }
        }

        @Override
        public void postStop()
        {
            control.terminated = true;
            if (pool != null)
            {
                pool.disarmReleaseWakeup();
                final int held = pool.heldCount();
                if (held > 0)
                {
                    log().debug("DMA source stopped with {} block(s) still held downstream; their memory stays " +
                        "valid until released and collected", held);
                }
            }
            if (emulator != null)
            {
                emulator.stop();
            }
        }
    }
}
