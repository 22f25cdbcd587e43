package dev.shmstreams.examples.video;

import dev.shmstreams.stream.ShmFrame;
import org.HdrHistogram.Histogram;
import org.agrona.DirectBuffer;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * What the consumer does with each frame, in place, while it holds it: commit-to-receipt latency,
 * a hash of every byte against what the pattern of that frame id must hash to (recomputed from the
 * id and the geometry, not taken from the producer), the mean luma, the frame ids' order and, every
 * two seconds, a thumbnail. Prints {@code STAT} once a second and {@code THUMBNAIL path} lines.
 *
 * <p>Errors: a frame whose length, metadata or content is not the pattern of its id ({@link #bad}:
 * corrupt, torn, or a stale frame under a new id), a frame id seen just before ({@link #duplicates})
 * and a frame id older than one already seen ({@link #outOfOrder}: stale or reordered). Ids never
 * seen ({@link #lost}) are gaps: what a drop policy dropped, an error only with backpressure (the
 * caller decides). Runs on the stream's thread only: no locking, no allocation per frame.
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
    /** Frames whose length, metadata or bytes are not the pattern of their frame id. */
    long bad;
    /** Frames with the id of the frame just before. */
    long duplicates;
    /** Frames with an id older than one already seen: stale or reordered. */
    long outOfOrder;
    /** Frame ids never seen (gaps). */
    long lost;
    long thumbnails;
    /** Frames the producer dropped unread (drop-oldest-unread), as the source counts them. */
    long dropped;
    private volatile LongSupplier droppedCounter = () -> 0;
    private long expectedId;
    private long lastId = -1;
    private double luma = Double.NaN;
    private double lumaSum;
    private long lumaFrames;
    private double lumaMin = Double.MAX_VALUE;
    private double lumaMax = -Double.MAX_VALUE;
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
    void droppedCounter(final LongSupplier counter)
    {
        this.droppedCounter = counter;
    }

    /** @return the frame's id; the frame stays held (the caller releases it). */
    long check(final ShmFrame frame)
    {
        return check(frame.buffer(), frame.length(), frame.frameId(), frame.timestampNanos(), frame.metadata());
    }

    /**
     * @param buffer         the frame's bytes, in place.
     * @param length         its published length.
     * @param frameId        its id: the frame number the producer rendered.
     * @param timestampNanos CLOCK_MONOTONIC at commit.
     * @param metadata       the slot's metadata: width, height and the producer's checksum.
     * @return the frame's id.
     */
    long check(final DirectBuffer buffer, final int length, final long frameId, final long timestampNanos,
        final DirectBuffer metadata)
    {
        final long now = System.nanoTime();
        final long latency = now - timestampNanos;                 // CLOCK_MONOTONIC at commit, in both processes
        if (length != pattern.frameLength() || frameId < 0)
        {
            bad++;                                                 // too short to inspect, or no frame number
        }
        else
        {
            pattern.inspect(buffer, inspection);                   // reads every byte (12 MB at 4K) in place
            final long expected = pattern.checksum(frameId);       // what this frame id must contain
            if (inspection.checksum != expected ||
                metadata.getLong(VideoProducer.METADATA_CHECKSUM) != expected ||
                metadata.getInt(VideoProducer.METADATA_WIDTH) != pattern.width() ||
                metadata.getInt(VideoProducer.METADATA_HEIGHT) != pattern.height())
            {
                bad++;
            }
            luma = inspection.lumaMean;
            lumaSum += luma;
            lumaFrames++;
            lumaMin = Math.min(lumaMin, luma);
            lumaMax = Math.max(lumaMax, luma);
        }
        order(frameId);
        record(now, latency);
        if (frames == 1 || now - nextThumbnail >= 0)
        {
            nextThumbnail = now + 2 * SECOND;
            if (length >= pattern.frameLength())
            {
                thumbnail(buffer, frameId);
            }
        }
        return frameId;
    }

    private void order(final long frameId)
    {
        if (frameId == lastId)
        {
            duplicates++;
        }
        else if (frameId < expectedId)
        {
            outOfOrder++;
        }
        else
        {
            lost += frameId - expectedId;
            intervalLost += frameId - expectedId;
            expectedId = frameId + 1;
        }
        lastId = frameId;
    }

    private void thumbnail(final DirectBuffer buffer, final long frameId)
    {
        try
        {
            final Path file = out.resolve(String.format("frame-%06d.png", frameId));
            Thumbnail.write(buffer, pattern.width(), pattern.height(), 320, file);
            print.println("THUMBNAIL " + file.toAbsolutePath());
            thumbnails++;
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot write a thumbnail to " + out, ex);
        }
    }

    /** @return frames that must not happen under any policy: corrupt, duplicate, stale or out of order. */
    long errors()
    {
        return bad + duplicates + outOfOrder;
    }

    private void record(final long now, final long latency)
    {
        total.recordValue(Math.min(Math.max(0, latency), total.getHighestTrackableValue()));
        interval.recordValue(Math.min(Math.max(0, latency), interval.getHighestTrackableValue()));
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
            print.printf("STAT frames=%d fps=%d gbps=%.2f p50us=%.0f p99us=%.0f bad=%d dup=%d ooo=%d lost=%d " +
                "lostps=%d luma=%.1f%n", frames, intervalFrames, intervalFrames * (double)pattern.frameLength() / 1e9,
                interval.getValueAtPercentile(50) / 1e3, interval.getValueAtPercentile(99) / 1e3, bad, duplicates,
                outOfOrder, lost, intervalLost, luma);
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
            "maxus=%.0f bad=%d dup=%d ooo=%d lost=%d dropped=%d thumbnails=%d luma=%.2f lumamin=%.2f lumamax=%.2f " +
            "end=%s%n", frames, seconds, frames / seconds, frames * (double)pattern.frameLength() / seconds / 1e9,
            total.getValueAtPercentile(50) / 1e3, total.getValueAtPercentile(99) / 1e3,
            total.getValueAtPercentile(99.9) / 1e3, total.getMaxValue() / 1e3, bad, duplicates, outOfOrder, lost,
            dropped, thumbnails, lumaFrames == 0 ? Double.NaN : lumaSum / lumaFrames,
            lumaFrames == 0 ? Double.NaN : lumaMin, lumaFrames == 0 ? Double.NaN : lumaMax, end.replace(' ', '_'));
        print.flush();
    }
}
