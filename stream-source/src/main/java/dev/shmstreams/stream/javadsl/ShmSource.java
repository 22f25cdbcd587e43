package dev.shmstreams.stream.javadsl;

import akka.stream.javadsl.Source;
import akka.util.ByteString;
import dev.shmstreams.stream.ShmFrame;
import dev.shmstreams.stream.ShmSourceControl;
import dev.shmstreams.stream.ShmSourceSettings;
import dev.shmstreams.stream.impl.ShmSourceStage;

/**
 * Java API: sources that read frames a producer process writes into a shared-memory channel.
 *
 * <pre>{@code
 * ShmSource.create(ShmSourceSettings.create(system, "camera-1"))
 *          .map(f -> { try (f) { return analyse(f.buffer(), f.length(), f.metadata()); } })
 *          .runWith(Sink.foreach(...), system);
 * }</pre>
 *
 * The source attaches whether it starts before or after the producer (up to the attach timeout),
 * emits frames only on demand, completes when the producer completes, fails with
 * {@link dev.shmstreams.transport.ProducerFailedException} (the producer's message) or
 * {@link dev.shmstreams.transport.PeerLostException} (the producer died; every frame it committed
 * was delivered first), and tells the producer when it is cancelled.
 */
public final class ShmSource
{
    private ShmSource()
    {
    }

    /**
     * Frames in place: each {@link ShmFrame} must be released (closed) exactly once; at most
     * max-held-frames are held at a time.
     *
     * @param settings channel and behaviour.
     * @return the source.
     */
    public static Source<ShmFrame, ShmSourceControl> create(final ShmSourceSettings settings)
    {
        return Source.fromGraph(new ShmSourceStage(settings));
    }

    /**
     * Each frame <em>copied</em> into a {@link ByteString} and released at once.
     *
     * @param settings channel and behaviour.
     * @return the source.
     */
    public static Source<ByteString, ShmSourceControl> bytes(final ShmSourceSettings settings)
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
