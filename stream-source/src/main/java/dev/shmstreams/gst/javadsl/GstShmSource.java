package dev.shmstreams.gst.javadsl;

import akka.stream.javadsl.Source;
import akka.util.ByteString;
import dev.shmstreams.gst.GstFrame;
import dev.shmstreams.gst.GstShmSourceControl;
import dev.shmstreams.gst.GstShmSourceSettings;
import dev.shmstreams.gst.impl.GstShmSourceStage;

/**
 * Java API: sources that receive frames from a running GStreamer {@code shmsink}, the way
 * GStreamer's own {@code shmsrc} does, without copying them.
 *
 * <pre>{@code
 * // gst-launch-1.0 videotestsrc is-live=true ! video/x-raw,format=I420,width=1920,height=1080,framerate=30/1 \
 * //     ! identity drop-allocation=true ! shmsink socket-path=/tmp/gst-video
 * GstShmSource.create(GstShmSourceSettings.create(system, Path.of("/tmp/gst-video"))
 *                                         .withVideo(GstVideoInfo.create(VideoFormat.I420, 1920, 1080, 30, 1)))
 *             .map(f -> { try (f) { return analyse(f.buffer(), f.length()); } })
 *             .runWith(Sink.foreach(...), system);
 * }</pre>
 *
 * The source connects to the shmsink's socket (retrying up to the connect timeout), maps its
 * area read-only and emits each buffer as a {@link GstFrame} in place, only on demand. Releasing
 * the frame acknowledges the buffer: shmsink reuses memory only once acknowledged, so frames held
 * in the Akka graph hold the GStreamer pipeline back. The stream completes when the shmsink stops
 * cleanly and fails with {@link dev.shmstreams.gst.GstPeerLostException} when it dies, with
 * {@link dev.shmstreams.gst.GstProtocolException} on a malformed message and with
 * {@link dev.shmstreams.gst.GstFormatMismatchException} when a buffer is not one frame of the
 * configured format; buffers announced before the end are emitted first.
 */
public final class GstShmSource
{
    private GstShmSource()
    {
    }

    /**
     * Frames in place: each {@link GstFrame} must be released (closed) exactly once.
     *
     * @param settings socket path, expected format, timeouts.
     * @return the source.
     */
    public static Source<GstFrame, GstShmSourceControl> create(final GstShmSourceSettings settings)
    {
        return Source.fromGraph(new GstShmSourceStage(settings));
    }

    /**
     * Each frame <em>copied</em> into a {@link ByteString} and released at once.
     *
     * @param settings socket path, expected format, timeouts.
     * @return the source.
     */
    public static Source<ByteString, GstShmSourceControl> bytes(final GstShmSourceSettings settings)
    {
        return create(settings).map(frame ->
        {
            try (frame)
            {
                return frame.copyToByteString();
            }
        });
    }
}
