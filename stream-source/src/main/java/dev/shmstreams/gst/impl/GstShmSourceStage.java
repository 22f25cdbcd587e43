package dev.shmstreams.gst.impl;

import akka.Done;
import akka.NotUsed;
import akka.actor.typed.javadsl.Adapter;
import akka.japi.Pair;
import akka.stream.Attributes;
import akka.stream.Outlet;
import akka.stream.SourceShape;
import akka.stream.stage.AbstractGraphStageWithMaterializedValue;
import akka.stream.stage.AsyncCallback;
import akka.stream.stage.GraphStageLogic;
import akka.stream.stage.OutHandler;
import dev.shmstreams.control.ChannelHandle;
import dev.shmstreams.control.ShmStreams;
import dev.shmstreams.gst.GstFrame;
import dev.shmstreams.gst.GstPeerLostException;
import dev.shmstreams.gst.GstShmSourceControl;
import dev.shmstreams.gst.GstShmSourceSettings;
import dev.shmstreams.transport.PeerState;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * INTERNAL API. The source that plays GStreamer's shmsrc for a shmsink: emits a {@link GstFrame}
 * per announced buffer, only on demand; releasing the frame acknowledges the buffer.
 *
 * <p>Never blocks its thread: the {@link ShmPipeClient}'s threads connect, read and acknowledge;
 * the stage takes frames from the client's queue and, when it is empty, gets one callback when
 * the next frame (or the end) arrives. Frames that were announced before the shmsink closed or
 * died are emitted before the stream completes or fails. When the stage stops, frames still held
 * downstream keep their area mapped until released.
 */
public final class GstShmSourceStage extends AbstractGraphStageWithMaterializedValue<SourceShape<GstFrame>, GstShmSourceControl>
{
    private final Outlet<GstFrame> out = Outlet.create("GstShmSource.out");
    private final SourceShape<GstFrame> shape = SourceShape.of(out);
    private final GstShmSourceSettings settings;

    public GstShmSourceStage(final GstShmSourceSettings settings)
    {
        this.settings = settings;
    }

    @Override
    public SourceShape<GstFrame> shape()
    {
        return shape;
    }

    @Override
    public Attributes initialAttributes()
    {
        return Attributes.name("GstShmSource");
    }

    @Override
    public Pair<GraphStageLogic, GstShmSourceControl> createLogicAndMaterializedValuePair(final Attributes attributes)
    {
        final Logic logic = new Logic();
        return Pair.create(logic, logic.control);
    }

    private final class Logic extends GraphStageLogic implements OutHandler, ChannelHandle, ShmPipeClient.Listener
    {
        private final CompletableFuture<Done> connected = new CompletableFuture<>();
        private final CompletableFuture<Done> stopped = new CompletableFuture<>();
        private final ShmPipeClient client = new ShmPipeClient(settings, this);
        private final Control control = new Control();
        private volatile PeerState peerState = PeerState.NOT_ATTACHED;
        private ShmStreams.Registration registration = () -> { };
        private AsyncCallback<NotUsed> onConnected;
        private AsyncCallback<NotUsed> onAvailable;
        private AsyncCallback<NotUsed> onEnd;
        private AsyncCallback<NotUsed> onStop;

        Logic()
        {
            super(shape);
            setHandler(out, this);
        }

        @Override
        public void preStart()
        {
            onConnected = createAsyncCallback(nothing ->
            {
                peerState = PeerState.ALIVE;
                connected.complete(Done.getInstance());
            });
            onAvailable = createAsyncCallback(nothing ->
            {
                if (isAvailable(out))
                {
                    emit();
                }
            });
            onEnd = createAsyncCallback(nothing ->
            {
                // nothing left to emit before the end: end now, demand or not (a dead peer fails the stream promptly)
                if (client.peek() instanceof ShmPipeClient.End)
                {
                    end((ShmPipeClient.End)client.pollOrRequestWake());
                }
            });
            onStop = createAsyncCallback(nothing -> completeStage());
            registration = ShmStreams.get(Adapter.toTyped(materializer().system())).register(this);
            client.start();
        }

        // ShmPipeClient.Listener, on the reader thread

        @Override
        public void onConnected()
        {
            onConnected.invoke(NotUsed.getInstance());
        }

        @Override
        public void onAvailable()
        {
            onAvailable.invoke(NotUsed.getInstance());
        }

        @Override
        public void onEnd()
        {
            onEnd.invoke(NotUsed.getInstance());
        }

        // the stage

        @Override
        public void onPull()
        {
            emit();
        }

        private void emit()
        {
            final Object next = client.pollOrRequestWake();
            if (next instanceof GstFrame)
            {
                push(out, (GstFrame)next);
            }
            else if (next != null)
            {
                end((ShmPipeClient.End)next);
            }
        }

        private void end(final ShmPipeClient.End end)
        {
            final Throwable failure = end.failure;
            if (failure == null)
            {
                peerState = PeerState.DETACHED;
                completeStage();
            }
            else
            {
                peerState = failure instanceof GstPeerLostException ? PeerState.LOST : PeerState.DETACHED;
                connected.completeExceptionally(failure);
                failStage(failure);
            }
        }

        @Override
        public void onDownstreamFinish(final Throwable cause)
        {
            completeStage();
        }

        @Override
        public void postStop()
        {
            client.close();
            registration.close();
            if (!connected.isDone())
            {
                connected.completeExceptionally(new IllegalStateException("the source stopped before connecting"));
            }
            stopped.complete(Done.getInstance());
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
            return Role.CONSUMER;
        }

        @Override
        public PeerState peerState()
        {
            return peerState;
        }

        @Override
        public long frames()
        {
            return client.frames();
        }

        @Override
        public long dropped()
        {
            return 0;
        }

        @Override
        public CompletionStage<Done> shutdown()
        {
            onStop.invoke(NotUsed.getInstance());
            return stopped;
        }

        @Override
        public boolean unlink()
        {
            return false;
        }

        private final class Control implements GstShmSourceControl
        {
            @Override
            public CompletionStage<Done> connected()
            {
                return connected;
            }

            @Override
            public CompletionStage<Done> stopped()
            {
                return stopped;
            }

            @Override
            public void stop()
            {
                onStop.invoke(NotUsed.getInstance());
            }

            @Override
            public String areaName()
            {
                return client.areaName();
            }

            @Override
            public long frames()
            {
                return client.frames();
            }

            @Override
            public long bytes()
            {
                return client.bytes();
            }

            @Override
            public int outstanding()
            {
                return client.outstanding();
            }
        }
    }
}
