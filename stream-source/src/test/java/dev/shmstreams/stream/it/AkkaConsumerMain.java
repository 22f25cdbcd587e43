package dev.shmstreams.stream.it;

import akka.actor.ActorSystem;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.Source;
import dev.shmstreams.stream.ShmFrame;
import dev.shmstreams.stream.ShmSourceSettings;
import dev.shmstreams.stream.SinkToSourceHelpers;
import dev.shmstreams.stream.javadsl.ShmSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A consumer process running an Akka graph: a ShmSource whose frames are checked (order and
 * CRC32C), optionally throttled to {@code rate} per second. Prints {@code RECEIVED n} every 200 ms,
 * then {@code DONE count=n} or {@code FAILED class message}.
 */
public final class AkkaConsumerMain
{
    private AkkaConsumerMain()
    {
    }

    public static void main(final String[] argv) throws Exception
    {
        final AkkaChild child = AkkaChild.start(argv);
        final ActorSystem system = ActorSystem.create("consumer");
        final long rate = child.number("rate", 0);
        final AtomicLong received = new AtomicLong();
        final ShmSourceSettings settings = ShmSourceSettings.create(system, child.string("channel", "akka"))
            .withDirectory(Path.of(child.string("dir", "/dev/shm"))).withAttachTimeout(Duration.ofSeconds(60));
        Source<ShmFrame, ?> frames = ShmSource.create(settings);
        if (rate > 0)
        {
            frames = frames.throttle((int)rate, Duration.ofSeconds(1));
        }
        final CompletionStage<Long> done = frames
            .map(SinkToSourceHelpers::verify)
            .runWith(Sink.fold(0L, (expected, n) ->
            {
                if (n.longValue() != expected.longValue())
                {
                    throw new IllegalStateException("expected frame " + expected + ", got " + n);
                }
                received.set(expected + 1);
                return expected + 1;
            }), system);
        system.scheduler().scheduleWithFixedDelay(Duration.ZERO, Duration.ofMillis(200), () ->
            AkkaChild.line("RECEIVED " + received.get()), system.dispatcher());
        AkkaChild.line("STARTED");
        int exit = 0;
        try
        {
            AkkaChild.line("DONE count=" + done.toCompletableFuture().get(10, TimeUnit.MINUTES));
        }
        catch (final Exception ex)
        {
            AkkaChild.line("FAILED " + AkkaChild.describe(ex.getCause() == null ? ex : ex.getCause()) +
                " received=" + received.get());
            exit = 1;
        }
        system.terminate();
        system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
        System.exit(exit);
    }
}
