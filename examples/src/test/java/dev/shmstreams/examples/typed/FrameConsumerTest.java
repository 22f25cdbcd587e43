package dev.shmstreams.examples.typed;

import akka.Done;
import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Props;
import akka.actor.typed.SpawnProtocol;
import akka.actor.typed.javadsl.AskPattern;
import com.typesafe.config.ConfigValueFactory;
import dev.shmstreams.control.ChannelHandle;
import dev.shmstreams.control.ShmStreams;
import dev.shmstreams.examples.ExampleSystem;
import dev.shmstreams.examples.video.Nv12Pattern;
import dev.shmstreams.transport.PeerState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The typed example's subscription: once the actor says it has subscribed, a channel end
 * registered with the control plane right away (as the example's stream does next) has every event
 * reach the actor, ChannelOpened (published as the registration arrives, never replayed) and
 * PeerAttached (the watchdog's first look).
 */
class FrameConsumerTest
{
    @Test
    void aChannelRegisteredRightAfterTheSubscriptionHasNoEventMissed(@TempDir final Path dir) throws Exception
    {
        // a short watchdog interval: PeerAttached is its first look, and the test waits for it each round
        final ActorSystem<SpawnProtocol.Command> system = ActorSystem.create(SpawnProtocol.create(),
            "frame-consumer-test", ExampleSystem.config(dir).withValue("shm-streams.watchdog-interval",
                ConfigValueFactory.fromAnyRef("20ms")));
        try
        {
            for (int round = 0; round < 3; round++)
            {
                final String channel = "typed-" + round;
                final String name = "consumer-" + round;
                final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
                final CompletableFuture<Done> subscribed = new CompletableFuture<>();
                final ActorRef<FrameConsumer.Command> consumer = AskPattern.<SpawnProtocol.Command,
                    ActorRef<FrameConsumer.Command>>ask(system, replyTo -> new SpawnProtocol.Spawn<>(
                        FrameConsumer.create(channel, new Nv12Pattern(64, 16), 0, new CompletableFuture<>(), subscribed,
                            new CompletableFuture<>(), out), name, Props.empty(), replyTo),
                    Duration.ofSeconds(10), system.scheduler()).toCompletableFuture().get(10, TimeUnit.SECONDS);
                subscribed.get(10, TimeUnit.SECONDS);
                final ShmStreams.Registration registration = ShmStreams.get(system).register(new AliveHandle(channel));
                try
                {
                    final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                    while (!(text(bytes).contains("control plane: PeerAttached")) && System.nanoTime() < deadline)
                    {
                        Thread.sleep(10);
                    }
                    final String text = text(bytes);
                    assertTrue(text.contains("control plane: ChannelOpened[channel=" + channel), text);
                    assertTrue(text.contains("control plane: PeerAttached[channel=" + channel), text);
                    assertTrue(text.indexOf("ChannelOpened") < text.indexOf("PeerAttached"), text);
                }
                finally
                {
                    registration.close();
                    consumer.tell(new FrameConsumer.Failed(new RuntimeException("end of round")));   // it stops
                }
            }
        }
        finally
        {
            ExampleSystem.terminate(system);
        }
    }

    private static String text(final ByteArrayOutputStream bytes)
    {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /** A channel end whose peer is alive from the start: the watchdog's first look reports PeerAttached. */
    private record AliveHandle(String channel) implements ChannelHandle
    {
        @Override
        public Path path()
        {
            return Path.of("/nonexistent", channel);
        }

        @Override
        public Role role()
        {
            return Role.CONSUMER;
        }

        @Override
        public PeerState peerState()
        {
            return PeerState.ALIVE;
        }

        @Override
        public long frames()
        {
            return 0;
        }

        @Override
        public long dropped()
        {
            return 0;
        }

        @Override
        public CompletionStage<Done> shutdown()
        {
            return CompletableFuture.completedFuture(Done.getInstance());
        }

        @Override
        public boolean unlink()
        {
            return false;
        }
    }
}
