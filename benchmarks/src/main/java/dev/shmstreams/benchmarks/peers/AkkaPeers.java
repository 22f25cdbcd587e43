package dev.shmstreams.benchmarks.peers;

import akka.Done;
import akka.NotUsed;
import akka.actor.ActorSystem;
import akka.stream.javadsl.Source;
import akka.util.ByteString;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.shmstreams.benchmarks.Affinity;
import dev.shmstreams.benchmarks.ChildContext;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/** What the Akka-based peers share: their actor system, the producer's elements, the consumer's view. */
final class AkkaPeers
{
    static final String SPINNING_DISPATCHER = "shm-streams.spinning-dispatcher";

    private AkkaPeers()
    {
    }

    /**
     * @param extra configuration of this peer (remoting, frame sizes), above the common part.
     * @return an actor system whose shm-streams channels live in the run's directory (so the control
     * plane's start-up sweep never looks at anybody else's segments).
     */
    static ActorSystem system(final ChildContext ctx, final String name, final String extra)
    {
        final Config config = ConfigFactory.parseString(extra + "\n" +
            "akka.loglevel = WARNING\n" +
            "akka.stdout-loglevel = WARNING\n" +
            "akka.log-dead-letters = off\n" +
            "akka.coordinated-shutdown.run-by-jvm-shutdown-hook = off\n" +
            "shm-streams.directory = \"" + ctx.directory() + "\"\n" +
            "shm-streams.control.sweep-stale-on-start = off\n").withFallback(ConfigFactory.load());
        return ActorSystem.create(name, config);
    }

    static void terminate(final ActorSystem system)
    {
        try
        {
            system.terminate();
            system.getWhenTerminated().toCompletableFuture().get(20, TimeUnit.SECONDS);
        }
        catch (final Exception ex)
        {
            System.err.println("actor system " + system.name() + " did not terminate: " + ex);
        }
    }

    /** Pin the one thread of the spinning dispatcher, as the other peers pin their hot threads. */
    static void pinSpinningDispatcher(final ChildContext ctx, final ActorSystem system) throws Exception
    {
        final int cpu = ctx.integer("cpu");
        ctx.log(onSpinningDispatcher(system, () -> Thread.currentThread().getName() + " " + Affinity.pinCurrentThread(cpu)));
    }

    /** @return what the task returned, having run it on the spinning dispatcher's one thread. */
    static <T> T onSpinningDispatcher(final ActorSystem system, final java.util.function.Supplier<T> task)
        throws Exception
    {
        final java.util.concurrent.CompletableFuture<T> done = new java.util.concurrent.CompletableFuture<>();
        system.dispatchers().lookup(SPINNING_DISPATCHER).execute(() -> done.complete(task.get()));
        return done.get(10, TimeUnit.SECONDS);
    }

    /**
     * The producer's elements: one new ByteString per message (an Akka element is immutable and may
     * still be queued when the next one is made), written in full by the sender. At a fixed rate the
     * source waits for each due time on its own actor (an asynchronous boundary after it): waiting
     * on the actor that also runs the Tcp or StreamRef stage would hold back the acknowledgements
     * those stages need to send the previous message, by up to the interpreter's event limit.
     */
    static Source<ByteString, NotUsed> byteStrings(final Sender sender, final boolean paced)
    {
        final UnsafeBuffer view = new UnsafeBuffer(0, 0);
        final Source<ByteString, NotUsed> messages = Source.repeat(NotUsed.getInstance()).map(nothing ->
        {
            final long intended = sender.awaitDue();
            final byte[] bytes = new byte[sender.length()];
            view.wrap(bytes);
            sender.write(view, 0, intended);
            return ByteString.fromArrayUnsafe(bytes);
        });
        return paced ? messages.async() : messages;
    }

    /** Reads a ByteString in place where Akka holds it in one array (a view, no copy), else compacted once. */
    static final class Reader
    {
        private final UnsafeBuffer view = new UnsafeBuffer(0, 0);

        boolean accept(final Meter meter, final ByteString bytes)
        {
            final ByteBuffer buffer = bytes.asByteBuffer();
            view.wrap(buffer, buffer.position(), buffer.remaining());
            return meter.accept(view, 0, buffer.remaining());
        }
    }

    /** Wait for a stream that was stopped or cancelled; its failure after the phase ended is expected. */
    static void awaitQuietly(final ChildContext ctx, final CompletionStage<Done> done, final String what)
    {
        try
        {
            done.toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
        catch (final java.util.concurrent.ExecutionException ex)
        {
            ctx.log(what + " ended with " + ex.getCause());
        }
        catch (final Exception ex)
        {
            ctx.log(what + " did not end: " + ex);
        }
    }
}
