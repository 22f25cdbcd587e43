package dev.shmstreams.examples;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Behaviors;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The actor system every example process runs in: examples/src/main/resources/application.conf
 * (quiet logging) with {@code shm-streams.directory} set to the example's {@code --dir}, so the
 * stage settings and the control plane (its stale-segment sweep, its CoordinatedShutdown task) use
 * the same directory.
 */
public final class ExampleSystem
{
    private ExampleSystem()
    {
    }

    /**
     * @param name      the system's name.
     * @param directory the segment directory, {@code shm-streams.directory}.
     * @return a system with no guardian behaviour of its own.
     */
    public static ActorSystem<Void> create(final String name, final Path directory)
    {
        return create(Behaviors.empty(), name, directory);
    }

    /**
     * @param guardian  the guardian behaviour.
     * @param name      the system's name.
     * @param directory the segment directory, {@code shm-streams.directory}.
     * @param <T>       the guardian's protocol.
     * @return the system.
     */
    public static <T> ActorSystem<T> create(final Behavior<T> guardian, final String name, final Path directory)
    {
        // bind SLF4J before Akka's threads log concurrently, or SLF4J prints a "replayed" notice
        org.slf4j.LoggerFactory.getILoggerFactory();
        return ActorSystem.create(guardian, name, config(directory));
    }

    /** @return the configuration of an example process using {@code directory}. */
    public static Config config(final Path directory)
    {
        return ConfigFactory.load().withValue("shm-streams.directory",
            ConfigValueFactory.fromAnyRef(directory.toString()));
    }

    /** Terminate and wait (at most 30 s): CoordinatedShutdown closes whatever channel is still open. */
    public static void terminate(final ActorSystem<?> system)
    {
        system.terminate();
        try
        {
            system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
        catch (final Exception ex)
        {
            System.err.println("actor system did not terminate within 30 s: " + ex);
        }
    }
}
