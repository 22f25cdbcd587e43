package dev.shmstreams.benchmarks.peers;

import akka.Done;
import akka.NotUsed;
import akka.actor.ActorSystem;
import akka.japi.Pair;
import akka.stream.ActorAttributes;
import akka.stream.Attributes;
import akka.stream.KillSwitches;
import akka.stream.UniqueKillSwitch;
import akka.stream.javadsl.Keep;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.Source;
import dev.shmstreams.benchmarks.ChildContext;
import dev.shmstreams.stream.FrameWriter;
import dev.shmstreams.stream.ShmSinkSettings;
import dev.shmstreams.stream.ShmSourceSettings;
import dev.shmstreams.stream.javadsl.ShmSink;
import dev.shmstreams.stream.javadsl.ShmSource;
import dev.shmstreams.transport.WaitStrategy;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * This project's Akka stages across two processes, each running an Akka graph:
 * {@code Source.repeat -> ShmSink} (the writer fills each message in place in its slot) and
 * {@code ShmSource -> takeWhile(read every byte, release) -> Sink.ignore}.
 *
 * <p>"spin" phases: wait strategy BUSY_SPIN and both graphs on {@code shm-streams.spinning-dispatcher}
 * (its one thread pinned like the other peers' hot threads), the configuration for the lowest
 * latency. "blocking" phases: the default BLOCKING strategy (futex) on Akka's default dispatcher;
 * "blocking-dispatcher": the same, with the consumer's graph on {@code shm-streams.blocking-dispatcher},
 * whose thread sleeps on the channel's futex itself (one wake-up per message instead of two).
 * At a fixed rate the producer's writer waits for each message's due time in the stage, which is
 * the producer's own work.
 */
final class StagesPeer
{
    private static final String BLOCKING_DISPATCHER = "shm-streams.blocking-dispatcher";

    private StagesPeer()
    {
    }

    private static String channel(final ChildContext ctx, final int index)
    {
        return "stages-r" + ctx.string("round") + "-p" + index;
    }

    private static Attributes dispatcher(final Phase phase)
    {
        return phase.blocking() ? Attributes.none() : ActorAttributes.dispatcher(AkkaPeers.SPINNING_DISPATCHER);
    }

    /** The consumer's: as the producer's, but on shm-streams.blocking-dispatcher in that phase. */
    private static Attributes consumerDispatcher(final Phase phase)
    {
        return phase.onBlockingDispatcher() ? ActorAttributes.dispatcher(BLOCKING_DISPATCHER) : dispatcher(phase);
    }

    private static WaitStrategy strategy(final Phase phase)
    {
        return phase.blocking() ? WaitStrategy.BLOCKING : WaitStrategy.BUSY_SPIN;
    }

    static void produce(final ChildContext ctx, final PhaseControl control, final List<Phase> phases) throws Exception
    {
        final ActorSystem system = AkkaPeers.system(ctx, "stages-producer", "");
        try
        {
            AkkaPeers.pinSpinningDispatcher(ctx, system);
            for (int p = 0; p < phases.size(); p++)
            {
                final Phase phase = phases.get(p);
                // on the spinning dispatcher the writer runs on its one pinned thread; on the default
                // dispatcher on any of its pool's, which stay at normal priority as they stay unpinned
                final Sender sender = phase.blocking() ? new Sender(phase, control, p) :
                    new Sender(phase, control, p).withRealtimeWait();
                final FrameWriter<NotUsed> writer = (nothing, frame) ->
                {
                    final long intended = sender.awaitDue();
                    sender.write(frame.buffer(), 0, intended);
                    return phase.length;
                };
                final ShmSinkSettings settings = ShmSinkSettings.create(system, channel(ctx, p))
                    .withDirectory(ctx.directory()).withSlots(phase.slots()).withSlotSize(phase.length)
                    .withWaitStrategy(strategy(phase));
                final Pair<UniqueKillSwitch, CompletionStage<Done>> graph = Source.repeat(NotUsed.getInstance())
                    .viaMat(KillSwitches.single(), Keep.right())
                    .toMat(ShmSink.create(settings, writer), Keep.both())
                    .addAttributes(dispatcher(phase))
                    .run(system);
                if (!control.awaitStopped(p, PeerChild.PEER_TIMEOUT_NANOS))
                {
                    throw new IllegalStateException(phase.name + ": the consumer never stopped the phase");
                }
                graph.first().shutdown();
                AkkaPeers.awaitQuietly(ctx, graph.second(), phase.name + " producer graph");
                if (!phase.blocking())
                {
                    AkkaPeers.onSpinningDispatcher(system, () ->
                    {
                        sender.finish();
                        return null;
                    });
                }
            }
        }
        finally
        {
            AkkaPeers.terminate(system);
        }
    }

    static void consume(final ChildContext ctx, final PhaseControl control, final List<Phase> phases) throws Exception
    {
        final ActorSystem system = AkkaPeers.system(ctx, "stages-consumer", "");
        try
        {
            AkkaPeers.pinSpinningDispatcher(ctx, system);
            for (int p = 0; p < phases.size(); p++)
            {
                final Phase phase = phases.get(p);
                final Meter meter = new Meter(ctx, control, p, phase);
                final ShmSourceSettings settings = ShmSourceSettings.create(system, channel(ctx, p))
                    .withDirectory(ctx.directory()).withWaitStrategy(strategy(phase))
                    .withAttachTimeout(Duration.ofSeconds(30));
                final CompletionStage<Done> done = ShmSource.create(settings)
                    .takeWhile(frame ->
                    {
                        try
                        {
                            return !meter.accept(frame.buffer(), 0, frame.length());
                        }
                        finally
                        {
                            frame.release();
                        }
                    })
                    .toMat(Sink.ignore(), Keep.right())
                    .addAttributes(consumerDispatcher(phase))
                    .run(system);
                done.toCompletableFuture().get(phase.warmupMs + phase.measureMs + 60_000, TimeUnit.MILLISECONDS);
                control.advance(p, PhaseControl.STOPPED);
                meter.report();
            }
        }
        finally
        {
            AkkaPeers.terminate(system);
        }
    }
}
