package dev.shmstreams.dma;

import dev.shmstreams.dma.shm.DmaSlotMetadata;
import dev.shmstreams.dma.shm.McuProcess;
import dev.shmstreams.transport.ChannelSettings;
import dev.shmstreams.transport.Frame;
import dev.shmstreams.transport.ShmConsumer;
import dev.shmstreams.transport.test.ShmTestDirectory;
import org.agrona.DirectBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.ByteArrayOutputStream;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * An "MCU process" (a child JVM running {@link McuProcess}) writes DMA blocks straight into a
 * shared-memory channel; this JVM is the host process and reads them in place with a ShmConsumer.
 */
@ExtendWith(ShmTestDirectory.class)
class DmaCrossProcessTest
{
    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    private static final long WAIT = TimeUnit.SECONDS.toNanos(60);

    private static Process startMcu(final Path dir, final String name, final String... options) throws Exception
    {
        final List<String> command = new ArrayList<>(List.of(JAVA, "-Xmx128m", "-XX:TieredStopAtLevel=1", "-cp",
            System.getProperty("java.class.path"), McuProcess.class.getName(), "--directory", dir.toString(),
            "--name", name));
        command.addAll(List.of(options));
        return new ProcessBuilder(command).redirectErrorStream(true).start();
    }

    private static CompletableFuture<String> output(final Process process)
    {
        return CompletableFuture.supplyAsync(() ->
        {
            final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try
            {
                process.getInputStream().transferTo(bytes);
            }
            catch (final java.io.IOException ignore)
            {
                // the process was killed
            }
            return bytes.toString(StandardCharsets.UTF_8);
        });
    }

    private static ChannelSettings consumerSettings(final Path dir, final String name)
    {
        return ChannelSettings.create(name).withDirectory(dir).withAttachTimeout(Duration.ofSeconds(60));
    }

    /** Receive until the producer completes; {@code check} sees each frame in place. */
    private static long receive(final ShmConsumer consumer, final FrameCheck check)
    {
        long frames = 0;
        while (true)
        {
            final long sequence = consumer.poll();
            if (sequence >= 0)
            {
                try (Frame frame = consumer.frame(sequence))
                {
                    check.check(frame, frames++);
                }
            }
            else if (sequence == ShmConsumer.EMPTY)
            {
                assertTrue(consumer.awaitFrames(WAIT) || consumer.poll() != ShmConsumer.EMPTY, "the MCU went quiet");
            }
            else
            {
                assertEquals(ShmConsumer.END_OF_STREAM, sequence, "ended with " + sequence + " " +
                    consumer.producerError());
                return frames;
            }
        }
    }

    @FunctionalInterface
    interface FrameCheck
    {
        void check(Frame frame, long index);
    }

    @Test
    void anMcuProcessFeedsAHostProcessEveryAdcSampleExactly(final Path dir) throws Exception
    {
        final Process mcu = startMcu(dir, "adc", "--peripheral", "adc:4:1000", "--clock", "virtual",
            "--policy", "backpressure", "--blocks", "8", "--seconds", "5");
        final CompletableFuture<String> log = output(mcu);
        try
        {
            final long[] samples = { 0 };
            final long frames;
            try (ShmConsumer consumer = ShmConsumer.attach(consumerSettings(dir, "adc")))
            {
                assertEquals(8, consumer.layout().slotCount());
                frames = receive(consumer, (frame, index) ->
                {
                    final DirectBuffer meta = frame.metadata();
                    final long firstUnit = meta.getLong(DmaSlotMetadata.FIRST_UNIT_OFFSET, ByteOrder.LITTLE_ENDIAN);
                    assertEquals(index, frame.frameId(), "frame id = DMA period; nothing lost");
                    assertEquals(index, meta.getLong(DmaSlotMetadata.PERIOD_OFFSET, ByteOrder.LITTLE_ENDIAN));
                    assertEquals(samples[0], firstUnit, "contiguous samples");
                    assertEquals(0, meta.getLong(DmaSlotMetadata.LOST_PERIODS_OFFSET, ByteOrder.LITTLE_ENDIAN));
                    assertEquals(2, meta.getInt(DmaSlotMetadata.UNIT_BYTES_OFFSET, ByteOrder.LITTLE_ENDIAN));
                    for (int i = 0; i < frame.length() / 2; i++)
                    {
                        final long k = firstUnit + i;
                        assertEquals((k / 4 + 1024 * (k % 4)) & 0xFFF,
                            frame.buffer().getShort(2 * i, ByteOrder.LITTLE_ENDIAN), "sample " + k);
                    }
                    samples[0] += frame.length() / 2;
                    final boolean flush = (frame.userFlags() & DmaSlotMetadata.FLAG_FLUSH) != 0;
                    assertEquals(frame.length() < 256, flush, "only the last, partial block is a flush");
                });
            }
            assertTrue(mcu.waitFor(60, TimeUnit.SECONDS), "the MCU process exits");
            final String output = log.get(10, TimeUnit.SECONDS);
            assertEquals(0, mcu.exitValue(), output);
            assertEquals(20_000, samples[0], "5 emulated seconds of 4 channels x 1 kHz");
            assertEquals(157, frames, "156 blocks of 128 samples and a flush of 32");
            assertTrue(output.contains("DONE consumed"), output);
            assertTrue(output.contains("overruns=0"), output);
            assertTrue(output.contains(McuProcess.BACKPRESSURE_WARNING + "\n"), "the policy is for tests only: " + output);
            assertTrue(output.indexOf("WARNING") < output.indexOf("READY"), "warned before it runs: " + output);
        }
        finally
        {
            mcu.destroyForcibly();
            mcu.waitFor(10, TimeUnit.SECONDS);
        }
        assertEquals(List.of(), ShmTestDirectory.leftovers(dir), "nothing left in /dev/shm");
    }

    @Test
    void aRealTimeUartAcrossProcessesAccountsForEveryByte(final Path dir) throws Exception
    {
        final Process mcu = startMcu(dir, "uart", "--peripheral", "uart:115200", "--clock", "real-time",
            "--policy", "overwrite", "--blocks", "64", "--seconds", "0.5");
        final CompletableFuture<String> log = output(mcu);
        try
        {
            final long[] next = { 0 };
            final long[] lost = { 0 };
            try (ShmConsumer consumer = ShmConsumer.attach(consumerSettings(dir, "uart")))
            {
                receive(consumer, (frame, index) ->
                {
                    final DirectBuffer meta = frame.metadata();
                    final long firstUnit = meta.getLong(DmaSlotMetadata.FIRST_UNIT_OFFSET, ByteOrder.LITTLE_ENDIAN);
                    final long lostPeriods = meta.getLong(DmaSlotMetadata.LOST_PERIODS_OFFSET, ByteOrder.LITTLE_ENDIAN);
                    assertEquals(next[0] + 256 * lostPeriods, firstUnit, "a gap is exactly the periods marked lost");
                    for (int i = 0; i < frame.length(); i++)
                    {
                        assertEquals((byte)(firstUnit + i), frame.buffer().getByte(i));
                    }
                    lost[0] += 256 * lostPeriods;
                    next[0] = firstUnit + frame.length();
                });
            }
            assertTrue(mcu.waitFor(60, TimeUnit.SECONDS), "the MCU process exits");
            final String output = log.get(10, TimeUnit.SECONDS);
            assertEquals(0, mcu.exitValue(), output);
            assertEquals(5_760, next[0], "0.5 s at 11,520 bytes/s: received + lost");
            assertTrue(output.contains("lost=" + lost[0] + ","), output);
            assertFalse(output.contains("WARNING"), "overwrite is what the hardware does: " + output);
        }
        finally
        {
            mcu.destroyForcibly();
            mcu.waitFor(10, TimeUnit.SECONDS);
        }
        assertEquals(List.of(), ShmTestDirectory.leftovers(dir), "nothing left in /dev/shm");
    }
}
