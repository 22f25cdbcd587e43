package dev.shmstreams.stream.javadsl;

import akka.Done;
import akka.stream.javadsl.Sink;
import akka.util.ByteString;
import dev.shmstreams.stream.FrameWriter;
import dev.shmstreams.stream.ShmSinkSettings;
import dev.shmstreams.stream.impl.ShmSinkStage;
import dev.shmstreams.transport.FrameTooLargeException;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletionStage;

/**
 * Java API: sinks that hand elements to a consumer process through a shared-memory channel.
 *
 * <pre>{@code
 * camera.runWith(ShmSink.create(ShmSinkSettings.create(system, "camera-1").withSlots(8).withSlotSize(12_441_600),
 *                               (frame, slot) -> frame.renderInto(slot.buffer())),
 *                system);
 * }</pre>
 *
 * The sink creates the channel, pulls only while a slot is free (per the overflow policy), writes
 * each element in place and commits it. Its materialized value completes when upstream completed
 * and the consumer drained the ring (or left, or the drain timeout passed), and fails with the
 * upstream failure, {@link dev.shmstreams.transport.PeerLostException},
 * {@link dev.shmstreams.transport.ConsumerCancelledException} or
 * {@link dev.shmstreams.transport.RingFullException} as configured.
 */
public final class ShmSink
{
    private ShmSink()
    {
    }

    /**
     * @param settings channel and behaviour.
     * @param writer   writes an element in place into its slot, returns its length.
     * @param <T>      element type.
     * @return the sink.
     */
    public static <T> Sink<T, CompletionStage<Done>> create(final ShmSinkSettings settings, final FrameWriter<T> writer)
    {
        return Sink.fromGraph(new ShmSinkStage<>(settings, writer));
    }

    /**
     * A sink for {@link ByteString}s: each is <em>copied</em> once into its slot.
     *
     * @param settings channel and behaviour.
     * @return the sink.
     */
    public static Sink<ByteString, CompletionStage<Done>> copyingByteStrings(final ShmSinkSettings settings)
    {
        return create(settings, (bytes, frame) ->
        {
            checkFits(bytes.size(), frame.capacity());
            int offset = 0;
            for (final ByteBuffer chunk : bytes.getByteBuffers())
            {
                final int length = chunk.remaining();
                frame.buffer().putBytes(offset, chunk, chunk.position(), length);
                offset += length;
            }
            return offset;
        });
    }

    /**
     * A sink for {@link ByteBuffer}s: the remaining bytes of each are <em>copied</em> once into its slot
     * (the buffer's position is not changed).
     *
     * @param settings channel and behaviour.
     * @return the sink.
     */
    public static Sink<ByteBuffer, CompletionStage<Done>> copyingByteBuffers(final ShmSinkSettings settings)
    {
        return create(settings, (buffer, frame) ->
        {
            final int length = buffer.remaining();
            checkFits(length, frame.capacity());
            frame.buffer().putBytes(0, buffer, buffer.position(), length);
            return length;
        });
    }

    private static void checkFits(final int length, final int capacity)
    {
        if (length > capacity)
        {
            throw new FrameTooLargeException("element of " + length + " bytes does not fit a slot of " + capacity + " bytes");
        }
    }
}
