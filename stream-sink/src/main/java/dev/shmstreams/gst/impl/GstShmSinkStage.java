package dev.shmstreams.gst.impl;

import akka.Done;
import akka.NotUsed;
import akka.actor.typed.javadsl.Adapter;
import akka.japi.Pair;
import akka.stream.AbruptStageTerminationException;
import akka.stream.Attributes;
import akka.stream.Inlet;
import akka.stream.SinkShape;
import akka.stream.stage.AbstractGraphStageWithMaterializedValue;
import akka.stream.stage.AsyncCallback;
import akka.stream.stage.GraphStageLogic;
import akka.stream.stage.InHandler;
import akka.stream.stage.TimerGraphStageLogic;
import dev.shmstreams.control.ChannelHandle;
import dev.shmstreams.control.ShmStreams;
import dev.shmstreams.gst.GstFrameWriter;
import dev.shmstreams.gst.GstShmSinkControl;
import dev.shmstreams.gst.GstShmSinkSettings;
import dev.shmstreams.transport.PeerState;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * INTERNAL API. The sink that plays GStreamer's shmsink for shmsrc clients: each element is
 * written in place into a slot claimed before the element was pulled, then announced to every
 * connected client. The stage pulls exactly while a slot is free and at least min-clients are
 * connected, so the clients' acknowledgements are the backpressure.
 *
 * <p>Never blocks its thread: the area and the socket are set up, clients accepted and
 * acknowledgements read by the {@link ShmPipeServer}'s I/O thread, which calls back once when a
 * slot the stage waits for frees. After upstream completes the stage waits, as shmsink does at
 * end of stream, until every client acknowledged every frame (or left, or the drain timeout
 * passed), then closes the socket: that close is the only end-of-stream signal the protocol has.
 */
public final class GstShmSinkStage<T> extends AbstractGraphStageWithMaterializedValue<SinkShape<T>, GstShmSinkControl>
{
    private static final System.Logger LOG = System.getLogger("dev.shmstreams.gst");
    private static final String DRAIN_TIMER = "drain";

    private final Inlet<T> in = Inlet.create("GstShmSink.in");
    private final SinkShape<T> shape = SinkShape.of(in);
    private final GstShmSinkSettings settings;
    private final GstFrameWriter<T> writer;

    public GstShmSinkStage(final GstShmSinkSettings settings, final GstFrameWriter<T> writer)
    {
        this.settings = settings;
        this.writer = writer;
        settings.slotSize(); // fails now, not at materialization, without a format or a slot size
    }

    @Override
    public SinkShape<T> shape()
    {
        return shape;
    }

    @Override
    public Attributes initialAttributes()
    {
        return Attributes.name("GstShmSink");
    }

    @Override
    public Pair<GraphStageLogic, GstShmSinkControl> createLogicAndMaterializedValuePair(final Attributes attributes)
    {
        final Logic logic = new Logic();
        return Pair.create(logic, logic.control);
    }

    private final class Logic extends TimerGraphStageLogic implements InHandler, ChannelHandle, ShmPipeServer.Listener
    {
        private final CompletableFuture<Done> listening = new CompletableFuture<>();
        private final CompletableFuture<Done> done = new CompletableFuture<>();
        private final CompletableFuture<Done> closed = new CompletableFuture<>();
        private final ShmPipeServer server = new ShmPipeServer(settings, this);
        private final Control control = new Control();
        private volatile long frames;
        private volatile long dropped;
        private volatile boolean hadClients;
        private ShmStreams.Registration registration = () -> { };
        private AsyncCallback<NotUsed> onListening;
        private AsyncCallback<NotUsed> onSpace;
        private AsyncCallback<Throwable> onFailure;
        private AsyncCallback<NotUsed> onShutdown;
        private boolean ready;
        private int claimed = ShmPipeServer.NO_SLOT;
        private boolean upstreamFinished;
        private long drainDeadline;

        Logic()
        {
            super(shape);
            setHandler(in, this);
        }

        @Override
        public void preStart()
        {
            onListening = createAsyncCallback(nothing ->
            {
                ready = true;
                listening.complete(Done.getInstance());
                space();
            });
            onSpace = createAsyncCallback(nothing -> space());
            onFailure = createAsyncCallback(this::fail);
            onShutdown = createAsyncCallback(nothing -> fail(new IllegalStateException(
                "the actor system is shutting down (CoordinatedShutdown)")));
            registration = ShmStreams.get(Adapter.toTyped(materializer().system())).register(this);
            server.start();
        }

        // ShmPipeServer.Listener, on the I/O thread

        @Override
        public void onListening()
        {
            onListening.invoke(NotUsed.getInstance());
        }

        @Override
        public void onSpace()
        {
            onSpace.invoke(NotUsed.getInstance());
        }

        @Override
        public void onFailure(final Throwable cause)
        {
            onFailure.invoke(cause);
        }

        // the stage

        private void space()
        {
            if (upstreamFinished)
            {
                checkDrained();
            }
            else
            {
                pullIfSpace();
            }
        }

        /** Pull only with a slot already claimed for the element. */
        private void pullIfSpace()
        {
            if (!ready || upstreamFinished || isClosed(in) || hasBeenPulled(in))
            {
                return;
            }
            if (claimed == ShmPipeServer.NO_SLOT)
            {
                claimed = server.tryClaim();
                if (claimed == ShmPipeServer.NO_SLOT)
                {
                    return; // the server calls onSpace once a slot frees or a client connects
                }
            }
            pull(in);
        }

        @Override
        public void onPush()
        {
            final T element = grab(in);
            final int slot = claimed;
            claimed = ShmPipeServer.NO_SLOT;
            final int length;
            try
            {
                length = writer.write(element, server.slot(slot));
            }
            catch (final Throwable ex)
            {
                server.abort(slot);
                fail(ex);
                return;
            }
            final int clients;
            try
            {
                clients = server.publish(slot, length);
            }
            catch (final IllegalArgumentException ex)
            {
                fail(ex);
                return;
            }
            if (clients == 0)
            {
                dropped++;
            }
            else
            {
                hadClients = true;
                frames++;
            }
            pullIfSpace();
        }

        @Override
        public void onUpstreamFinish()
        {
            upstreamFinished = true;
            setKeepGoing(true);
            if (claimed != ShmPipeServer.NO_SLOT)
            {
                server.abort(claimed);
                claimed = ShmPipeServer.NO_SLOT;
            }
            final Duration timeout = settings.drainTimeout();
            drainDeadline = System.nanoTime() + timeout.toNanos();
            scheduleOnce(DRAIN_TIMER, timeout);
            if (ready)
            {
                checkDrained();
            }
        }

        /** Like shmsink at end of stream: close once every client acknowledged everything. */
        private void checkDrained()
        {
            final boolean timedOut = System.nanoTime() - drainDeadline >= 0;
            if (server.drainedOrWake() || timedOut)
            {
                if (timedOut)
                {
                    LOG.log(System.Logger.Level.WARNING, "shmsink " + settings.socketPath() + ": " +
                        "clients did not acknowledge every frame within the drain timeout " + settings.drainTimeout());
                }
                server.close();
                done.complete(Done.getInstance());
                completeStage();
            }
        }

        @Override
        public void onTimer(final Object key)
        {
            checkDrained();
        }

        @Override
        public void onUpstreamFailure(final Throwable cause)
        {
            fail(cause);
        }

        private void fail(final Throwable cause)
        {
            server.close();
            listening.completeExceptionally(cause);
            done.completeExceptionally(cause);
            failStage(cause);
        }

        @Override
        public void postStop()
        {
            server.close();
            registration.close();
            if (!listening.isDone())
            {
                listening.completeExceptionally(new AbruptStageTerminationException(this));
            }
            if (!done.isDone())
            {
                done.completeExceptionally(new AbruptStageTerminationException(this));
            }
            closed.complete(Done.getInstance());
        }

        // ChannelHandle: what ShmStreams sees

        @Override
        public String channel()
        {
            return settings.socketPath().toString();
        }

        @Override
        public Path path()
        {
            return settings.socketPath();
        }

        @Override
        public Role role()
        {
            return Role.PRODUCER;
        }

        @Override
        public PeerState peerState()
        {
            return server.clients() > 0 ? PeerState.ALIVE : hadClients ? PeerState.DETACHED : PeerState.NOT_ATTACHED;
        }

        @Override
        public long frames()
        {
            return frames;
        }

        @Override
        public long dropped()
        {
            return dropped;
        }

        @Override
        public CompletionStage<Done> shutdown()
        {
            onShutdown.invoke(NotUsed.getInstance());
            return closed;
        }

        @Override
        public boolean unlink()
        {
            return server.unlink();
        }

        private final class Control implements GstShmSinkControl
        {
            @Override
            public CompletionStage<Done> listening()
            {
                return listening;
            }

            @Override
            public CompletionStage<Done> done()
            {
                return done;
            }

            @Override
            public Path socketPath()
            {
                return settings.socketPath();
            }

            @Override
            public String areaName()
            {
                return server.areaName();
            }

            @Override
            public int clients()
            {
                return server.clients();
            }

            @Override
            public long frames()
            {
                return frames;
            }

            @Override
            public long dropped()
            {
                return dropped;
            }
        }
    }
}
