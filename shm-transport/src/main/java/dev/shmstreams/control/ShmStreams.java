package dev.shmstreams.control;

import akka.Done;
import akka.actor.CoordinatedShutdown;
import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.DispatcherSelector;
import akka.actor.typed.Extension;
import akka.actor.typed.ExtensionId;
import akka.actor.typed.Props;
import akka.actor.typed.javadsl.Adapter;
import dev.shmstreams.control.internal.ChannelRegistry;
import dev.shmstreams.transport.StaleSegments;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * The control plane of shm-streams in an Akka Typed actor system: its settings, the registry of
 * open channel ends with a watchdog per end publishing {@link ChannelEvent}s to subscribers, a sweep
 * of stale segments when it starts, and a CoordinatedShutdown task that closes the channel ends and
 * removes the names of the segments this system created.
 *
 * <pre>{@code
 * ShmStreams shm = ShmStreams.get(system);
 * shm.subscribe(eventListener);                    // ActorRef<ChannelEvent>
 * }</pre>
 *
 * The ShmSink and ShmSource stages register themselves; a classic system works too, through
 * {@code Adapter.toTyped(classicSystem)}.
 *
 * <p><b>Start.</b> The extension starts when a stage first uses it, or with the actor system when
 * the application lists it: {@code akka.actor.typed.extensions += "dev.shmstreams.control.ShmStreams$Id"}
 * (typed and classic systems alike). Creating it does no file I/O on the caller's thread: the
 * stale-segment sweep runs on Akka's blocking-IO dispatcher, and stages of this system open their
 * channel ends only after it finished ({@link #ready()}), so the sweep never races them.
 *
 * <p><b>CoordinatedShutdown</b> (phase service-stop): every open channel end is asked to close, for
 * at most {@code control.shutdown-timeout}; then the name of every segment this system created is
 * unlinked if it still names that segment, whether or not a consumer is still attached. Unlinking
 * only removes the name: a consumer in another process keeps its mapping, reads what was committed,
 * sees the stream's end and detaches; the memory is freed when the last mapping goes. A stage that
 * did not close in time has its name unlinked all the same (its mapping stays valid), so nothing of
 * this system is left in the directory.
 */
public final class ShmStreams implements Extension
{
    private static final System.Logger LOG = System.getLogger("dev.shmstreams.control");
    /** Closed producers whose names may still be there; beyond this many the oldest are forgotten. */
    private static final int MAX_CLOSED_OWNERS = 256;

    private final ShmStreamsSettings settings;
    private final ActorRef<ChannelRegistry.Command> registry;
    private final Map<Long, ChannelHandle> handles = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    /** Name removers of producer ends already closed, for CoordinatedShutdown; guarded by itself. */
    private final Map<Long, BooleanSupplier> closedOwners = new LinkedHashMap<>()
    {
        @Override
        protected boolean removeEldestEntry(final Map.Entry<Long, BooleanSupplier> eldest)
        {
            return size() > MAX_CLOSED_OWNERS;
        }
    };
    private final Executor blocking;
    private final CompletableFuture<List<Path>> swept;
    private final CompletableFuture<Done> ready;

    private ShmStreams(final ActorSystem<?> system)
    {
        this.settings = ShmStreamsSettings.create(system.settings().config());
        this.blocking = system.dispatchers().lookup(DispatcherSelector.blocking());
        // never on the caller's thread: that is a stage's preStart on a stream dispatcher when the
        // extension is not loaded at system start
        this.swept = settings.sweepStaleOnStart() ?
            CompletableFuture.supplyAsync(() -> sweep(settings.directory()), blocking) :
            CompletableFuture.completedFuture(List.of());
        this.ready = swept.handle((paths, failure) -> Done.getInstance());
        this.registry = system.systemActorOf(ChannelRegistry.create(settings.watchdogInterval()), "shm-streams",
            Props.empty());
        CoordinatedShutdown.get(Adapter.toClassic(system)).addTask(CoordinatedShutdown.PhaseServiceStop(),
            "shm-streams-close-channels", this::closeAll);
    }

    private static List<Path> sweep(final Path directory)
    {
        try
        {
            final List<Path> removed = StaleSegments.sweep(directory);
            if (!removed.isEmpty())
            {
                LOG.log(System.Logger.Level.INFO, "shm-streams swept " + removed.size() + " stale segment(s) in " +
                    directory + ": " + removed);
            }
            return removed;
        }
        catch (final RuntimeException ex)
        {
            LOG.log(System.Logger.Level.WARNING, "shm-streams: the stale-segment sweep of " + directory + " failed", ex);
            return List.of();
        }
    }

    /** The extension id. */
    public static final class Id extends ExtensionId<ShmStreams>
    {
        private Id()
        {
        }

        /**
         * What Akka calls to load a Java extension listed in {@code akka.actor.typed.extensions}.
         *
         * @return {@link ShmStreams#ID}.
         */
        public static Id getInstance()
        {
            return ID;
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

    /**
     * @return completes with the segments removed by the sweep that started with this extension
     * (on the blocking-IO dispatcher); with an empty list when {@code sweep-stale-on-start} is off.
     */
    public CompletionStage<List<Path>> sweptAtStart()
    {
        return swept;
    }

    /**
     * @return completes (never fails) once the extension's start-up work is done: stages open their
     * channel ends after it, so the stale sweep never meets a segment this system is creating.
     */
    public CompletionStage<Done> ready()
    {
        return ready;
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
                final BooleanSupplier remover = handle.nameRemover();
                if (remover != null)
                {
                    synchronized (closedOwners)
                    {
                        closedOwners.put(id, remover);
                    }
                }
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
        final CompletableFuture<?>[] closing = open.stream()
            .map(handle -> handle.shutdown().toCompletableFuture())
            .toArray(CompletableFuture[]::new);
        // the unlinks are file I/O: on the blocking dispatcher, not on the stage thread that
        // completed the last close
        return CompletableFuture.allOf(closing)
            .orTimeout(settings.shutdownTimeout().toMillis(), TimeUnit.MILLISECONDS)
            .handleAsync((done, timeout) ->
            {
                for (final ChannelHandle handle : open)
                {
                    if (handle.role() == ChannelHandle.Role.PRODUCER && handles.containsValue(handle) &&
                        handle.unlink())
                    {
                        LOG.log(System.Logger.Level.WARNING, "shm-streams: channel " + handle.channel() +
                            " did not close within " + settings.shutdownTimeout() + "; its segment name was unlinked");
                    }
                }
                final List<BooleanSupplier> removers;
                synchronized (closedOwners)
                {
                    removers = new ArrayList<>(closedOwners.values());
                    closedOwners.clear();
                }
                int unlinked = 0;
                for (final BooleanSupplier remover : removers)
                {
                    unlinked += remover.getAsBoolean() ? 1 : 0;
                }
                if (unlinked > 0)
                {
                    LOG.log(System.Logger.Level.DEBUG, "shm-streams: unlinked " + unlinked + " segment name(s) " +
                        "still mapped by their consumers");
                }
                return Done.getInstance();
            }, blocking);
    }
}
