package dev.shmstreams.examples.video;

import akka.Done;
import akka.NotUsed;
import akka.actor.CoordinatedShutdown;
import akka.actor.typed.ActorSystem;
import akka.japi.Pair;
import akka.stream.KillSwitches;
import akka.stream.UniqueKillSwitch;
import akka.stream.javadsl.Keep;
import akka.stream.javadsl.Source;
import dev.shmstreams.examples.ExampleSystem;
import dev.shmstreams.examples.ParentWatch;
import dev.shmstreams.stream.FrameWriter;
import dev.shmstreams.stream.ShmSinkSettings;
import dev.shmstreams.stream.javadsl.ShmSink;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.LongStream;

/**
 * The producer process of the video demo: an Akka graph of frame numbers (paced by {@code --fps})
 * into a {@link ShmSink} whose writer renders each frame in place into its shared slot, with width,
 * height and checksum in the slot's metadata. Prints {@code SUMMARY key=value...} at the end.
 */
public final class VideoProducer
{
    public static final int METADATA_WIDTH = 0;
    public static final int METADATA_HEIGHT = 4;
    public static final int METADATA_CHECKSUM = 8;

    private VideoProducer()
    {
    }

    /**
     * @param pattern what to render.
     * @param written counts frames written.
     * @return the sink's writer: renders frame {@code n} straight into the claimed slot.
     */
    static FrameWriter<Long> writer(final Nv12Pattern pattern, final AtomicLong written)
    {
        // #video-writer
        return (frameNumber, slot) ->
        {
            final long checksum = pattern.render(slot.buffer(), frameNumber);   // in place, in shared memory
            slot.metadata().putInt(METADATA_WIDTH, pattern.width());
            slot.metadata().putInt(METADATA_HEIGHT, pattern.height());
            slot.metadata().putLong(METADATA_CHECKSUM, checksum);
            slot.frameId(frameNumber);                                           // the consumer sees gaps
            written.incrementAndGet();
            return pattern.frameLength();                                        // bytes to publish
        };
        // #video-writer
    }

    /** @return frame numbers 0, 1, 2, ... at {@code fps} (0 = as fast as the sink pulls). */
    static Source<Long, NotUsed> frameNumbers(final double fps)
    {
        final Source<Long, NotUsed> numbers = Source.fromIterator(() -> LongStream.iterate(0, n -> n + 1).iterator());
        if (fps <= 0)
        {
            return numbers;
        }
        // a burst of a few frames lets the throttle keep its rate despite the scheduler's 10 ms tick
        final int perSecond = (int)Math.max(1, Math.round(fps));
        return numbers.throttle(perSecond, Duration.ofSeconds(1), Math.max(1, perSecond / 50),
            akka.stream.ThrottleMode.shaping());
    }

    public static void main(final String[] args) throws InterruptedException
    {
        ParentWatch.start();
        final VideoOptions options = VideoOptions.parse(args);
        final Nv12Pattern pattern = options.pattern();
        final ActorSystem<Void> system = ExampleSystem.create("video-producer", options.dir);
        final AtomicLong pulled = new AtomicLong();
        final AtomicLong written = new AtomicLong();

        final ShmSinkSettings settings = ShmSinkSettings.create(system, options.channel)
            .withSlots(options.slots).withSlotSize(pattern.frameLength())
            .withWaitStrategy(options.wait).withOverflowPolicy(options.overflow)
            .withMetadata("video/x-raw,format=NV12,width=" + pattern.width() + ",height=" + pattern.height());
        final long start = System.nanoTime();
        final Source<Long, NotUsed> frames = frameNumbers(options.fps)
            .takeWithin(Duration.ofMillis((long)(options.durationSeconds * 1000)));
        final Pair<UniqueKillSwitch, CompletionStage<Done>> running = frames
            .map(n ->
            {
                pulled.set(n + 1);
                return n;
            })
            .viaMat(KillSwitches.single(), Keep.right())
            .toMat(ShmSink.create(settings, writer(pattern, written)), Keep.both())
            .run(system);

        // Ctrl-C / SIGTERM: complete the stream (the consumer drains what is in the ring) and let
        // the main thread print its summary before the actor system and the JVM go
        final CompletableFuture<Done> reported = new CompletableFuture<>();
        CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseBeforeServiceUnbind(), "complete-video",
            () ->
            {
                running.first().shutdown();
                return reported;
            });

        String result = "completed";
        int exitCode = 0;
        try
        {
            running.second().toCompletableFuture().get();
        }
        catch (final ExecutionException ex)
        {
            final Throwable cause = ex.getCause();
            result = "failed: " + cause.getClass().getSimpleName() + ": " + cause.getMessage();
            exitCode = 3;
        }
        System.out.printf("SUMMARY pulled=%d written=%d seconds=%.2f result=%s%n", pulled.get(), written.get(),
            (System.nanoTime() - start) / 1e9, result.replace(' ', '_'));
        System.out.flush();
        reported.complete(Done.getInstance());
        ExampleSystem.terminate(system);
        System.exit(exitCode);
    }
}
