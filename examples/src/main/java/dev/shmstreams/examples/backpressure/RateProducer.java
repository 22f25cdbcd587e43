package dev.shmstreams.examples.backpressure;

import akka.Done;
import akka.NotUsed;
import akka.actor.typed.ActorSystem;
import akka.stream.ThrottleMode;
import akka.stream.javadsl.Source;
import dev.shmstreams.examples.ExampleSystem;
import dev.shmstreams.examples.ParentWatch;
import dev.shmstreams.stream.ShmSinkSettings;
import dev.shmstreams.stream.javadsl.ShmSink;

import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.LongStream;

/**
 * The producer of the backpressure example: a source offering {@code --rate} frames a second (a
 * camera, say) into a {@link ShmSink}. With {@code backpressure} a full ring stops the sink pulling,
 * so the throttle upstream emits only as fast as the consumer releases; with
 * {@code drop-oldest-unread} the sink keeps pulling and the ring's oldest unread frame gives way.
 * Prints {@code SUMMARY pulled=n written=n result=...}.
 */
public final class RateProducer
{
    private RateProducer()
    {
    }

    public static void main(final String[] args) throws InterruptedException
    {
        ParentWatch.start();
        final RateOptions options = RateOptions.parse(args);
        final ActorSystem<Void> system = ExampleSystem.create("rate-producer", options.dir);
        final AtomicLong pulled = new AtomicLong();
        final AtomicLong written = new AtomicLong();
        final ShmSinkSettings settings = ShmSinkSettings.create(system, options.channel)
            .withSlots(options.slots).withSlotSize(RateOptions.FRAME_LENGTH).withOverflowPolicy(options.overflow);

        final Source<Long, NotUsed> frames = Source.fromIterator(() -> LongStream.iterate(0, n -> n + 1).iterator())
            .throttle(options.rate, Duration.ofSeconds(1), Math.max(1, options.rate / 50), ThrottleMode.shaping())
            .takeWithin(Duration.ofMillis((long)(options.seconds * 1000)));
        final CompletionStage<Done> done = frames
            .map(n ->
            {
                pulled.set(n + 1);
                return n;
            })
            .runWith(ShmSink.create(settings, (n, slot) ->
            {
                for (int offset = 0; offset < RateOptions.FRAME_LENGTH; offset += Long.BYTES)
                {
                    slot.buffer().putLong(offset, n ^ offset);
                }
                slot.frameId(n);
                written.incrementAndGet();
                return RateOptions.FRAME_LENGTH;
            }), system);

        String result = "completed";
        try
        {
            done.toCompletableFuture().get();
        }
        catch (final ExecutionException ex)
        {
            result = "failed:_" + ex.getCause();
        }
        System.out.println("SUMMARY pulled=" + pulled.get() + " written=" + written.get() + " result=" +
            result.replace(' ', '_'));
        System.out.flush();
        ExampleSystem.terminate(system);
        System.exit(result.equals("completed") ? 0 : 1);
    }
}
