package dev.shmstreams.control;

import akka.Done;
import akka.actor.CoordinatedShutdown;
import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Extension;
import akka.actor.typed.ExtensionId;
import akka.actor.typed.Props;
import akka.actor.typed.javadsl.Adapter;
import dev.shmstreams.control.internal.ChannelRegistry;
import dev.shmstreams.transport.StaleSegments;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The control plane of shm-streams in an Akka Typed actor system: its settings, the registry of
 * open channel ends with a watchdog per end publishing {@link ChannelEvent}s to subscribers, a sweep
 * of stale segments when it starts, and a CoordinatedShutdown task that closes the channel ends
 * (and, as a last resort, unlinks the segment names this system owns).
 *
 * <pre>{@code
 * ShmStreams shm = ShmStreams.get(system);
 * shm.subscribe(eventListener);                    // ActorRef<ChannelEvent>
 * }</pre>
 *
 * The ShmSink and ShmSource stages register themselves; a classic system works too, through
 * {@code Adapter.toTyped(classicSystem)}.
 */
public final class ShmStreams implements Extension
{
    private static final System.Logger LOG = System.getLogger("dev.shmstreams.control");

    private final ShmStreamsSettings settings;
    private final ActorRef<ChannelRegistry.Command> registry;
    private final Map<Long, ChannelHandle> handles = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private final List<Path> swept;

    private ShmStreams(final ActorSystem<?> system)
    {
        this.settings = ShmStreamsSettings.create(system.settings().config());
        this.swept = settings.sweepStaleOnStart() ? StaleSegments.sweep(settings.directory()) : List.of();
        if (!swept.isEmpty())
        {
            LOG.log(System.Logger.Level.INFO, "shm-streams swept " + swept.size() + " stale segment(s) in " +
                settings.directory() + ": " + swept);
        }
        this.registry = system.systemActorOf(ChannelRegistry.create(settings.watchdogInterval()), "shm-streams",
            Props.empty());
        CoordinatedShutdown.get(Adapter.toClassic(system)).addTask(CoordinatedShutdown.PhaseServiceStop(),
            "shm-streams-close-channels", this::closeAll);
    }

    /** The extension id. */
    public static final class Id extends ExtensionId<ShmStreams>
    {
        private Id()
        {
        }

        @Override
        public ShmStreams createExtension(final ActorSystem<?> system)
        {
            return new ShmStreams(system);
        }
    }

    public static final Id ID = new Id();

    public static ShmStreams get(final ActorSystem<?> system)
    {
        return ID.apply(system);
    }

    public ShmStreamsSettings settings()
    {
        return settings;
    }

    /** @return the segments removed by the sweep when this extension started. */
    public List<Path> sweptAtStart()
    {
        return swept;
    }

    /**
     * Register an open channel end; its watchdog starts publishing events.
     *
     * @param handle the end.
     * @return call {@link Registration#close()} when the end is closed.
     */
    public Registration register(final ChannelHandle handle)
    {
        final long id = ids.incrementAndGet();
        handles.put(id, handle);
        registry.tell(new ChannelRegistry.Register(id, handle));
        return () ->
        {
            if (handles.remove(id) != null)
            {
                registry.tell(new ChannelRegistry.Unregister(id));
            }
        };
    }

    /** A registration; closing it twice is harmless. */
    @FunctionalInterface
    public interface Registration extends AutoCloseable
    {
        @Override
        void close();
    }

    public void subscribe(final ActorRef<ChannelEvent> subscriber)
    {
        registry.tell(new ChannelRegistry.Subscribe(subscriber));
    }

    public void unsubscribe(final ActorRef<ChannelEvent> subscriber)
    {
        registry.tell(new ChannelRegistry.Unsubscribe(subscriber));
    }

    /** @return the channel ends open in this system now. */
    public List<ChannelHandle> openChannels()
    {
        return new ArrayList<>(handles.values());
    }

    private CompletionStage<Done> closeAll()
    {
        final List<ChannelHandle> open = openChannels();
        if (open.isEmpty())
        {
            return CompletableFuture.completedFuture(Done.getInstance());
        }
        final CompletableFuture<?>[] closing = open.stream()
            .map(handle -> handle.shutdown().toCompletableFuture())
            .toArray(CompletableFuture[]::new);
        return CompletableFuture.allOf(closing)
            .orTimeout(settings.shutdownTimeout().toMillis(), TimeUnit.MILLISECONDS)
            .handle((done, timeout) ->
            {
                for (final ChannelHandle handle : open)
                {
                    if (handle.role() == ChannelHandle.Role.PRODUCER && handle.unlink())
                    {
                        LOG.log(System.Logger.Level.WARNING, "shm-streams: channel " + handle.channel() +
                            " did not close within " + settings.shutdownTimeout() + "; its segment name was unlinked");
                    }
                }
                return Done.getInstance();
            });
    }
}
