package dev.shmstreams.stream.it;

import akka.actor.ActorSystem;
import akka.actor.typed.javadsl.Adapter;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.Source;
import dev.shmstreams.control.ShmStreams;
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
 * CRC32C), optionally throttled to {@code rate} per second. Prints {@code RECEIVED n} (frames
 * verified) every 200 ms, then {@code RESULT first=.. next=.. redelivered=..} and
 * {@code DONE count=n}, or {@code FAILED class message}.
 *
 * <p>A consumer re-attaching after a killed one gets {@code expectFrom=R} (the first frame must be
 * R, the released sequence the dead one left) and {@code redeliveredBelow=C} (frames below C, which
 * the dead one had polled, must be flagged redelivered, later ones not). Every frame's sequence
 * must equal the number in its payload. {@code go=PATH}: see {@link AkkaChild#awaitGo()}.
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
        // loaded before the go signal, so a child started ahead of its turn is quick when it comes
        ShmStreams.get(Adapter.toTyped(system));
        child.awaitGo();
        final long rate = child.number("rate", 0);
        final long expectFrom = child.number("expectFrom", 0);
        final long redeliveredBelow = child.number("redeliveredBelow", 0);
        final AtomicLong received = new AtomicLong();
        final AtomicLong redelivered = new AtomicLong();
        final ShmSourceSettings settings = ShmSourceSettings.create(system, child.string("channel", "akka"))
            .withDirectory(Path.of(child.string("dir", "/dev/shm"))).withAttachTimeout(Duration.ofSeconds(60));
        Source<ShmFrame, ?> frames = ShmSource.create(settings);
        if (rate > 0)
        {
            frames = frames.throttle((int)rate, Duration.ofSeconds(1));
        }
        final CompletionStage<Long> done = frames
            .map(frame ->
            {
                final long sequence = frame.sequence();
                final boolean again = frame.isRedelivered();
                final int n = SinkToSourceHelpers.verify(frame);
                if (n != sequence)
                {
                    throw new IllegalStateException("frame " + n + " has sequence " + sequence);
                }
                if (again != n < redeliveredBelow)
                {
                    throw new IllegalStateException("frame " + n + (again ? " is" : " is not") + " flagged " +
                        "redelivered; frames below " + redeliveredBelow + " must be, the others not");
                }
                redelivered.addAndGet(again ? 1 : 0);
                return n;
            })
            .runWith(Sink.fold(expectFrom, (expected, n) ->
            {
                if (n.longValue() != expected.longValue())
                {
                    throw new IllegalStateException("expected frame " + expected + ", got " + n);
                }
                received.incrementAndGet();
                return expected + 1;
            }), system);
        system.scheduler().scheduleWithFixedDelay(Duration.ZERO, Duration.ofMillis(200), () ->
            AkkaChild.line("RECEIVED " + received.get()), system.dispatcher());
        AkkaChild.line("STARTED");
        int exit = 0;
        try
        {
            final long next = done.toCompletableFuture().get(10, TimeUnit.MINUTES);
            AkkaChild.line("RESULT first=" + expectFrom + " next=" + next + " redelivered=" + redelivered.get());
            AkkaChild.line("DONE count=" + received.get());
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
