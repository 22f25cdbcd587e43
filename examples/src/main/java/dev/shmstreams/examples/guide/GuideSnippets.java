package dev.shmstreams.examples.guide;

import akka.Done;
import akka.NotUsed;
import akka.actor.typed.ActorSystem;
import akka.japi.Pair;
import akka.stream.javadsl.Keep;
import akka.stream.ActorAttributes;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.Source;
import akka.util.ByteString;
import dev.shmstreams.stream.OverflowPolicy;
import dev.shmstreams.stream.PeerGoneAction;
import dev.shmstreams.stream.ShmFrame;
import dev.shmstreams.stream.ShmSinkSettings;
import dev.shmstreams.stream.ShmSourceControl;
import dev.shmstreams.stream.ShmSourceSettings;
import dev.shmstreams.stream.javadsl.ShmSink;
import dev.shmstreams.stream.javadsl.ShmSource;
import dev.shmstreams.transport.ChannelSettings;
import dev.shmstreams.transport.Frame;
import dev.shmstreams.transport.ShmConsumer;
import dev.shmstreams.transport.ShmProducer;
import dev.shmstreams.transport.WaitStrategy;
import dev.shmstreams.transport.WritableFrame;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * The code of docs/guide.md. Each region between two {@code // #name} lines is copied into the
 * guide verbatim; GuideDocTest fails when the guide and this file differ, and GuideSnippetsTest
 * runs every method here (both ends in one JVM, in a private directory), so no snippet in the guide
 * is untested.
 */
public final class GuideSnippets
{
    private GuideSnippets()
    {
    }

    /** The producer side: an Akka graph into a ShmSink. */
    public static CompletionStage<Done> sink(final ActorSystem<?> system, final String channel)
    {
        // #sink
        final ShmSinkSettings settings = ShmSinkSettings.create(system, channel)   // shm-streams.* from the config
            .withSlots(8)                                                          // ring of 8 frames
            .withSlotSize(4096);                                                   // the largest frame, in bytes
        final CompletionStage<Done> produced = Source.range(1, 1000)
            .runWith(ShmSink.create(settings, (n, slot) ->
            {
                slot.buffer().putInt(0, n);                     // write the payload in place, in shared memory
                slot.metadata().putLong(0, n * 10L);            // 64 bytes of per-frame metadata
                return Integer.BYTES;                           // the frame's length
            }), system);
        // #sink
        return produced;
    }

    /** The consumer side: a ShmSource into an Akka graph. */
    public static CompletionStage<Integer> source(final ActorSystem<?> system, final String channel)
    {
        // #source
        final Source<ShmFrame, ShmSourceControl> frames = ShmSource.create(ShmSourceSettings.create(system, channel));
        final CompletionStage<Integer> sum = frames
            .map(frame ->
            {
                try (frame)                                     // release the slot when done, exactly once
                {
                    return frame.buffer().getInt(0);            // read in place
                }
            })
            .runWith(Sink.fold(0, Integer::sum), system);
        // #source
        return sum;
    }

    /** The lowest latency: busy-spin on the spinning dispatcher; returns each frame's age at arrival, ns. */
    public static CompletionStage<List<Long>> lowLatency(final ActorSystem<?> system, final String channel)
    {
        // #low-latency
        final CompletionStage<List<Long>> ages = ShmSource.create(ShmSourceSettings.create(system, channel)
                .withWaitStrategy(WaitStrategy.BUSY_SPIN))                  // spin, never sleep on the futex
            .map(frame ->
            {
                try (frame)
                {
                    return System.nanoTime() - frame.timestampNanos();    // same clock in both processes
                }
            })
            .withAttributes(ActorAttributes.dispatcher("shm-streams.spinning-dispatcher"))
            .runWith(Sink.seq(), system);
        // #low-latency
        return ages;
    }

    /** Holding a frame across an asynchronous stage, and the materialized control. */
    public static Pair<ShmSourceControl, CompletionStage<List<Long>>> holdAcrossAsync(
        final ActorSystem<?> system, final String channel)
    {
        // #hold
        final Pair<ShmSourceControl, CompletionStage<List<Long>>> running =
            ShmSource.create(ShmSourceSettings.create(system, channel).withMaxHeldFrames(4))
                .mapAsync(4, frame -> CompletableFuture.supplyAsync(() ->
                {
                    try (frame)                                 // released on another thread: allowed
                    {
                        return frame.metadata().getLong(0);
                    }
                }))
                .toMat(Sink.seq(), Keep.both())
                .run(system);
        final ShmSourceControl control = running.first();
        control.attached().thenRun(() -> System.out.println("attached to " + channel));
        // #hold
        return running;
    }

    /** Settings in code: overflow policy, wait strategy, what to do when the consumer goes. */
    public static ShmSinkSettings liveVideoSettings(final ActorSystem<?> system)
    {
        // #sink-settings
        final ShmSinkSettings live = ShmSinkSettings.create(system, "camera-1")
            .withSlots(4)
            .withSlotSize(3840 * 2160 * 3 / 2)                              // a 4K NV12 frame
            .withOverflowPolicy(OverflowPolicy.DROP_OLDEST_UNREAD)          // live: the unread oldest gives way
            .withWaitStrategy(WaitStrategy.BLOCKING)                        // futex: no CPU while idle
            .withOnConsumerLost(PeerGoneAction.WAIT)                        // keep going for a restarted consumer
            .withDrainTimeout(Duration.ofSeconds(2))
            .withMetadata("video/x-raw,format=NV12,width=3840,height=2160");
        // #sink-settings
        return live;
    }

    /** The copying convenience variants. */
    public static CompletionStage<List<ByteString>> copying(final ActorSystem<?> system, final String channel)
    {
        // #copying
        Source.from(List.of(ByteString.fromString("one"), ByteString.fromString("two")))
            .runWith(ShmSink.copyingByteStrings(ShmSinkSettings.create(system, channel)), system);  // one copy in
        final CompletionStage<List<ByteString>> received =
            ShmSource.bytes(ShmSourceSettings.create(system, channel))                             // one copy out
                .runWith(Sink.seq(), system);
        // #copying
        return received;
    }

    /** The transport underneath, without Akka: one frame each way. */
    public static long transport(final Path directory) throws InterruptedException
    {
        // #transport
        final ChannelSettings settings = ChannelSettings.create("guide-transport").withDirectory(directory)
            .withSlotCount(8).withSlotSize(4096);
        try (ShmProducer producer = ShmProducer.create(settings);
             ShmConsumer consumer = ShmConsumer.attach(settings))
        {
            final long claimed = producer.tryClaim();                 // or RING_FULL: producer.awaitSpace(timeout)
            final WritableFrame slot = producer.frame(claimed);
            slot.buffer().putLong(0, 42);                            // in place
            producer.commit(claimed, Long.BYTES);                    // one release store publishes it
            producer.complete();

            long sequence;
            while ((sequence = consumer.poll()) == ShmConsumer.EMPTY)
            {
                consumer.awaitFrames(TimeUnit.MILLISECONDS.toNanos(100));
            }
            try (Frame frame = consumer.frame(sequence))             // close() releases the slot
            {
                return frame.buffer().getLong(0);
            }
        }
        // #transport
    }

    /** A source that runs until it is stopped from outside the stream. */
    public static Pair<ShmSourceControl, CompletionStage<Done>> stoppable(final ActorSystem<?> system,
        final String channel)
    {
        // #stop
        final Pair<ShmSourceControl, CompletionStage<Done>> running = ShmSource.create(
                ShmSourceSettings.create(system, channel))
            .map(frame ->
            {
                frame.release();
                return NotUsed.getInstance();
            })
            .toMat(Sink.ignore(), Keep.both())
            .run(system);
        final ShmSourceControl control = running.first();
        control.attached().thenRun(control::stop);   // the producer sees a cancellation; this stream completes
        // #stop
        return running;
    }
}
