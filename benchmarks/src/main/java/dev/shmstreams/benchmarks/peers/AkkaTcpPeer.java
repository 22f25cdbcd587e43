package dev.shmstreams.benchmarks.peers;

import akka.Done;
import akka.actor.ActorSystem;
import akka.japi.Pair;
import akka.stream.KillSwitches;
import akka.stream.Materializer;
import akka.stream.UniqueKillSwitch;
import akka.stream.javadsl.Flow;
import akka.stream.javadsl.Keep;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.Source;
import akka.stream.javadsl.Tcp;
import akka.util.ByteString;
import dev.shmstreams.benchmarks.ChildContext;

import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Akka Streams TCP over loopback with length framing ({@code Framing.simpleFramingProtocol}'s encoder and decoder: a 4-byte
 * length before each message), between two graphs: {@code Source.repeat -> map(new ByteString, filled)
 * -> encoder -> Tcp.outgoingConnection} and, per accepted connection, {@code decoder ->
 * takeWhile(read every byte) -> Sink.ignore}. Akka IO sets TCP_NODELAY by default. One connection
 * per phase; the consumer's graph completing closes it.
 */
final class AkkaTcpPeer
{
    private AkkaTcpPeer()
    {
    }

    static void consume(final ChildContext ctx, final PhaseControl control, final List<Phase> phases) throws Exception
    {
        final ActorSystem system = AkkaPeers.system(ctx, "akka-tcp-consumer", "");
        try
        {
            final Materializer materializer = Materializer.matFromSystem(system);
            final BlockingQueue<Tcp.IncomingConnection> connections = new LinkedBlockingQueue<>();
            Tcp.get(system).bind("127.0.0.1", ctx.integer("port"))
                .toMat(Sink.foreach(connections::put), Keep.left())
                .run(materializer)
                .toCompletableFuture().get(30, TimeUnit.SECONDS);
            for (int p = 0; p < phases.size(); p++)
            {
                final Phase phase = phases.get(p);
                final Meter meter = new Meter(ctx, control, p, phase);
                final AkkaPeers.Reader reader = new AkkaPeers.Reader();
                final Tcp.IncomingConnection connection = connections.poll(60, TimeUnit.SECONDS);
                if (connection == null)
                {
                    throw new IllegalStateException(phase.name + ": no connection from the producer");
                }
                final Sink<ByteString, CompletionStage<Done>> check = akka.stream.scaladsl.Framing.simpleFramingProtocolDecoder(phase.length).asJava()
                    .takeWhile(message -> !reader.accept(meter, message))
                    .toMat(Sink.ignore(), Keep.right());
                final CompletionStage<Done> done = connection.handleWith(
                    Flow.fromSinkAndSourceCoupledMat(check, Source.<ByteString>maybe(), Keep.left()), materializer);
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

    static void produce(final ChildContext ctx, final PhaseControl control, final List<Phase> phases) throws Exception
    {
        final ActorSystem system = AkkaPeers.system(ctx, "akka-tcp-producer", "");
        try
        {
            for (int p = 0; p < phases.size(); p++)
            {
                final Phase phase = phases.get(p);
                final long deadline = System.nanoTime() + PeerChild.PEER_TIMEOUT_NANOS;
                while (true)
                {
                    final Pair<UniqueKillSwitch, CompletionStage<Done>> graph =
                        AkkaPeers.byteStrings(new Sender(phase, control, p), !phase.saturating())
                            .viaMat(KillSwitches.single(), Keep.right())
                            .via(akka.stream.scaladsl.Framing.simpleFramingProtocolEncoder(phase.length).asJava())
                            .via(Tcp.get(system).outgoingConnection("127.0.0.1", ctx.integer("port")))
                            .toMat(Sink.ignore(), Keep.both())
                            .run(system);
                    final java.util.concurrent.CompletableFuture<Done> done = graph.second().toCompletableFuture();
                    while (!done.isDone() && !control.stopped(p))
                    {
                        LockSupport.parkNanos(2_000_000L);
                    }
                    if (control.stopped(p))
                    {
                        graph.first().shutdown();
                        AkkaPeers.awaitQuietly(ctx, done, phase.name + " producer graph");
                        break;
                    }
                    ctx.log(phase.name + ": producer graph ended early (" + done.handle((d, ex) -> ex).join() +
                        "), connecting again");
                    // the consumer was not listening yet: connect again
                    if (System.nanoTime() - deadline > 0)
                    {
                        throw new IllegalStateException(phase.name + ": cannot connect to the consumer");
                    }
                    LockSupport.parkNanos(100_000_000L);
                }
            }
        }
        finally
        {
            AkkaPeers.terminate(system);
        }
    }
}
