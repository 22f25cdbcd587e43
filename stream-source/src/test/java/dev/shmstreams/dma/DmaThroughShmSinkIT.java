package dev.shmstreams.dma;

import akka.actor.ActorSystem;
import akka.stream.javadsl.Sink;
import akka.testkit.javadsl.TestKit;
import dev.shmstreams.dma.shm.DmaShm;
import dev.shmstreams.dma.shm.DmaSlotMetadata;
import dev.shmstreams.stream.ShmFrame;
import dev.shmstreams.stream.ShmSourceSettings;
import dev.shmstreams.stream.javadsl.ShmSource;
import dev.shmstreams.transport.it.ChildJvm;
import dev.shmstreams.transport.test.ShmTestDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.agrona.DirectBuffer;

import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The emulator on the Akka path across processes: DmaSource → ShmSink with
 * {@link DmaShm#copyBlockIntoSlot} in an MCU process, ShmSource in this one; every ADC sample of 5
 * emulated seconds arrives with its expected value, each slot described as {@code DmaSlotMetadata} says.
 */
@ExtendWith(ShmTestDirectory.class)
class DmaThroughShmSinkIT
{
    @Test
    void anAkkaMcuProcessFeedsAnAkkaHostEverySampleExactly(final Path dir) throws Exception
    {
        final ActorSystem system = ActorSystem.create("host");
        try (ChildJvm mcu = ChildJvm.start("DmaThroughShmSinkIT.mcu", AkkaMcuMain.class,
            List.of(dir.toString(), "adc", "5")))
        {
            final long samples = ShmSource.create(ShmSourceSettings.create(system, "adc").withDirectory(dir)
                    .withAttachTimeout(Duration.ofSeconds(60)))
                .runWith(Sink.fold(0L, (expected, frame) -> check(frame, expected)), system)
                .toCompletableFuture().get(120, TimeUnit.SECONDS);
            assertEquals(20_000, samples, "5 emulated seconds of 4 channels x 1 kHz, none lost");
            assertEquals("DONE", mcu.awaitLine(Pattern.compile("^(DONE|FAILED).*"), Duration.ofSeconds(60)).text());
            assertEquals(0, mcu.awaitExit(Duration.ofSeconds(60)));
        }
        finally
        {
            TestKit.shutdownActorSystem(system);
        }
        assertEquals(List.of(), ShmTestDirectory.leftovers(dir));
    }

    /** @return the next expected sample index, after checking every sample and the slot's description. */
    private static long check(final ShmFrame frame, final long expected)
    {
        try (frame)
        {
            final DirectBuffer meta = frame.metadata();
            final long firstUnit = meta.getLong(DmaSlotMetadata.FIRST_UNIT_OFFSET, ByteOrder.LITTLE_ENDIAN);
            final long lost = meta.getLong(DmaSlotMetadata.LOST_PERIODS_OFFSET, ByteOrder.LITTLE_ENDIAN);
            if (firstUnit != expected || lost != 0)
            {
                throw new AssertionError("frame " + frame.frameId() + " starts at sample " + firstUnit + ", expected " +
                    expected + " (lost periods " + lost + ")");
            }
            assertEquals(expected / 128, frame.frameId(), "frame id = DMA period (128 samples a block)");
            assertEquals(frame.frameId(), meta.getLong(DmaSlotMetadata.PERIOD_OFFSET, ByteOrder.LITTLE_ENDIAN));
            assertEquals(2, meta.getInt(DmaSlotMetadata.UNIT_BYTES_OFFSET, ByteOrder.LITTLE_ENDIAN));
            final boolean flush = (frame.userFlags() & DmaSlotMetadata.FLAG_FLUSH) != 0;
            assertEquals(frame.length() < 256, flush, "only the last, partial block is a flush");
            assertEquals(flush ? DmaEvent.FLUSH.ordinal() : DmaEvent.TRANSFER_COMPLETE.ordinal(),
                meta.getInt(DmaSlotMetadata.EVENT_OFFSET, ByteOrder.LITTLE_ENDIAN));
            final int units = frame.length() / 2;
            for (int i = 0; i < units; i++)
            {
                final long k = firstUnit + i;
                final int value = frame.buffer().getShort(2 * i) & 0xFFFF;
                if (value != (int)((k / 4 + 1024 * (k % 4)) & AdcPeripheral.FULL_SCALE))
                {
                    throw new AssertionError("sample " + k + " is " + value);
                }
            }
            return expected + units;
        }
    }
}
