package dev.shmstreams.examples.gst;

import com.sun.jna.Pointer;
import dev.shmstreams.transport.ChannelSettings;
import dev.shmstreams.transport.Frame;
import dev.shmstreams.transport.ShmConsumer;
import org.HdrHistogram.Histogram;
import org.agrona.DirectBuffer;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;

/**
 * The other process of the GStreamer bridge demo: reads the bridged I420 frames in place from the
 * shm-streams channel, checks each against the CRC32C the bridge computed over GStreamer's own
 * buffer, computes the mean luma and measures the latency from the moment the bridge read
 * GStreamer's announcement (CLOCK_MONOTONIC, shared by both processes). Prints a STATUS line a
 * second and an END line; no Akka in this process.
 *
 * <p>Arguments: directory, channel, frame length, width, height.
 */
public final class GstBridgeConsumer
{
    private GstBridgeConsumer()
    {
    }

    /** A direct ByteBuffer over a mapped buffer, for the intrinsic CRC32C. */
    static java.nio.ByteBuffer view(final DirectBuffer buffer, final int length)
    {
        return new Pointer(buffer.addressOffset()).getByteBuffer(0, length);
    }

    public static void main(final String[] args)
    {
        final Thread main = Thread.currentThread();
        final java.util.concurrent.atomic.AtomicBoolean stopRequested = new java.util.concurrent.atomic.AtomicBoolean();
        final java.util.concurrent.atomic.AtomicBoolean finished = new java.util.concurrent.atomic.AtomicBoolean();
        // SIGTERM or Ctrl-C: let the loop close the channel instead of closing it under the reader
        Runtime.getRuntime().addShutdownHook(new Thread(() ->
        {
            if (!finished.get())
            {
                stopRequested.set(true);
                try
                {
                    main.join(5_000);
                }
                catch (final InterruptedException ex)
                {
                    Thread.currentThread().interrupt();
                }
            }
        }, "gst-bridge-consumer-stop"));
        final Path directory = Path.of(args[0]);
        final String channel = args[1];
        final int frameLength = Integer.parseInt(args[2]);
        final int width = Integer.parseInt(args[3]);
        final int height = Integer.parseInt(args[4]);
        final ChannelSettings settings = ChannelSettings.create(channel).withDirectory(directory)
            .withAttachTimeout(Duration.ofSeconds(30));
        final Histogram latency = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
        final CRC32C crc = new CRC32C();
        int exitCode = 0;
        try (ShmConsumer consumer = ShmConsumer.attach(settings))
        {
            System.out.println("READY");
            long frames = 0;
            long bad = 0;
            long intervalFrames = 0;
            double luma = 0;
            long nextStatus = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
            while (true)
            {
                if (stopRequested.get())
                {
                    consumer.cancel();
                    System.out.println("END interrupted");
                    break;
                }
                final long seq = consumer.poll();
                if (seq == ShmConsumer.EMPTY)
                {
                    consumer.awaitFrames(TimeUnit.MILLISECONDS.toNanos(100));
                }
                else if (seq < 0)
                {
                    final boolean completed = seq == ShmConsumer.END_OF_STREAM;
                    System.out.println("END " + (completed ? "completed" : "failed: " + consumer.producerError()) +
                        " frames=" + frames + " bad=" + bad);
                    exitCode = completed && bad == 0 ? 0 : 4;
                    break;
                }
                else
                {
                    try (Frame frame = consumer.frame(seq))
                    {
                        final long now = System.nanoTime();
                        latency.recordValue(Math.max(0, Math.min(now - frame.timestampNanos(), latency.getHighestTrackableValue())));
                        crc.reset();
                        crc.update(view(frame.buffer(), frame.length()));
                        if (frame.length() != frameLength || crc.getValue() != frame.metadata().getLong(0))
                        {
                            bad++;
                        }
                        // mean luma of the middle row: I420's Y plane comes first, a row is the stride
                        final int row = (height / 2) * ((width + 3) & ~3);
                        long sum = 0;
                        for (int x = 0; x < width; x++)
                        {
                            sum += frame.buffer().getByte(row + x) & 0xFF;
                        }
                        luma = (double)sum / width;
                    }
                    frames++;
                    intervalFrames++;
                }
                final long now = System.nanoTime();
                if (now - nextStatus >= 0)
                {
                    System.out.printf("STATUS frames=%d fps=%d bad=%d luma=%.1f p50=%.2fms p99=%.2fms%n", frames,
                        intervalFrames, bad, luma, latency.getValueAtPercentile(50) / 1e6,
                        latency.getValueAtPercentile(99) / 1e6);
                    intervalFrames = 0;
                    nextStatus = now + TimeUnit.SECONDS.toNanos(1);
                }
            }
        }
        catch (final RuntimeException ex)
        {
            System.out.println("END failed: " + ex);
            exitCode = 3;
        }
        finished.set(true);
        System.exit(exitCode);
    }
}
