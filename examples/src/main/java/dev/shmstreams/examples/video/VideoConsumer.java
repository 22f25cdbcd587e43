package dev.shmstreams.examples.video;

import akka.Done;
import akka.actor.CoordinatedShutdown;
import akka.actor.typed.ActorSystem;
import akka.japi.Pair;
import akka.stream.javadsl.Keep;
import akka.stream.javadsl.Sink;
import dev.shmstreams.examples.ExampleSystem;
import dev.shmstreams.examples.ParentWatch;
import dev.shmstreams.stream.ShmSourceControl;
import dev.shmstreams.stream.ShmSourceSettings;
import dev.shmstreams.stream.javadsl.ShmSource;
import dev.shmstreams.transport.PeerLostException;
import dev.shmstreams.transport.ProducerFailedException;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;

/**
 * The consumer process of the video demo: an Akka graph from a {@link ShmSource}; each frame is
 * checked in place ({@link FrameCheck}) and released as soon as it is checked. Exit code 0 when the
 * stream completed and every frame was the pattern of its id, in order, none twice, with nothing
 * lost beyond what the overflow policy allows; 3 for a corrupt, duplicate, stale, out-of-order or
 * (with backpressure) missing frame, 4 when the producer failed or died.
 */
public final class VideoConsumer
{
    private VideoConsumer()
    {
    }

    public static void main(final String[] args) throws IOException, InterruptedException
    {
        ParentWatch.start();
        final VideoOptions options = VideoOptions.parse(args);
        final Nv12Pattern pattern = options.pattern();
        Files.createDirectories(options.out);
        final ActorSystem<Void> system = ExampleSystem.create("video-consumer", options.dir);
        final FrameCheck check = new FrameCheck(pattern, options.out, System.out);

        final ShmSourceSettings settings = ShmSourceSettings.create(system, options.channel)
            .withWaitStrategy(options.wait).withExpectedGeometry(options.slots, pattern.frameLength())
            .withAttachTimeout(Duration.ofSeconds(60));
        final Pair<ShmSourceControl, CompletionStage<Done>> running = ShmSource.create(settings)
            .map(frame ->
            {
                try (frame)                                       // the slot goes back when checked
                {
                    return check.check(frame);
                }
            })
            .toMat(Sink.ignore(), Keep.both())
            .run(system);
        check.droppedCounter(running.first()::dropped);

        // Ctrl-C / SIGTERM: the producer completes its stream too; drain it and print the summary
        // before the actor system and the JVM go
        final CompletableFuture<Done> reported = new CompletableFuture<>();
        CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseBeforeServiceUnbind(), "drain-video",
            () -> reported);

        String end = "completed";
        int exitCode = 0;
        try
        {
            running.second().toCompletableFuture().get();
        }
        catch (final ExecutionException ex)
        {
            final Throwable cause = ex.getCause();
            end = cause.getClass().getSimpleName() + ": " + cause.getMessage();
            exitCode = cause instanceof ProducerFailedException || cause instanceof PeerLostException ? 4 : 1;
        }
        final boolean lossAllowed = options.overflow != dev.shmstreams.stream.OverflowPolicy.BACKPRESSURE;
        if (exitCode == 0 && (check.errors() > 0 || (check.lost > 0 && !lossAllowed)))
        {
            exitCode = 3;
        }
        check.summary(end);
        reported.complete(Done.getInstance());
        ExampleSystem.terminate(system);
        System.exit(exitCode);
    }
}
