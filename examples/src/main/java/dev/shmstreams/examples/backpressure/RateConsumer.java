package dev.shmstreams.examples.backpressure;

import akka.Done;
import akka.actor.typed.ActorSystem;
import akka.stream.javadsl.Sink;
import dev.shmstreams.examples.ExampleSystem;
import dev.shmstreams.examples.ParentWatch;
import dev.shmstreams.stream.ShmFrame;
import dev.shmstreams.stream.ShmSourceSettings;
import dev.shmstreams.stream.javadsl.ShmSource;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The consumer of the backpressure example: keeps up for the first third of the run, then each
 * frame takes {@code 1 / --slow-rate} seconds of "work" (an asynchronous delay: nothing blocks a
 * thread), then keeps up again. The frame is verified and released <em>before</em> the work: with
 * drop-oldest-unread a frame the consumer still holds cannot be dropped, and the oldest frame's slot
 * is the only one the producer can reuse, so a consumer that held each frame through slow work
 * would stall the producer as surely as backpressure does. Verifies every frame's content and counts
 * the frame ids it never saw. Prints {@code PHASE slow|fast} when it changes pace and
 * {@code SUMMARY received=n lost=n bad=n}.
 */
public final class RateConsumer
{
    private RateConsumer()
    {
    }

    public static void main(final String[] args) throws InterruptedException
    {
        ParentWatch.start();
        final RateOptions options = RateOptions.parse(args);
        final ActorSystem<Void> system = ExampleSystem.create("rate-consumer", options.dir);
        final long third = (long)(options.seconds * 1e9 / 3);
        final long work = 1_000_000_000L / options.slowRate;
        final long[] counts = new long[3];   // received, lost, bad: touched by one mapAsync at a time
        final long[] state = { -1, 0, 0 };   // first arrival, next expected id, phase (0 fast, 1 slow, 2 fast)

        // #release-before-work
        final CompletionStage<Done> done = ShmSource.create(ShmSourceSettings.create(system, options.channel)
                .withExpectedGeometry(options.slots, RateOptions.FRAME_LENGTH))
            .map(frame -> check(frame, counts, state))          // verify in place and release the slot at once
            .mapAsync(1, id ->                                  // then the slow "work", on what was read
            {
                final long now = System.nanoTime();
                if (state[0] < 0)
                {
                    state[0] = now;
                }
                final int phase = (int)Math.min(2, (now - state[0]) / third);
                if (phase != state[2])
                {
                    state[2] = phase;
                    System.out.println("PHASE " + (phase == 1 ? "slow" : "fast"));
                }
                return phase != 1 ? CompletableFuture.completedFuture(id) :
                    CompletableFuture.supplyAsync(() -> id, CompletableFuture.delayedExecutor(work, TimeUnit.NANOSECONDS));
            })
            .runWith(Sink.ignore(), system);
        // #release-before-work

        String end = "completed";
        try
        {
            done.toCompletableFuture().get();
        }
        catch (final ExecutionException ex)
        {
            end = String.valueOf(ex.getCause());
        }
        System.out.println("SUMMARY received=" + counts[0] + " lost=" + counts[1] + " bad=" + counts[2] + " end=" +
            end.replace(' ', '_'));
        System.out.flush();
        ExampleSystem.terminate(system);
        System.exit(end.equals("completed") && counts[2] == 0 ? 0 : 1);
    }

    /** Verify every word, count gaps, release. */
    private static long check(final ShmFrame frame, final long[] counts, final long[] state)
    {
        try (frame)
        {
            final long id = frame.frameId();
            for (int offset = 0; offset < frame.length(); offset += Long.BYTES)
            {
                if (frame.buffer().getLong(offset) != (id ^ offset))
                {
                    counts[2]++;
                    break;
                }
            }
            counts[0]++;
            counts[1] += Math.max(0, id - state[1]);
            state[1] = id + 1;
            return id;
        }
    }
}
