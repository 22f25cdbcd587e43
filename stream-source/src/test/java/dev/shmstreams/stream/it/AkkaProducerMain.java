package dev.shmstreams.stream.it;

import akka.Done;
import akka.actor.ActorSystem;
import akka.actor.typed.javadsl.Adapter;
import akka.stream.javadsl.Source;
import dev.shmstreams.control.ShmStreams;
import dev.shmstreams.stream.ShmSinkSettings;
import dev.shmstreams.stream.SinkToSourceHelpers;
import dev.shmstreams.stream.javadsl.ShmSink;

import dev.shmstreams.transport.layout.HeaderDescriptor;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A producer process running an Akka graph: {@code Source.range(0, frames)} into a ShmSink writing
 * checksummed frames. Prints {@code PULLED n released=r heap=bytes} every 200 ms (elements upstream
 * has handed to the sink, and the consumer's released sequence read from the segment at the same
 * moment), then {@code DONE} or {@code FAILED class message}.
 *
 * <p>{@code payload=N}: each element is a freshly allocated N-byte array (frame number first, then
 * bytes derived from it) that the sink copies into the slot, as a graph producing real data would:
 * a sink that kept elements would then keep N bytes per frame. {@code memEvery=K}: after every K
 * elements pulled, a full GC and {@code MEM frames=n heapAfterGc=bytes}. {@code rate=R}: upstream
 * throttled to R elements per second. {@code go=PATH}: see {@link AkkaChild#awaitGo()}.
 */
public final class AkkaProducerMain
{
    private AkkaProducerMain()
    {
    }

    /** The consumer's released sequence, from a read-only mapping of the segment's header page. */
    private static long released(final Path segment, final UnsafeBuffer[] header)
    {
        if (header[0] == null)
        {
            try (FileChannel channel = FileChannel.open(segment, StandardOpenOption.READ))
            {
                header[0] = new UnsafeBuffer(channel.map(FileChannel.MapMode.READ_ONLY, 0, 4096));
            }
            catch (final IOException ex)
            {
                return -1;
            }
        }
        return header[0].getLongVolatile(HeaderDescriptor.releasedSequenceOffset(0));
    }

    public static void main(final String[] argv) throws Exception
    {
        final AkkaChild child = AkkaChild.start(argv);
        final ActorSystem system = ActorSystem.create("producer");
        // loaded before the go signal, so a child started ahead of its turn is quick when it comes
        ShmStreams.get(Adapter.toTyped(system));
        child.awaitGo();
        final long frames = child.number("frames", Long.MAX_VALUE);
        final int rate = (int)child.number("rate", 0);
        final AtomicLong pulled = new AtomicLong();
        final ShmSinkSettings settings = ShmSinkSettings.create(system, child.string("channel", "akka"))
            .withDirectory(Path.of(child.string("dir", "/dev/shm"))).withSlots((int)child.number("slots", 16))
            .withSlotSize(4096);
        final int payload = (int)child.number("payload", 0);
        final Source<Integer, ?> range = Source.range(0, (int)Math.min(frames, Integer.MAX_VALUE) - 1);
        final Source<Integer, ?> numbers = (rate > 0 ? range.throttle(rate, Duration.ofSeconds(1)) : range)
            .map(n ->
            {
                pulled.incrementAndGet();
                return n;
            });
        final CompletionStage<Done> done = payload == 0 ?
            numbers.runWith(ShmSink.create(settings, SinkToSourceHelpers.WRITER), system) :
            numbers.map(n -> SinkToSourceHelpers.payload(n, payload))
                .runWith(ShmSink.create(settings, SinkToSourceHelpers.copyingWriter()), system);
        final long memEvery = child.number("memEvery", 0);
        final AtomicLong nextSample = new AtomicLong(memEvery);
        final Path segment = Path.of(child.string("dir", "/dev/shm")).resolve(child.string("channel", "akka"));
        final UnsafeBuffer[] header = new UnsafeBuffer[1];
        system.scheduler().scheduleWithFixedDelay(Duration.ZERO, Duration.ofMillis(200), () ->
        {
            // pulled first, released second: released only grows, so pulled - released bounds the
            // frames in flight at one instant
            final long upstream = pulled.get();
            final long released = released(segment, header);
            AkkaChild.line("PULLED " + upstream + " released=" + released + " heap=" +
                ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
            if (memEvery > 0 && upstream >= nextSample.get())
            {
                // the next sample K elements after this one was due, not after this tick: at 800
                // elements/s a 200 ms tick sees 160, and "upstream + K" took a sample only every
                // second tick (11 samples over 4,000 elements instead of 20)
                nextSample.set(Math.max(nextSample.get() + memEvery, upstream + 1));
                AkkaChild.line("MEM frames=" + upstream + " heapAfterGc=" + SinkToSourceHelpers.heapAfterGc());
            }
        }, system.dispatcher());
        AkkaChild.line("STARTED");
        int exit = 0;
        try
        {
            done.toCompletableFuture().get(10, TimeUnit.MINUTES);
            AkkaChild.line("DONE pulled=" + pulled.get());
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
