package dev.shmstreams.benchmarks.peers;

import akka.Done;
import akka.NotUsed;
import akka.actor.ActorSystem;
import akka.japi.Pair;
import akka.stream.KillSwitches;
import akka.stream.UniqueKillSwitch;
import akka.stream.javadsl.Keep;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.Source;
import dev.shmstreams.benchmarks.ChildContext;
import dev.shmstreams.benchmarks.WindowClock;

import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A reference for the stages, in one process: {@code Source.repeat(..).async.runWith(Sink.ignore)},
 * the rate at which Akka moves elements across one asynchronous boundary (two actors) on the
 * default dispatcher. Elements are counted before the boundary (a release store, on the upstream
 * actor) and the rate is the median of 10 slices of the window, like every other peer's.
 */
final class AkkaAsyncBaseline
{
    private AkkaAsyncBaseline()
    {
    }

    static void run(final ChildContext ctx, final PhaseControl control, final List<Phase> phases) throws Exception
    {
        final ActorSystem system = AkkaPeers.system(ctx, "akka-async", "");
        try
        {
            for (int p = 0; p < phases.size(); p++)
            {
                final Phase phase = phases.get(p);
                final AtomicLong count = new AtomicLong();
                final Pair<UniqueKillSwitch, CompletionStage<Done>> graph = Source.repeat(NotUsed.getInstance())
                    .map(element ->
                    {
                        count.lazySet(count.get() + 1);
                        return element;
                    })
                    .viaMat(KillSwitches.single(), Keep.right())
                    .async()
                    .toMat(Sink.ignore(), Keep.both())
                    .run(system);
                control.advance(p, PhaseControl.WARMING);
                Thread.sleep(phase.warmupMs);
                control.advance(p, PhaseControl.MEASURING);
                final double[] slices = new double[WindowClock.SLICES];
                final long start = System.nanoTime();
                final long first = count.get();
                long sliceStart = start;
                long sliceCount = first;
                for (int i = 0; i < slices.length; i++)
                {
                    Thread.sleep(phase.measureMs / slices.length);
                    final long now = System.nanoTime();
                    final long n = count.get();
                    slices[i] = (n - sliceCount) * 1e9 / (now - sliceStart);
                    sliceStart = now;
                    sliceCount = n;
                }
                control.advance(p, PhaseControl.STOPPED);
                graph.first().shutdown();
                AkkaPeers.awaitQuietly(ctx, graph.second(), "async graph");
                ctx.result(phase.name + ".framesPerSecond", WindowClock.median(slices));
                ctx.result(phase.name + ".windowFramesPerSecond", (sliceCount - first) * 1e9 / (sliceStart - start));
                ctx.result(phase.name + ".framesMeasured", sliceCount - first);
            }
        }
        finally
        {
            AkkaPeers.terminate(system);
        }
    }
}
