package dev.shmstreams.examples.video;

import dev.shmstreams.stream.ShmFrame;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * What the consumer does with each frame, in place, while it holds it: commit-to-receipt latency,
 * a checksum of every byte against the producer's, the mean luma, frame-id gaps (frames an overflow
 * policy dropped) and, every two seconds, a thumbnail. Prints {@code STAT} once a second and
 * {@code THUMBNAIL path} lines. Runs on the stream's thread only: no locking, no allocation per frame.
 */
final class FrameCheck
{
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    private final Nv12Pattern pattern;
    private final Path out;
    private final PrintStream print;
    private final Histogram total = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
    private final Histogram interval = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
    private final Nv12Pattern.Inspection inspection = new Nv12Pattern.Inspection();
    long frames;
    long bad;
    long lost;
    long thumbnails;
    /** Frames the producer dropped unread (drop-oldest-unread), as the source counts them. */
    long dropped;
    private volatile java.util.function.LongSupplier droppedCounter = () -> 0;
    private long expectedId;
    private double luma;
    private long intervalFrames;
    private long intervalLost;
    private long first;
    private long last;
    private long nextStat;
    private long nextThumbnail;

    FrameCheck(final Nv12Pattern pattern, final Path out, final PrintStream print)
    {
        this.pattern = pattern;
        this.out = out;
        this.print = print;
    }

    /**
     * @param counter the source's {@code ShmSourceControl::dropped}, read while the stream runs: it
     *                reads 0 once the stage has closed its channel end.
     */
    void droppedCounter(final java.util.function.LongSupplier counter)
    {
        this.droppedCounter = counter;
    }

    /** @return the frame's id; the frame stays held (the caller releases it). */
    long check(final ShmFrame frame)
    {
        final long now = System.nanoTime();
        final long latency = now - frame.timestampNanos();        // CLOCK_MONOTONIC at commit, in both processes
        pattern.inspect(frame.buffer(), inspection);               // reads all 12 MB in place
        if (inspection.checksum != frame.metadata().getLong(VideoProducer.METADATA_CHECKSUM))
        {
            bad++;
        }
            record(now, latency, frame.frameId());
        if (now - nextThumbnail >= 0)
        {
            nextThumbnail = now + 2 * SECOND;
            try
            {
                final Path file = out.resolve(String.format("frame-%06d.png", frame.frameId()));
                Thumbnail.write(frame.buffer(), pattern.width(), pattern.height(), 320, file);
                print.println("THUMBNAIL " + file.toAbsolutePath());
                thumbnails++;
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException("cannot write a thumbnail to " + out, ex);
            }
        }
        return frame.frameId();
    }

    private void record(final long now, final long latency, final long frameId)
    {
        total.recordValue(Math.min(Math.max(0, latency), total.getHighestTrackableValue()));
        interval.recordValue(Math.min(Math.max(0, latency), interval.getHighestTrackableValue()));
        if (frameId > expectedId)
        {
            lost += frameId - expectedId;
            intervalLost += frameId - expectedId;
        }
        expectedId = frameId + 1;
        luma = inspection.lumaMean;
        dropped = Math.max(dropped, droppedCounter.getAsLong());
        if (frames++ == 0)
        {
            first = now;
            nextStat = now + SECOND;
        }
        intervalFrames++;
        last = now;
        if (now - nextStat >= 0)
        {
            nextStat += SECOND;
            print.printf("STAT frames=%d fps=%d gbps=%.2f p50us=%.0f p99us=%.0f bad=%d lost=%d lostps=%d luma=%.1f%n",
                frames, intervalFrames, intervalFrames * (double)pattern.frameLength() / 1e9,
                interval.getValueAtPercentile(50) / 1e3, interval.getValueAtPercentile(99) / 1e3, bad, lost,
                intervalLost, luma);
            interval.reset();
            intervalFrames = 0;
            intervalLost = 0;
        }
    }

    /** Print {@code SUMMARY key=value...}. */
    void summary(final String end)
    {
        final double seconds = Math.max(1e-9, (last - first) / 1e9);
        print.printf("SUMMARY frames=%d seconds=%.2f fps=%.1f gbps=%.2f p50us=%.0f p99us=%.0f p999us=%.0f " +
            "maxus=%.0f bad=%d lost=%d dropped=%d thumbnails=%d end=%s%n", frames, seconds, frames / seconds,
            frames * (double)pattern.frameLength() / seconds / 1e9, total.getValueAtPercentile(50) / 1e3,
            total.getValueAtPercentile(99) / 1e3, total.getValueAtPercentile(99.9) / 1e3, total.getMaxValue() / 1e3,
            bad, lost, dropped, thumbnails, end.replace(' ', '_'));
        print.flush();
    }
}
