package dev.shmstreams.dma;

import org.agrona.DirectBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The core model, without Akka: rates to the unit in emulated time, the event sequence, block order
 * and contents, and each overrun policy with counts worked out by hand.
 */
class DmaEmulatorTest
{
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    /** Drain the ring, check each block with {@code check}, release it. */
    private static List<long[]> drain(final DmaEmulator mcu, final Checker check)
    {
        final List<long[]> seen = new ArrayList<>();
        DmaBlock next;
        while ((next = mcu.poll()) != null)
        {
            try (DmaBlock block = next)
            {
                check.check(block);
                seen.add(new long[]{ block.sequence(), block.period(), block.lostPeriodsBefore(), block.length() });
            }
        }
        return seen;
    }

    @FunctionalInterface
    interface Checker
    {
        void check(DmaBlock block);
    }

    private static void assertUartCounter(final DmaBlock block)
    {
        final DirectBuffer data = block.buffer();
        for (int i = 0; i < block.length(); i++)
        {
            assertEquals((byte)(block.firstUnit() + i), data.getByte(i), "byte " + i + " of " + block);
        }
    }

    @Test
    void uartAt115200BaudIs11520BytesPerEmulatedSecondToTheByte()
    {
        final DmaEmulator mcu = DmaEmulator.inProcess(DmaSettings.create().withPeripheral(Peripheral.uart(115_200)));
        mcu.advanceTo(SECOND);
        assertEquals(11_520, mcu.unitsTransferred());
        assertEquals(11_520 / 256, mcu.stats().blocksPushed(), "45 whole blocks, nothing in flight");
        final List<long[]> blocks = drain(mcu, DmaEmulatorTest::assertUartCounter);
        assertEquals(45, blocks.size());
        for (int i = 0; i < blocks.size(); i++)
        {
            assertArrayEquals(new long[]{ i, i, 0, 256 }, blocks.get(i));
        }

        for (int s = 2; s <= 10; s++)
        {
            mcu.advanceTo(s * SECOND);
            assertEquals(11_520L * s, mcu.unitsTransferred());
            drain(mcu, DmaEmulatorTest::assertUartCounter);
        }
        // one byte every 10 bits / 115200 baud: byte k completes at ceil(k * 10e9 / 115200) ns
        mcu.advanceTo(10 * SECOND + 86_805);
        assertEquals(115_200, mcu.unitsTransferred(), "byte 115,201 is due 86,806 ns later, not before");
        mcu.advanceTo(10 * SECOND + 86_806);
        assertEquals(115_201, mcu.unitsTransferred());
        drain(mcu, DmaEmulatorTest::assertUartCounter);
        assertEquals(0, mcu.stats().overruns());
    }

    @Test
    void adcFourChannelsAt1kHzIs4000SamplesPerSecondWithTheRampValues()
    {
        final AdcPeripheral adc = Peripheral.adc(4, 1_000);
        final DmaEmulator mcu = DmaEmulator.inProcess(DmaSettings.create().withPeripheral(adc));
        mcu.advanceTo(SECOND);
        assertEquals(4_000, mcu.unitsTransferred());
        assertTrue(mcu.stop(), "the last 4000 - 31 x 128 = 32 samples are flushed");
        final long[] samples = { 0 };
        final List<long[]> blocks = drain(mcu, block ->
        {
            assertEquals(2, block.unitBytes());
            for (int i = 0; i < block.units(); i++)
            {
                final long k = block.firstUnit() + i;
                final int value = block.buffer().getShort(2 * i, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
                assertEquals((k / 4 + 1024 * (k % 4)) & 0xFFF, value, "sample " + k + " (channel " + k % 4 + ")");
                assertEquals(0, value & 0xF000, "12-bit, right-aligned");
            }
            samples[0] += block.units();
        });
        assertEquals(4_000, samples[0]);
        assertEquals(32, blocks.size());
        assertEquals(64, blocks.get(31)[3], "the flushed block holds 32 samples = 64 bytes");
    }

    @Test
    void canAt500kbitWith111BitFramesCopiesEightBytesPerFrame()
    {
        final DmaEmulator mcu = DmaEmulator.inProcess(DmaSettings.create().withPeripheral(Peripheral.can(500_000)));
        mcu.advanceTo(111 * SECOND);
        assertEquals(500_000, mcu.unitsTransferred(), "111 s at 500,000/111 frames/s");
        final long[] frames = { 0 };
        drain(mcu, block ->
        {
            assertEquals(32, block.units(), "256-byte blocks hold 32 frames");
            for (int i = 0; i < block.units(); i++)
            {
                assertEquals(block.firstUnit() + i, block.buffer().getLong(8 * i, ByteOrder.LITTLE_ENDIAN));
            }
            frames[0] += block.units();
        });
        // 500,000 frames = 15,625 blocks of 32 exactly, but only 63 fit the pool without a consumer
        assertEquals(63 * 32, frames[0]);
        assertEquals(15_625 - 63, mcu.stats().overruns(), "no consumer for 111 s: every later period overran");
    }

    @Test
    void halfTransferAndTransferCompleteAlternateAtTheExactInstants()
    {
        final List<String> events = new ArrayList<>();
        final DmaSettings settings = DmaSettings.create().withBlockCount(4).withPeripheral(Peripheral.uart(115_200))
            .withEventListener(new DmaEventListener()
            {
                @Override
                public void onHalfTransfer(final long period, final long block, final long nanos)
                {
                    events.add("HT " + period + " " + block + " " + nanos);
                }

                @Override
                public void onTransferComplete(final long period, final long block, final long nanos)
                {
                    events.add("TC " + period + " " + block + " " + nanos);
                }
            });
        final DmaEmulator mcu = DmaEmulator.inProcess(settings);
        final List<long[]> blocks = new ArrayList<>();
        for (int step = 1; step <= 40; step++)
        {
            mcu.advanceTo(step * SECOND / 40);
            blocks.addAll(drain(mcu, block ->
            {
                assertUartCounter(block);
                assertEquals(mcu.nanosOfUnits(block.firstUnit() + 128), block.halfTransferNanos());
                assertEquals(mcu.nanosOfUnits(block.firstUnit() + 256), block.completeNanos());
            }));
        }
        assertEquals(45 * 2, events.size());
        for (int p = 0; p < 45; p++)
        {
            final long block = p % 4; // released promptly: the channel walks the pool in ring order
            assertEquals("HT " + p + " " + block + " " + mcu.nanosOfUnits(p * 256L + 128), events.get(2 * p));
            assertEquals("TC " + p + " " + block + " " + mcu.nanosOfUnits(p * 256L + 256), events.get(2 * p + 1));
            assertArrayEquals(new long[]{ p, p, 0, 256 }, blocks.get(p));
        }
        assertEquals(45, mcu.stats().halfTransfers());
        assertEquals(45, mcu.stats().transferCompletes());
    }

    @Test
    void resultsDoNotDependOnHowTimeIsSliced()
    {
        final DmaSettings settings = DmaSettings.create().withBlockCount(8).withPeripheral(Peripheral.adc(3, 7_919));
        final DmaEmulator once = DmaEmulator.inProcess(settings);
        once.advanceTo(3 * SECOND);
        final DmaEmulator sliced = DmaEmulator.inProcess(settings);
        final SplittableRandom random = new SplittableRandom(42);
        final List<long[]> slicedBlocks = new ArrayList<>();
        for (long t = 0; t < 3 * SECOND; )
        {
            t = Math.min(3 * SECOND, t + random.nextLong(1, 20_000_000));
            sliced.advanceTo(t);
            sliced.advanceTo(t - 5); // going back does nothing
        }
        assertEquals(once.unitsTransferred(), sliced.unitsTransferred());
        assertEquals(once.stats().toString(), sliced.stats().toString());
        final List<long[]> onceBlocks = drain(once, b -> { });
        slicedBlocks.addAll(drain(sliced, b -> { }));
        assertEquals(onceBlocks.size(), slicedBlocks.size());
        for (int i = 0; i < onceBlocks.size(); i++)
        {
            assertArrayEquals(onceBlocks.get(i), slicedBlocks.get(i));
        }
    }

    /** A pool of 4 and a consumer that takes nothing for 10 periods, then everything. */
    private static DmaEmulator starve(final OverrunPolicy policy)
    {
        final DmaEmulator mcu = DmaEmulator.inProcess(DmaSettings.create().withBlockCount(4)
            .withPeripheral(Peripheral.uart(115_200)).withOverrunPolicy(policy));
        mcu.advanceTo(mcu.nanosOfUnits(10 * 256));
        return mcu;
    }

    @Test
    void overwriteLosesTheOlderPeriodsCountsThemAndMarksTheNextBlock()
    {
        final DmaEmulator mcu = starve(OverrunPolicy.OVERWRITE);
        // periods 0, 1, 2 pushed into blocks 0, 1, 2; block 3 in flight: periods 3..9 written over each other
        assertEquals(7, mcu.stats().overruns());
        assertEquals(7, mcu.stats().periodsOverwritten());
        assertEquals(7 * 256, mcu.stats().unitsLost());
        final List<long[]> first = drain(mcu, DmaEmulatorTest::assertUartCounter);
        assertEquals(3, first.size());

        mcu.advanceTo(mcu.nanosOfUnits(12 * 256));
        final List<long[]> next = drain(mcu, DmaEmulatorTest::assertUartCounter);
        assertArrayEquals(new long[]{ 3, 10, 7, 256 }, next.get(0), "block 3 holds period 10, marked: 7 lost before");
        assertArrayEquals(new long[]{ 4, 11, 0, 256 }, next.get(1));
        assertNoBlockLeakedOrDuplicated(mcu, 5);
        assertEquals(7, mcu.stats().overruns(), "no more overruns once the consumer keeps up");
    }

    @Test
    void dropKeepsTheOlderPeriodsDiscardsTheNewerCountsAndMarks()
    {
        final DmaEmulator mcu = starve(OverrunPolicy.DROP);
        // periods 0..3 pushed; at TC 3 no block: periods 4..9 discarded, and TC 9 fails again
        assertEquals(7, mcu.stats().overruns());
        assertEquals(6, mcu.stats().periodsDropped());
        assertEquals(6 * 256, mcu.stats().unitsLost());
        final List<long[]> first = drain(mcu, DmaEmulatorTest::assertUartCounter);
        assertEquals(4, first.size());
        assertArrayEquals(new long[]{ 3, 3, 0, 256 }, first.get(3));

        mcu.advanceTo(mcu.nanosOfUnits(13 * 256));
        // period 10 was already discarded (channel disabled at TC 9); TC 10 re-targets; 11 and 12 pushed
        final List<long[]> next = drain(mcu, DmaEmulatorTest::assertUartCounter);
        assertArrayEquals(new long[]{ 4, 11, 7, 256 }, next.get(0));
        assertArrayEquals(new long[]{ 5, 12, 0, 256 }, next.get(1));
        assertEquals(7, mcu.stats().periodsDropped());
        assertNoBlockLeakedOrDuplicated(mcu, 6);
    }

    @Test
    void backpressureStopsEmulatedTimeAndLosesNothing()
    {
        final DmaEmulator mcu = starve(OverrunPolicy.BACKPRESSURE);
        assertTrue(mcu.isStalled());
        assertEquals(4 * 256, mcu.unitsTransferred(), "time stopped at the 4th transfer-complete");
        assertEquals(mcu.nanosOfUnits(4 * 256), mcu.nowNanos());
        assertEquals(1, mcu.stats().stalls());
        drain(mcu, DmaEmulatorTest::assertUartCounter);
        final long resumeAt = mcu.nanosOfUnits(10 * 256);
        mcu.advanceTo(resumeAt);
        assertFalse(mcu.isStalled());
        assertEquals(4 * 256, mcu.unitsTransferred(), "resumes where it stopped, no burst of missed data");
        // the driver's clock now runs ahead of emulated time by the stall; one more emulated second
        final List<long[]> rest = new ArrayList<>();
        for (int step = 1; step <= 40; step++)
        {
            mcu.advanceTo(resumeAt + step * SECOND / 40);
            rest.addAll(drain(mcu, DmaEmulatorTest::assertUartCounter));
        }
        assertFalse(mcu.isStalled());
        assertEquals(mcu.nanosOfUnits(4 * 256) + SECOND, mcu.nowNanos());
        assertEquals(4 * 256 + 11_520, mcu.unitsTransferred());
        assertEquals(45, rest.size());
        for (int i = 0; i < rest.size(); i++)
        {
            assertArrayEquals(new long[]{ 4 + i, 4 + i, 0, 256 }, rest.get(i));
        }
        assertEquals(0, mcu.stats().overruns());
        assertEquals(0, mcu.stats().unitsLost());
    }

    private static void assertNoBlockLeakedOrDuplicated(final DmaEmulator mcu, final long delivered)
    {
        final BlockPool pool = mcu.pool();
        assertEquals(delivered, mcu.stats().blocksDelivered());
        assertEquals(delivered, mcu.stats().blocksReleased());
        assertEquals(0, pool.heldCount());
        assertEquals(0, pool.readyCount());
        assertEquals(pool.blockCount() - 1, pool.freeCount(), "every block free but the one in flight");
    }

    @Test
    void aHeldBlockIsReportedAsALeakOnceWithItsAge()
    {
        final DmaEmulator mcu = DmaEmulator.inProcess(DmaSettings.create().withBlockCount(8).withLeakThresholdPeriods(5)
            .withPeripheral(Peripheral.uart(115_200)));
        mcu.advanceTo(mcu.nanosOfUnits(256));
        final DmaBlock held = mcu.poll();
        assertEquals(0, held.period());
        final List<BlockLeak> reported = new ArrayList<>();
        for (int p = 2; p <= 10; p++)
        {
            mcu.advanceTo(mcu.nanosOfUnits(p * 256L));
            drain(mcu, b -> { });
            mcu.scanLeaks(reported::add);
        }
        assertEquals(1, reported.size(), "reported once: " + reported);
        final BlockLeak leak = reported.get(0);
        assertEquals(0, leak.sequence());
        assertEquals(held.blockIndex(), leak.blockIndex());
        assertEquals(6, leak.agePeriods(), "held at period 1, first seen leaking at period 7 (> 5)");
        assertEquals(mcu.nanosOfUnits(7 * 256) - mcu.nanosOfUnits(256), leak.ageNanos());
        final List<BlockLeak> stillLeaking = mcu.scanLeaks(l -> fail("already reported"));
        assertEquals(9, stillLeaking.get(0).agePeriods());
        assertEquals(1, mcu.stats().leaksReported());

        held.release();
        assertEquals(List.of(), mcu.scanLeaks(l -> fail("released")));
        assertEquals(0, mcu.stats().overruns(), "one held block of 8 costs no data");
    }

    @Test
    void blocksAreReleasedExactlyOnceAndUnusableAfterwards()
    {
        final DmaEmulator mcu = DmaEmulator.inProcess(DmaSettings.create().withPeripheral(Peripheral.uart(115_200)));
        mcu.advanceTo(mcu.nanosOfUnits(256));
        final DmaBlock block = mcu.poll();
        final DirectBuffer kept = block.buffer();
        assertEquals(256, kept.capacity());
        assertEquals(0, kept.getByte(0));
        block.close();
        assertTrue(block.isReleased());
        assertThrows(IllegalStateException.class, block::release, "second release");
        assertThrows(IllegalStateException.class, block::buffer);
        assertThrows(IllegalStateException.class, block::length);
        assertThrows(IndexOutOfBoundsException.class, () -> kept.getByte(0), "a kept view reads nothing any more");
        assertTrue(block.toString().contains("released"));
    }

    @Test
    void thePoolIsAlignedAndItsFootprintIsTheRamTable()
    {
        final DmaEmulator mcu = DmaEmulator.inProcess(DmaSettings.create());
        assertEquals(0, mcu.pool().address() % BlockPool.ALIGNMENT);
        final Footprint footprint = mcu.pool().footprint();
        assertEquals(64 * 256, footprint.row("block pool (64-byte aligned)").bytes());
        assertEquals(64 * 4, footprint.row("reference ring").bytes());
        assertEquals(64 * 64, footprint.row("block descriptors").bytes());
        assertEquals(16_384 + 256 + 16 + 4_096 + 512, footprint.totalBytes());
        assertEquals(16_384 + 256 + 4 + 256 + 64, footprint.totalMcuBytes(), "pool + pointers + u16 head/tail + " +
            "4-byte descriptors + state bytes");
        assertTrue(footprint.toString().contains("reference ring"), footprint.toString());
    }

    @Test
    void theOnlyAllocationPerBlockIsTheHandleAndItsView()
    {
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)java.lang.management.ManagementFactory.getThreadMXBean();
        final DmaEmulator mcu = DmaEmulator.inProcess(DmaSettings.create().withPeripheral(Peripheral.adc(4, 1_000)));
        long sum = 0;
        for (int round = 0; round < 2; round++)
        {
            final long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 100_000; i++)
            {
                mcu.advanceTo(mcu.nextTransferCompleteNanos());
                try (DmaBlock block = mcu.poll())
                {
                    sum += block.buffer().getShort(0);
                }
            }
            final long perBlock = (threads.getCurrentThreadAllocatedBytes() - before) / 100_000;
            if (round == 1)
            {
                // DmaBlock (~80 B) + UnsafeBuffer view (~48 B); nothing from the emulator, pool or ring
                assertTrue(perBlock <= 160, "bytes allocated per block: " + perBlock);
            }
        }
        assertTrue(sum != 0);
    }

    @Test
    void settingsCheckThePoolAgainstThePeripheral()
    {
        assertThrows(IllegalArgumentException.class,
            () -> DmaSettings.create().withBlockSize(8).withPeripheral(Peripheral.can(500_000)).validate(),
            "one CAN frame is not a period with a half");
        assertThrows(IllegalArgumentException.class,
            () -> DmaSettings.create().withBlockSize(256 * 1024).validate(), "CNDTR is 16 bits");
        assertThrows(IllegalArgumentException.class, () -> DmaSettings.create().withBlockSize(12));
        assertEquals(256 * 1_000_000_000L / 11_520, DmaSettings.create().periodNanos());
    }

    /** Under drop, a period cut short by stop() while the channel is disabled is lost, and counted. */
    @Test
    void stoppingInsideADroppedPeriodCountsItsUnitsAsLost()
    {
        final DmaEmulator mcu = DmaEmulator.inProcess(DmaSettings.create().withPeripheral(Peripheral.uart(115_200))
            .withBlockCount(4).withOverrunPolicy(OverrunPolicy.DROP));
        mcu.advanceTo(SECOND + SECOND / 7);
        mcu.stop();
        final DmaStats stats = mcu.stats();
        long delivered = 0;
        DmaBlock next;
        while ((next = mcu.poll()) != null)
        {
            try (DmaBlock block = next)
            {
                delivered += block.units();
            }
        }
        assertTrue(stats.periodsDropped() > 0, "the pool ran out: periods were dropped");
        assertEquals(stats.unitsTransferred(), delivered + mcu.stats().unitsLost(),
            "every unit shifted in was either delivered or counted lost");
    }

    /** Slice time at random (so blocks are filled in pieces, half-transfers included), drain as it goes. */
    private static long runSliced(final DmaEmulator mcu, final long until, final Checker check)
    {
        final SplittableRandom random = new SplittableRandom(7);
        long units = 0;
        for (long t = 0; t < until; )
        {
            t = Math.min(until, t + random.nextLong(1, 30_000_000));
            mcu.advanceTo(t);
            for (final long[] block : drain(mcu, check))
            {
                units += block[3];
            }
        }
        mcu.stop();
        for (final long[] block : drain(mcu, check))
        {
            units += block[3];
        }
        return units;
    }

    @Test
    void aUartGeneratorDecidesEveryByteReceived()
    {
        // per-byte hook (the interface's default bulk fill calls byteAt for each index)
        final UartPeripheral.Generator scrambled = index -> (byte)(index * 31 + (index >>> 8) + 5);
        final UartPeripheral uart = Peripheral.uart(115_200).withGenerator(scrambled);
        assertSame(scrambled, uart.generator());
        final DmaEmulator mcu = DmaEmulator.inProcess(DmaSettings.create().withPeripheral(uart));
        final long bytes = runSliced(mcu, SECOND, block ->
        {
            for (int i = 0; i < block.length(); i++)
            {
                assertEquals(scrambled.byteAt(block.firstUnit() + i), block.buffer().getByte(i),
                    "byte " + i + " of " + block);
            }
        });
        assertEquals(11_520, bytes, "the generator changes the data, not the rate");
        assertEquals(0, mcu.stats().overruns());
    }

    @Test
    void aUartGeneratorsBulkFillIsUsedAndCoversEachByteOnce()
    {
        final long[] covered = { 0, -1 };   // bytes filled, last index filled
        final UartPeripheral.Generator bulk = new UartPeripheral.Generator()
        {
            @Override
            public byte byteAt(final long index)
            {
                throw new AssertionError("the bulk form is overridden: byteAt must not be called");
            }

            @Override
            public void fill(final org.agrona.MutableDirectBuffer block, final int offset, final long firstByte,
                final int length)
            {
                assertEquals(covered[1] + 1, firstByte, "contiguous: each byte filled once, in order");
                for (int i = 0; i < length; i++)
                {
                    block.putByte(offset + i, (byte)~(firstByte + i));
                }
                covered[0] += length;
                covered[1] = firstByte + length - 1;
            }
        };
        final DmaEmulator mcu = DmaEmulator.inProcess(DmaSettings.create().withBlockSize(64)
            .withPeripheral(Peripheral.uart(9_600).withBitsPerCharacter(11).withGenerator(bulk)));
        final long bytes = runSliced(mcu, 2 * SECOND, block ->
        {
            for (int i = 0; i < block.length(); i++)
            {
                assertEquals((byte)~(block.firstUnit() + i), block.buffer().getByte(i), "byte " + i + " of " + block);
            }
        });
        assertEquals(2 * 9_600 / 11, bytes, "8E1 at 9,600 baud: 872.7 bytes/s");
        assertEquals(bytes, covered[0]);
    }

    @Test
    void aCanFrameSourceDecidesEveryFramesData()
    {
        final CanPeripheral.FrameSource source = frame -> 0x1234_0000_0000_0000L | (frame << 8) | (frame % 251);
        final CanPeripheral can = Peripheral.can(250_000).withFrameSource(source);
        assertSame(source, can.frameSource());
        final DmaEmulator mcu = DmaEmulator.inProcess(DmaSettings.create().withPeripheral(can));
        final long bytes = runSliced(mcu, SECOND, block ->
        {
            assertEquals(8, block.unitBytes());
            for (int i = 0; i < block.units(); i++)
            {
                assertEquals(source.data(block.firstUnit() + i), block.buffer().getLong(8 * i, ByteOrder.LITTLE_ENDIAN),
                    "frame " + (block.firstUnit() + i) + " in " + block);
            }
        });
        assertEquals(250_000 / 111 * 8, bytes, "250 kbit/s at 111 bits a frame: 2,252 frames in 1 s");
    }
}
