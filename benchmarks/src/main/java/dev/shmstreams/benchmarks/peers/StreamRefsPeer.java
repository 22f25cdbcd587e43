package dev.shmstreams.benchmarks.peers;

import akka.Done;
import akka.actor.AbstractActor;
import akka.actor.ActorSelection;
import akka.actor.ActorSystem;
import akka.actor.Props;
import akka.japi.Pair;
import akka.pattern.Patterns;
import akka.stream.KillSwitches;
import akka.stream.SourceRef;
import akka.stream.UniqueKillSwitch;
import akka.stream.javadsl.Keep;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.StreamRefs;
import akka.util.ByteString;
import dev.shmstreams.benchmarks.ChildContext;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Akka StreamRefs over Artery TCP on 127.0.0.1, two actor systems, no cluster: the producer
 * materializes {@code Source.repeat -> map(new ByteString, filled) -> StreamRefs.sourceRef()} for a
 * phase and an actor hands the {@link SourceRef} to the consumer, which asks for it by phase number
 * (the request a String, the reply the SourceRef: both have Akka's own serializers, as do the
 * ByteString elements) and runs it into {@code takeWhile(read every byte) -> Sink.ignore}.
 *
 * <p>Frame-size settings are explicit ({@link #config}): Artery's default maximum-frame-size of
 * 256 KiB drops larger messages, and a StreamRef then stalls without an error. Both systems get
 * a frame size that fits the run's largest message and smaller buffer pools so that those frames
 * fit the direct memory; everything else is Akka's default (stream-ref buffer-capacity 32).
 */
final class StreamRefsPeer
{
    private StreamRefsPeer()
    {
    }

    /** @return the remoting configuration of a system on the port, sized for the largest message of the phases. */
    static String config(final int port, final List<Phase> phases)
    {
        int largest = 0;
        for (final Phase phase : phases)
        {
            largest = Math.max(largest, phase.length);
        }
        // the envelope and the StreamRef's sequence wrapper around a message take far less than 64 KiB
        final int frame = Math.max(256 * 1024, largest + 64 * 1024);
        return String.join("\n",
            "akka.actor.provider = remote",
            "akka.remote.artery.transport = tcp",
            "akka.remote.artery.canonical.hostname = \"127.0.0.1\"",
            "akka.remote.artery.canonical.port = " + port,
            "akka.remote.artery.advanced.maximum-frame-size = " + frame,
            "akka.remote.artery.advanced.maximum-large-frame-size = " + frame,
            "akka.remote.artery.advanced.buffer-pool-size = 16",
            "akka.remote.artery.advanced.large-buffer-pool-size = 4");
    }

    /** Answers "phase number" with that phase's SourceRef once it exists, else with "wait". */
    static final class Offer extends AbstractActor
    {
        private final Map<Integer, SourceRef<ByteString>> refs;

        Offer(final Map<Integer, SourceRef<ByteString>> refs)
        {
            this.refs = refs;
        }

        @Override
        public Receive createReceive()
        {
            return receiveBuilder().match(String.class, request ->
            {
                // get, not remove: a reply that arrives after the ask timed out is lost, and the consumer asks again
                final SourceRef<ByteString> ref = refs.get(Integer.parseInt(request));
                getSender().tell(ref == null ? "wait" : ref, getSelf());
            }).build();
        }
    }

    static void produce(final ChildContext ctx, final PhaseControl control, final List<Phase> phases) throws Exception
    {
        final ActorSystem system = AkkaPeers.system(ctx, "producer", config(ctx.integer("producerPort"), phases));
        final Map<Integer, SourceRef<ByteString>> refs = new ConcurrentHashMap<>();
        system.actorOf(Props.create(Offer.class, () -> new Offer(refs)), "offer");
        try
        {
            for (int p = 0; p < phases.size(); p++)
            {
                final Phase phase = phases.get(p);
                final Pair<UniqueKillSwitch, SourceRef<ByteString>> graph =
                    AkkaPeers.byteStrings(new Sender(phase, control, p), !phase.saturating())
                        .viaMat(KillSwitches.single(), Keep.right())
                        .toMat(StreamRefs.sourceRef(), Keep.both())
                        .run(system);
                refs.put(p, graph.second());
                if (!control.awaitStopped(p, PeerChild.PEER_TIMEOUT_NANOS))
                {
                    throw new IllegalStateException(phase.name + ": the consumer never stopped the phase");
                }
                graph.first().shutdown();
            }
        }
        finally
        {
            AkkaPeers.terminate(system);
        }
    }

    static void consume(final ChildContext ctx, final PhaseControl control, final List<Phase> phases) throws Exception
    {
        final ActorSystem system = AkkaPeers.system(ctx, "consumer", config(ctx.integer("consumerPort"), phases));
        try
        {
            final ActorSelection offer = system.actorSelection("akka://producer@127.0.0.1:" +
                ctx.integer("producerPort") + "/user/offer");
            for (int p = 0; p < phases.size(); p++)
            {
                final Phase phase = phases.get(p);
                final SourceRef<ByteString> ref = fetch(offer, p);
                final Meter meter = new Meter(ctx, control, p, phase);
                final AkkaPeers.Reader reader = new AkkaPeers.Reader();
                final CompletionStage<Done> done = ref.getSource()
                    .takeWhile(message -> !reader.accept(meter, message))
                    .runWith(Sink.ignore(), system);
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

    @SuppressWarnings("unchecked")
    private static SourceRef<ByteString> fetch(final ActorSelection offer, final int phase)
    {
        final long deadline = System.nanoTime() + PeerChild.PEER_TIMEOUT_NANOS;
        Object last = null;
        while (System.nanoTime() - deadline < 0)
        {
            try
            {
                final Object reply = Patterns.ask(offer, String.valueOf(phase), Duration.ofSeconds(1))
                    .toCompletableFuture().get(3, TimeUnit.SECONDS);
                if (reply instanceof SourceRef)
                {
                    return (SourceRef<ByteString>)reply;
                }
                last = reply;
            }
            catch (final Exception ex)
            {
                // the producer's system is not up yet
                last = ex;
            }
            LockSupport.parkNanos(100_000_000L);
        }
        throw new IllegalStateException("no SourceRef for phase " + phase + " from " + offer + ": " + last);
    }
}
