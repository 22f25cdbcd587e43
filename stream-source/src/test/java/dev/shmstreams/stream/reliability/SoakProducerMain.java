package dev.shmstreams.stream.reliability;

import akka.Done;
import akka.actor.ActorSystem;
import akka.stream.javadsl.Source;
import dev.shmstreams.stream.ShmSinkSettings;
import dev.shmstreams.stream.it.AkkaChild;
import dev.shmstreams.stream.javadsl.ShmSink;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The stage soak's producer process: an Akka graph of frame numbers for {@code seconds}, into a
 * ShmSink writing {@link SoakFrames} of {@code frameLength} bytes (4K NV12 by default) at full
 * rate. Lines: {@code MEM t=s heapAfterGc=.. rssAnonKb=..} every {@code memEvery} seconds,
 * {@code DONE published=N seconds=S} or {@code FAILED ..}.
 */
public final class SoakProducerMain
{
    private SoakProducerMain()
    {
    }

    public static void main(final String[] argv) throws Exception
    {
        final AkkaChild child = AkkaChild.start(argv);
        final ActorSystem system = ActorSystem.create("soak-producer");
        final int frameLength = (int)child.number("frameLength", 12_441_600);
        final long seconds = child.number("seconds", 20);
        final ShmSinkSettings settings = ShmSinkSettings.create(system, child.string("channel", "soak"))
            .withDirectory(Path.of(child.string("dir", "/dev/shm"))).withSlots((int)child.number("slots", 8))
            .withSlotSize(frameLength);
        final AtomicLong written = new AtomicLong();
        final long start = System.nanoTime();
        final CompletionStage<Done> done = Source.range(0, Integer.MAX_VALUE - 1)
            .takeWithin(Duration.ofSeconds(seconds))
            .map(n ->
            {
                written.incrementAndGet();
                return n;
            })
            .runWith(ShmSink.create(settings, SoakFrames.writer(frameLength, child.number("seed", 1))), system);
        final long memEvery = child.number("memEvery", 3);
        system.scheduler().scheduleWithFixedDelay(Duration.ofSeconds(memEvery), Duration.ofSeconds(memEvery), () ->
            AkkaChild.line("MEM t=" + TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start) + " frames=" +
                written.get() + " " + SoakFrames.memory()), system.dispatcher());
        AkkaChild.line("STARTED");
        int exit = 0;
        try
        {
            done.toCompletableFuture().get(seconds + 300, TimeUnit.SECONDS);
            AkkaChild.line("DONE published=" + written.get() + " seconds=" +
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) / 1000.0);
        }
        catch (final Exception ex)
        {
            AkkaChild.line("FAILED " + AkkaChild.describe(ex.getCause() == null ? ex : ex.getCause()));
            exit = 1;
        }
        system.terminate();
        system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
        System.exit(exit);
    }
}
