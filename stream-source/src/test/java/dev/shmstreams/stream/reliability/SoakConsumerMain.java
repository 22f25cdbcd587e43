package dev.shmstreams.stream.reliability;

import akka.Done;
import akka.actor.ActorSystem;
import akka.stream.javadsl.Sink;
import dev.shmstreams.stream.ShmSourceSettings;
import dev.shmstreams.stream.it.AkkaChild;
import dev.shmstreams.stream.javadsl.ShmSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32C;

/**
 * The stage soak's consumer process: a ShmSource whose every frame is checked in place
 * ({@link SoakFrames#check}) and released; the frame numbers must follow each other. Lines:
 * {@code MEM ..} every {@code memEvery} seconds, then {@code RESULT received=N next=N lost=N
 * duplicated=N corrupt=N framesPerSecond=F gigabytesPerSecond=G} or {@code FAILED ..}.
 */
public final class SoakConsumerMain
{
    private SoakConsumerMain()
    {
    }

    public static void main(final String[] argv) throws Exception
    {
        final AkkaChild child = AkkaChild.start(argv);
        final ActorSystem system = ActorSystem.create("soak-consumer");
        final int frameLength = (int)child.number("frameLength", 12_441_600);
        final ShmSourceSettings settings = ShmSourceSettings.create(system, child.string("channel", "soak"))
            .withDirectory(Path.of(child.string("dir", "/dev/shm"))).withAttachTimeout(Duration.ofSeconds(120));
        final CRC32C crc = new CRC32C();
        final AtomicLong received = new AtomicLong();
        final AtomicLong next = new AtomicLong();
        final AtomicLong lost = new AtomicLong();
        final AtomicLong duplicated = new AtomicLong();
        final AtomicLong corrupt = new AtomicLong();
        final long[] firstAt = { 0 };
        final CompletionStage<Done> done = ShmSource.create(settings)
            .runWith(Sink.foreach(frame ->
            {
                try (frame)
                {
                    if (firstAt[0] == 0)
                    {
                        firstAt[0] = System.nanoTime();
                    }
                    final long n = SoakFrames.check(frame, frameLength, crc);
                    received.incrementAndGet();
                    if (n < 0)
                    {
                        corrupt.incrementAndGet();
                    }
                    else if (n < next.get())
                    {
                        duplicated.incrementAndGet();
                    }
                    else
                    {
                        lost.addAndGet(n - next.get());
                        next.set(n + 1);
                    }
                }
            }), system);
        final long start = System.nanoTime();
        final long memEvery = child.number("memEvery", 3);
        system.scheduler().scheduleWithFixedDelay(Duration.ofSeconds(memEvery), Duration.ofSeconds(memEvery), () ->
            AkkaChild.line("MEM t=" + TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start) + " frames=" +
                received.get() + " " + SoakFrames.memory()), system.dispatcher());
        AkkaChild.line("STARTED");
        int exit = 0;
        try
        {
            done.toCompletableFuture().get(child.number("maxSeconds", 600), TimeUnit.SECONDS);
            final double elapsed = Math.max(1e-9, (System.nanoTime() - firstAt[0]) / 1e9);
            AkkaChild.line("RESULT received=" + received.get() + " next=" + next.get() + " lost=" + lost.get() +
                " duplicated=" + duplicated.get() + " corrupt=" + corrupt.get() + " framesPerSecond=" +
                String.format("%.1f", received.get() / elapsed) + " gigabytesPerSecond=" +
                String.format("%.2f", received.get() * (double)frameLength / elapsed / 1e9));
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
