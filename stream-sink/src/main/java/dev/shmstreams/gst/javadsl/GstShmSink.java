package dev.shmstreams.gst.javadsl;

import akka.stream.javadsl.Sink;
import akka.util.ByteString;
import dev.shmstreams.gst.GstFrameWriter;
import dev.shmstreams.gst.GstShmSinkControl;
import dev.shmstreams.gst.GstShmSinkSettings;
import dev.shmstreams.gst.impl.GstShmSinkStage;
import dev.shmstreams.transport.FrameTooLargeException;

import java.nio.ByteBuffer;

/**
 * Java API: sinks that serve frames to GStreamer's {@code shmsrc} elements, the way GStreamer's
 * own {@code shmsink} does: the sink creates a shared-memory area and listens on a Unix socket;
 * each shmsrc that connects maps the area read-only and receives every frame written after it
 * connected, without a copy.
 *
 * <pre>{@code
 * GstVideoInfo video = GstVideoInfo.create(VideoFormat.RGB, 640, 480, 30, 1);
 * frames.runWith(GstShmSink.create(GstShmSinkSettings.create(system, Path.of("/tmp/akka-video")).withVideo(video),
 *                                  (frame, slot) -> frame.renderInto(slot)),      // returns video.frameSize()
 *                system);
 * // gst-launch-1.0 shmsrc socket-path=/tmp/akka-video is-live=true do-timestamp=true \
 * //     ! video/x-raw,format=RGB,width=640,height=480,framerate=30/1 ! videoconvert ! autovideosink
 * }</pre>
 *
 * The sink pulls while a slot is free and at least min-clients are connected: a slot is free
 * again once every client it was sent to acknowledged it (GStreamer acknowledges when it frees
 * the buffer), so slow pipelines backpressure the stream. After upstream completes the sink waits
 * for every acknowledgement, then closes the socket and removes the area. The materialized
 * {@link GstShmSinkControl} says when clients may connect ({@code listening()}) and when the sink
 * finished ({@code done()}); it fails with {@link dev.shmstreams.gst.GstProtocolException} when a
 * client sends anything but a valid acknowledgement, and with
 * {@link dev.shmstreams.gst.GstSocketInUseException} when the socket path is taken.
 */
public final class GstShmSink
{
    private GstShmSink()
    {
    }

    /**
     * @param settings socket path, frame format, area.
     * @param writer   writes an element in place into its slot, returns its length.
     * @param <T>      element type.
     * @return the sink.
     */
    public static <T> Sink<T, GstShmSinkControl> create(final GstShmSinkSettings settings, final GstFrameWriter<T> writer)
    {
        return Sink.fromGraph(new GstShmSinkStage<>(settings, writer));
    }

    /**
     * Each {@link ByteString} <em>copied</em> once into its slot.
     *
     * @param settings socket path, frame format, area.
     * @return the sink.
     */
    public static Sink<ByteString, GstShmSinkControl> copyingByteStrings(final GstShmSinkSettings settings)
    {
        return create(settings, (bytes, slot) ->
        {
            checkFits(bytes.size(), slot.capacity());
            int offset = 0;
            for (final ByteBuffer chunk : bytes.getByteBuffers())
            {
                final int length = chunk.remaining();
                slot.putBytes(offset, chunk, chunk.position(), length);
                offset += length;
            }
            return offset;
        });
    }

    private static void checkFits(final int length, final int capacity)
    {
        if (length > capacity)
        {
            throw new FrameTooLargeException("element of " + length + " bytes does not fit a slot of " + capacity +
                " bytes");
        }
    }
}
