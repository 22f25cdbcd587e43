package dev.shmstreams.dma;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.japi.Pair;
import akka.stream.javadsl.Keep;
import akka.stream.javadsl.Sink;
import akka.stream.testkit.TestSubscriber;
import akka.stream.testkit.javadsl.TestSink;
import com.typesafe.config.ConfigFactory;
import dev.shmstreams.dma.javadsl.DmaSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The Akka stage: virtual-time rates and contents through a real stream, a slow consumer on a
 * manual clock, leaks, the backpressure wake-up, real-time pacing (counts only, never speed), and
 * settings from configuration.
 */
class DmaSourceTest
{
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final scala.concurrent.duration.FiniteDuration WAIT =
        scala.concurrent.duration.FiniteDuration.create(60, TimeUnit.SECONDS);
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    private static ActorTestKit testKit;

    @BeforeAll
    static void start()
    {
        testKit = ActorTestKit.create(ConfigFactory.parseString("akka.loglevel = WARNING"));
    }

    @AfterAll
    static void stop()
    {
        testKit.shutdownTestKit();
    }

    private static akka.actor.ActorSystem classic()
    {
        return testKit.system().classicSystem();
    }

    private static DmaSettings uart()
    {
        return DmaSettings.create().withPeripheral(Peripheral.uart(115_200)).withClockMode(ClockMode.VIRTUAL);
    }

    private static <T> T await(final java.util.concurrent.CompletionStage<T> stage) throws Exception
    {
        return stage.toCompletableFuture().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    }

    private static void assertUartCounter(final DmaBlock block)
    {
        for (int i = 0; i < block.length(); i++)
        {
            assertEquals((byte)(block.firstUnit() + i), block.buffer().getByte(i), "byte " + i + " of " + block);
        }
    }

    @Test
    void virtualUartDeliversExactly11520BytesPerEmulatedSecondInOrder() throws Exception
    {
        final List<Long> periods = Collections.synchronizedList(new ArrayList<>());
        final long bytes = await(DmaSource.create(uart().withStopAfter(Duration.ofSeconds(3)))
            .map(next ->
            {
                try (DmaBlock block = next)
                {
                    assertEquals(periods.size(), block.sequence());
                    assertEquals(block.sequence(), block.period(), "nothing lost: period = sequence");
                    assertEquals(block.period() * 256, block.firstUnit());
                    assertEquals(DmaEvent.TRANSFER_COMPLETE, block.event());
                    assertUartCounter(block);
                    periods.add(block.period());
                    return (long)block.length();
                }
            })
            .runWith(Sink.fold(0L, Long::sum), classic()));
        assertEquals(3 * 11_520, bytes, "3 emulated seconds, to the byte");
        assertEquals(135, periods.size());
    }

    @Test
    void virtualAdcDelivers4000SamplesPerSecondWithTheExpectedValues() throws Exception
    {
        final DmaSettings settings = DmaSettings.create().withPeripheral(Peripheral.adc(4, 1_000))
            .withClockMode(ClockMode.VIRTUAL).withStopAfter(Duration.ofSeconds(2));
        final List<DmaEvent> events = Collections.synchronizedList(new ArrayList<>());
        final long samples = await(DmaSource.create(settings)
            .map(next ->
            {
                try (DmaBlock block = next)
                {
                    for (int i = 0; i < block.units(); i++)
                    {
                        final long k = block.firstUnit() + i;
                        assertEquals((k / 4 + 1024 * (k % 4)) & 0xFFF,
                            block.buffer().getShort(2 * i, ByteOrder.LITTLE_ENDIAN), "sample " + k);
                    }
                    events.add(block.event());
                    return (long)block.units();
                }
            })
            .runWith(Sink.fold(0L, Long::sum), classic()));
        assertEquals(8_000, samples);
        assertEquals(63, events.size(), "62 blocks of 128 samples, then the last 64 flushed");
        assertEquals(DmaEvent.FLUSH, events.get(62));
    }

    @Test
    void halfAndCompleteEventsAlternateOnTheStagesThread() throws Exception
    {
        final List<String> events = Collections.synchronizedList(new ArrayList<>());
        final DmaSettings settings = uart().withBlockCount(4).withStopAfter(Duration.ofSeconds(1))
            .withEventListener(new DmaEventListener()
            {
                @Override
                public void onHalfTransfer(final long period, final long block, final long nanos)
                {
                    events.add("HT" + period);
                }

                @Override
                public void onTransferComplete(final long period, final long block, final long nanos)
                {
                    events.add("TC" + period);
                }
            });
        final List<Long> halfBeforeComplete = await(DmaSource.create(settings)
            .map(next ->
            {
                try (DmaBlock block = next)
                {
                    return block.completeNanos() - block.halfTransferNanos();
                }
            })
            .runWith(Sink.seq(), classic()));
        assertEquals(45, halfBeforeComplete.size());
        halfBeforeComplete.forEach(d -> assertTrue(d >= 11_111_111 && d <= 11_111_112, "128 bytes apart: " + d));
        final List<String> expected = new ArrayList<>();
        for (int p = 0; p < 45; p++)
        {
            expected.add("HT" + p);
            expected.add("TC" + p);
        }
        assertEquals(expected, events);
    }

    @ParameterizedTest
    @EnumSource(value = OverrunPolicy.class, names = { "OVERWRITE", "DROP" })
    void aSlowConsumerOnAManualClockOverrunsExactlyAndThePolicyShowsInTheData(final OverrunPolicy policy)
        throws Exception
    {
        final DmaSettings settings = uart().withClockMode(ClockMode.MANUAL).withBlockCount(4)
            .withOverrunPolicy(policy).withLeakThresholdPeriods(5);
        final UnitClock uart = new UnitClock(115_200, 10);
        final long[] now = { 0 };
        final java.util.function.IntFunction<Duration> periods = n ->
        {
            // to the exact instant n periods later (a period is 22,222,222.2 ns)
            final long target = uart.nanosOf((uart.unitsAt(now[0]) / 256 + n) * 256);
            final Duration step = Duration.ofNanos(target - now[0]);
            now[0] = target;
            return step;
        };
        final Pair<DmaControl, TestSubscriber.Probe<DmaBlock>> run =
            DmaSource.create(settings).toMat(TestSink.probe(classic()), Keep.both()).run(classic());
        final DmaControl control = run.first();
        final TestSubscriber.Probe<DmaBlock> probe = run.second();

        // ten periods pass and the consumer takes nothing
        final DmaStats starved = await(control.advance(periods.apply(10)));
        assertEquals(10, starved.transferCompletes());
        assertEquals(7, starved.overruns(), "TC 3 .. TC 9 found no free block");

        final int firstBatch = policy == OverrunPolicy.OVERWRITE ? 3 : 4;
        probe.request(firstBatch);
        final List<DmaBlock> first = new ArrayList<>();
        for (int i = 0; i < firstBatch; i++)
        {
            final DmaBlock block = probe.expectNext(WAIT);
            assertEquals(i, block.sequence());
            assertEquals(i, block.period(), "the oldest periods were kept");
            assertUartCounter(block);
            first.add(block);
        }
        probe.request(1);
        probe.expectNoMessage(Duration.ofMillis(100));
        first.forEach(DmaBlock::release);

        final DmaStats after = await(control.advance(periods.apply(3)));
        final DmaBlock marked = probe.expectNext(WAIT);
        assertUartCounter(marked);
        assertEquals(firstBatch, marked.sequence(), "no gap in delivery order, no repeat");
        assertEquals(7, marked.lostPeriodsBefore(), "the mark: 7 periods lost");
        if (policy == OverrunPolicy.OVERWRITE)
        {
            assertEquals(10, marked.period(), "periods 3..9 overwritten in place: the newest survived");
            assertEquals(7, after.periodsOverwritten());
        }
        else
        {
            assertEquals(11, marked.period(), "periods 4..10 discarded: 4 was the last kept");
            assertEquals(7, after.periodsDropped());
        }
        assertEquals(7, after.overruns());
        assertEquals(7 * 256, after.unitsLost());
        marked.release();

        // the leak detector names a block held for too long
        probe.request(1);
        final DmaBlock held = probe.expectNext(WAIT);
        probe.request(20);
        for (int i = 0; i < 8; i++)
        {
            await(control.advance(periods.apply(1)));
            probe.expectNext(WAIT).release();
        }
        final List<BlockLeak> leaks = control.leaks();
        assertEquals(1, leaks.size(), leaks.toString());
        assertEquals(held.sequence(), leaks.get(0).sequence());
        assertTrue(leaks.get(0).agePeriods() > 5, leaks.toString());
        assertEquals(1, control.stats().leaksReported());
        held.release();
        await(control.advance(periods.apply(1)));
        assertEquals(List.of(), control.leaks());

        // blocks the probe was sent but the test has not taken yet
        scala.jdk.javaapi.CollectionConverters.asJava(probe.receiveWithin(
            scala.concurrent.duration.FiniteDuration.create(300, TimeUnit.MILLISECONDS), 100)).forEach(DmaBlock::release);
        probe.cancel();
        final DmaStats end = control.stats();
        assertEquals(end.blocksDelivered(), end.blocksReleased(), "every delivered block released once: " + end);
        assertEquals(7, end.overruns());
    }

    @Test
    void backpressureWakesTheStageOnTheReleasingThread() throws Exception
    {
        final DmaSettings settings = uart().withBlockCount(4).withOverrunPolicy(OverrunPolicy.BACKPRESSURE)
            .withStopAfter(Duration.ofSeconds(1));
        final Pair<DmaControl, TestSubscriber.Probe<DmaBlock>> run =
            DmaSource.create(settings).toMat(TestSink.probe(classic()), Keep.both()).run(classic());
        final TestSubscriber.Probe<DmaBlock> probe = run.second();
        probe.request(4);
        final List<DmaBlock> held = new ArrayList<>();
        for (int i = 0; i < 4; i++)
        {
            held.add(probe.expectNext(WAIT));
        }
        probe.request(1);
        probe.expectNoMessage(Duration.ofMillis(200));
        assertTrue(run.first().stats().stalls() >= 1, "stalled: " + run.first().stats());
        held.get(0).release();
        final DmaBlock woken = probe.expectNext(WAIT);
        assertEquals(4, woken.period(), "nothing lost while stalled");
        woken.release();
        held.subList(1, 4).forEach(DmaBlock::release);
        long expected = 5;
        probe.request(100);
        while (true)
        {
            final TestSubscriber.SubscriberEvent event = probe.expectEvent(WAIT);
            if (event instanceof TestSubscriber.OnComplete$)
            {
                break;
            }
            try (DmaBlock block = (DmaBlock)((TestSubscriber.OnNext<?>)event).element())
            {
                assertEquals(expected++, block.period());
                assertUartCounter(block);
            }
        }
        assertEquals(45, expected);
        assertEquals(0, run.first().stats().overruns());
    }

    @Test
    void virtualClockWithEveryBlockHeldOverrunsButDoesNotHogTheThread() throws Exception
    {
        final DmaSettings settings = uart().withBlockCount(2).withMaxPeriodsPerPull(16);
        final Pair<DmaControl, TestSubscriber.Probe<DmaBlock>> run =
            DmaSource.create(settings).toMat(TestSink.probe(classic()), Keep.both()).run(classic());
        final TestSubscriber.Probe<DmaBlock> probe = run.second();
        probe.request(2);
        final DmaBlock held = probe.expectNext(WAIT);
        final long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (run.first().stats().overruns() < 32 && System.nanoTime() < deadline)
        {
            Thread.sleep(10);
        }
        assertTrue(run.first().stats().overruns() >= 32, "emulated in slices of 16 periods: " + run.first().stats());
        probe.expectNoMessage(Duration.ofMillis(50));
        held.release();
        final DmaBlock next = probe.expectNext(WAIT);
        assertTrue(next.followsOverrun());
        next.release();
        probe.cancel();
    }

    @Test
    void realTimePacingDeliversTheEmulatedDurationExactly() throws Exception
    {
        // Exactly 3,456 bytes are shifted in. Each is delivered, or, when the test JVM stalls long
        // enough for the 64-block pool (1.4 s of UART) to fill, counted lost by the overwrite
        // policy: delivered + lost must add up to the byte, the gaps must be where the marks say,
        // and every delivered byte must be the one due at its index.
        final DmaSettings settings = uart().withClockMode(ClockMode.REAL_TIME).withStopAfter(Duration.ofMillis(300));
        final long[] next = { 0 };   // the unit index the next block starts at, marks allowed for
        final long start = System.nanoTime();
        final Pair<DmaControl, java.util.concurrent.CompletionStage<Long>> run = DmaSource.create(settings)
            .map(block ->
            {
                try (block)
                {
                    assertUartCounter(block);
                    assertEquals(next[0] + block.lostPeriodsBefore() * settings.unitsPerBlock(), block.firstUnit(),
                        "a block starts after the last one and the periods its mark says were lost: " + block);
                    next[0] = block.firstUnit() + block.units();
                    return (long)block.length();
                }
            })
            .toMat(Sink.fold(0L, Long::sum), Keep.both())
            .run(classic());
        final long delivered = await(run.second());
        final DmaStats stats = run.first().stats();
        assertEquals(3_456, stats.unitsTransferred(), "0.3 s x 11,520 bytes/s: 13 blocks and a flush of 128 bytes");
        assertEquals(3_456, delivered + stats.unitsLost(), "every byte delivered or counted lost: " + stats);
        assertEquals(stats.overruns() == 0, stats.unitsLost() == 0, "only an overrun loses bytes: " + stats);
        assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(300),
            "real time never runs ahead of the wall clock");
    }

    @Test
    void settingsComeFromTheReferenceConfAndOverrides()
    {
        final DmaSettings defaults = DmaSettings.create(classic());
        assertEquals(DmaSettings.create().toString(), defaults.toString());
        final DmaSettings adc = DmaSettings.create(ConfigFactory.parseString(
            "peripheral = adc, adc.channels = 2, adc.sample-rate = 2000000, clock = virtual, overrun-policy = drop, " +
            "block-size = 4096").withFallback(classic().settings().config().getConfig("shm-streams.dma")));
        assertEquals(ClockMode.VIRTUAL, adc.clockMode());
        assertEquals(OverrunPolicy.DROP, adc.overrunPolicy());
        assertEquals(4_000_000, adc.peripheral().unitsPerSecondNumerator());
        assertEquals(4096, adc.blockSize());
        final DmaControl control = DmaSource.create(adc).to(Sink.cancelled()).run(classic());
        assertEquals(64 * 4096, control.footprint().row("block pool (64-byte aligned)").bytes());
    }

    @Test
    void advanceNeedsAManualClock() throws Exception
    {
        final Pair<DmaControl, TestSubscriber.Probe<DmaBlock>> run =
            DmaSource.create(uart()).toMat(TestSink.probe(classic()), Keep.both()).run(classic());
        final Exception ex = assertThrows(Exception.class, () -> await(run.first().advance(Duration.ofSeconds(1))));
        assertTrue(ex.getCause() instanceof IllegalStateException, ex.toString());
        run.second().request(1);
        run.second().expectNext(WAIT).release();
        // the stage runs now: the stop and the next request reach it in this order
        run.first().stop();
        run.second().request(1);
        run.second().expectComplete();
    }
}
