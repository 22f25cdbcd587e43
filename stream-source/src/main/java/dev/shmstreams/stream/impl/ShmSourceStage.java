package dev.shmstreams.stream.impl;

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
import akka.stream.stage.TimerGraphStageLogic;
import dev.shmstreams.control.ChannelHandle;
import dev.shmstreams.control.ShmStreams;
import dev.shmstreams.dispatch.SpinningExecutor;
import dev.shmstreams.stream.ShmFrame;
import dev.shmstreams.stream.ShmSourceControl;
import dev.shmstreams.stream.ShmSourceSettings;
import dev.shmstreams.transport.ChannelSettings;
import dev.shmstreams.transport.Frame;
import dev.shmstreams.transport.PeerLostException;
import dev.shmstreams.transport.PeerState;
import dev.shmstreams.transport.ProducerFailedException;
import dev.shmstreams.transport.ShmConsumer;
import dev.shmstreams.transport.Wakeup;
import dev.shmstreams.transport.internal.Heartbeats;
import dev.shmstreams.transport.layout.ParticipantDescriptor;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * INTERNAL API. The source: emits a {@link ShmFrame} per committed frame, only on demand and only
 * while fewer than max-held-frames are held downstream.
 *
 * <p>Threads: the stage polls on its own thread; downstream releases frames from any thread. Both
 * go through the consumer under one lock (uncontended in the common case). When the ring is empty
 * the stage asks its {@link Waker} for one callback; a release that lifts the held-frame limit
 * sends one callback. When the stage stops while frames are still held downstream, the channel is
 * closed by the last release instead: unmapping under a reader would crash the JVM.
 */
public final class ShmSourceStage extends AbstractGraphStageWithMaterializedValue<SourceShape<ShmFrame>, ShmSourceControl>
{
    private static final System.Logger LOG = System.getLogger("dev.shmstreams.stream");
    private static final String LIVENESS_TIMER = "liveness";
    private static final String BLOCKING_DISPATCHER = "akka.actor.default-blocking-io-dispatcher";
    private static final int ATTACHING = 0;
    private static final int ATTACHED = 1;
    private static final int STOPPED = 2;

    private final Outlet<ShmFrame> out = Outlet.create("ShmSource.out");
    private final SourceShape<ShmFrame> shape = SourceShape.of(out);
    private final ShmSourceSettings settings;

    public ShmSourceStage(final ShmSourceSettings settings)
    {
        this.settings = settings;
    }

    @Override
    public SourceShape<ShmFrame> shape()
    {
        return shape;
    }

    @Override
    public Attributes initialAttributes()
    {
        return Attributes.name("ShmSource");
    }

    @Override
    public Pair<GraphStageLogic, ShmSourceControl> createLogicAndMaterializedValuePair(final Attributes attributes)
    {
        final Logic logic = new Logic();
        return Pair.create(logic, logic.control);
    }

    private final class Logic extends TimerGraphStageLogic implements OutHandler, ShmFrame.Owner, ChannelHandle
    {
        private final ChannelSettings channel = settings.channel();
        private final CompletableFuture<Done> attached = new CompletableFuture<>();
        private final CompletableFuture<Done> stopped = new CompletableFuture<>();
        private final AtomicInteger lifecycle = new AtomicInteger(ATTACHING);
        private final AtomicReference<ShmConsumer> attachedConsumer = new AtomicReference<>();
        /** Guards the consumer: the stage polls, any thread releases. */
        private final Object lock = new Object();
        private final Control control = new Control();
        private volatile ShmConsumer consumer;
        /** The producer's state as last seen; what the control plane reads once this end is closed. */
        private volatile PeerState lastPeerState = PeerState.NOT_ATTACHED;
        /** Written by the stage thread only, read by monitoring: release stores, no fence per element. */
        private final AtomicLong frames = new AtomicLong();
        private final AtomicLong bytes = new AtomicLong();
        private int held;
        private int maxHeld;
        private boolean waitingForRelease;
        private boolean stopping;
        private boolean cancelOnClose;
        private Wakeup waker;
        private ShmStreams.Registration registration = () -> { };
        private AsyncCallback<Long> onFrames;
        private AsyncCallback<NotUsed> onReleased;
        /** Created here, not in preStart: the control may be used as soon as the stream is materialized. */
        private final AsyncCallback<Boolean> onStop = createAsyncCallback(cancelProducer ->
        {
            cancelOnClose = cancelProducer;
            completeStage();
        });

        Logic()
        {
            super(shape);
            setHandler(out, this);
        }

        @Override
        public void preStart()
        {
            onFrames = createAsyncCallback(sequence -> emitIfDemanded());
            onReleased = createAsyncCallback(nothing -> emitIfDemanded());
            final AsyncCallback<ShmConsumer> onAttached = createAsyncCallback(this::onAttached);
            final AsyncCallback<Throwable> onAttachFailed = createAsyncCallback(ex ->
            {
                attached.completeExceptionally(ex);
                failStage(ex);
            });
            // registered before the segment exists, so CoordinatedShutdown can stop a stage still creating it
            final ShmStreams streams = ShmStreams.get(Adapter.toTyped(materializer().system()));
            registration = streams.register(this);
            final Executor blocking = materializer().system().dispatchers().lookup(BLOCKING_DISPATCHER);
            // after the control plane's stale sweep: a stale segment of a dead producer is gone by then
            streams.ready().thenRunAsync(() ->
            {
                final ShmConsumer newConsumer;
                try
                {
                    newConsumer = ShmConsumer.attach(channel);
                }
                catch (final Throwable ex)
                {
                    onAttachFailed.invoke(ex);
                    return;
                }
                attachedConsumer.set(newConsumer);
                if (lifecycle.compareAndSet(ATTACHING, ATTACHED))
                {
                    onAttached.invoke(newConsumer);
                }
                else
                {
                    newConsumer.close();
                }
            }, blocking).whenComplete((nothing, rejected) ->
            {
                // the blocking dispatcher refused the task (a system shutting down): fail, do not hang
                if (rejected != null)
                {
                    onAttachFailed.invoke(rejected);
                }
            });
        }

        private void onAttached(final ShmConsumer newConsumer)
        {
            consumer = newConsumer;
            maxHeld = Math.min(settings.maxHeldFrames(), newConsumer.layout().slotCount());
            waker = SpinningExecutor.wakeup("shm-source-" + channel.name(), channel.waitStrategy(),
                newConsumer.newWaiter(), onFrames::invoke);
            scheduleWithFixedDelay(LIVENESS_TIMER, channel.livenessInterval(), channel.livenessInterval());
            attached.complete(Done.getInstance());
            emitIfDemanded();
        }

        @Override
        public void onPull()
        {
            emit();
        }

        private void emitIfDemanded()
        {
            if (isAvailable(out))
            {
                emit();
            }
        }

        private void emit()
        {
            final ShmConsumer current = consumer;
            if (current == null)
            {
                return;
            }
            final long sequence;
            Frame frame = null;
            synchronized (lock)
            {
                if (held >= maxHeld)
                {
                    waitingForRelease = true;
                    return;
                }
                sequence = current.poll();
                if (sequence >= 0)
                {
                    held++;
                    frame = current.frame(sequence);
                }
            }
            if (sequence >= 0)
            {
                frames.lazySet(frames.get() + 1);
                bytes.lazySet(bytes.get() + frame.length());
                push(out, new ShmFrame(this, frame, sequence));
            }
            else if (sequence == ShmConsumer.EMPTY)
            {
                waker.request(current.nextSequence());
            }
            else
            {
                terminal(current, sequence);
            }
        }

        private void terminal(final ShmConsumer current, final long code)
        {
            lastPeerState = code == ShmConsumer.PRODUCER_LOST ? PeerState.LOST : PeerState.DETACHED;
            if (code == ShmConsumer.END_OF_STREAM || code == ShmConsumer.CLOSED)
            {
                completeStage();
            }
            else if (code == ShmConsumer.PRODUCER_FAILED)
            {
                failStage(new ProducerFailedException("the producer of channel " + channel.name() + " failed: " +
                    current.producerError()));
            }
            else
            {
                failStage(new PeerLostException("the producer of channel " + channel.name() +
                    " died without completing; every frame it committed was delivered"));
            }
        }

        @Override
        public void release(final ShmFrame frame)
        {
            final ShmConsumer current = consumer;
            boolean wake = false;
            synchronized (lock)
            {
                if (current.isClosed())
                {
                    return;
                }
                current.release(frame.sequence());
                held--;
                if (waitingForRelease && !stopping)
                {
                    waitingForRelease = false;
                    wake = true;
                }
                if (stopping && held == 0)
                {
                    closeLocked(current);
                }
            }
            if (wake)
            {
                onReleased.invoke(NotUsed.getInstance());
            }
        }

        @Override
        public void onTimer(final Object key)
        {
            final ShmConsumer current = consumer;
            if (current == null || isAvailable(out))
            {
                if (current != null)
                {
                    emit();
                }
                return;
            }
            // no demand: a dead producer with nothing left to deliver still fails the stream now
            final boolean lostAndDrained;
            synchronized (lock)
            {
                lostAndDrained = !current.isClosed() && current.available() == 0 &&
                    current.producerState() == PeerState.LOST;
            }
            if (lostAndDrained)
            {
                terminal(current, ShmConsumer.PRODUCER_LOST);
            }
        }

        @Override
        public void onDownstreamFinish(final Throwable cause)
        {
            cancelOnClose = true;
            completeStage();
        }

        @Override
        public void postStop()
        {
            if (lifecycle.getAndSet(STOPPED) == ATTACHED && consumer == null)
            {
                consumer = attachedConsumer.get();
            }
            if (waker != null)
            {
                waker.close();
            }
            final ShmConsumer current = consumer;
            if (current != null)
            {
                synchronized (lock)
                {
                    stopping = true;
                    if (cancelOnClose)
                    {
                        current.cancel();
                    }
                    if (held == 0)
                    {
                        closeLocked(current);
                    }
                    else
                    {
                        LOG.log(System.Logger.Level.DEBUG, "channel " + channel.name() + ": " + held +
                            " frame(s) still held downstream; the channel closes when the last is released");
                        Heartbeats.once(() -> abandonHeldFrames(current), settings.heldFramesTimeout());
                    }
                }
            }
            registration.close();
            if (!attached.isDone())
            {
                attached.completeExceptionally(new IllegalStateException("the source stopped before attaching"));
            }
            stopped.complete(Done.getInstance());
        }

        private void closeLocked(final ShmConsumer current)
        {
            if (!current.isClosed())
            {
                rememberPeerState(current);
                current.close();
            }
        }

        /** Frames never released (dropped downstream): detach anyway, leaving the memory mapped. */
        private void abandonHeldFrames(final ShmConsumer current)
        {
            synchronized (lock)
            {
                if (!current.isClosed() && held > 0)
                {
                    LOG.log(System.Logger.Level.WARNING, "channel " + channel.name() + ": " + held + " frame(s) were " +
                        "not released within " + settings.heldFramesTimeout() + " after the source stopped; " +
                        "detaching, the memory stays mapped so a late reader cannot crash");
                    rememberPeerState(current);
                    current.closeKeepingMapping();
                }
            }
        }

        private void rememberPeerState(final ShmConsumer current)
        {
            if (lastPeerState != PeerState.LOST)
            {
                lastPeerState = current.producerState();
            }
        }

        @Override
        public String channel()
        {
            return channel.name();
        }

        @Override
        public Path path()
        {
            return channel.path();
        }

        @Override
        public Role role()
        {
            return Role.CONSUMER;
        }

        @Override
        public PeerState peerState()
        {
            final ShmConsumer current = consumer;
            if (current == null || current.isClosed())
            {
                return lastPeerState;
            }
            final PeerState state = current.producerState();
            if (!current.isClosed())
            {
                lastPeerState = state;
            }
            return lastPeerState;
        }

        @Override
        public long frames()
        {
            return frames.get();
        }

        @Override
        public long dropped()
        {
            final ShmConsumer current = consumer;
            return current == null ? 0 : current.counter(ParticipantDescriptor.CONSUMER_DROPPED);
        }

        @Override
        public CompletionStage<Done> shutdown()
        {
            onStop.invoke(false);
            return stopped;
        }

        @Override
        public boolean unlink()
        {
            return false;
        }

        private final class Control implements ShmSourceControl
        {
            @Override
            public CompletionStage<Done> attached()
            {
                return attached;
            }

            @Override
            public CompletionStage<Done> stopped()
            {
                return stopped;
            }

            @Override
            public void stop()
            {
                onStop.invoke(true);
            }

            @Override
            public PeerState producerState()
            {
                return peerState();
            }

            @Override
            public long frames()
            {
                return frames.get();
            }

            @Override
            public long bytes()
            {
                return bytes.get();
            }

            @Override
            public int held()
            {
                synchronized (lock)
                {
                    return held;
                }
            }

            @Override
            public long dropped()
            {
                return Logic.this.dropped();
            }

            @Override
            public long occupancy()
            {
                final ShmConsumer current = consumer;
                if (current == null)
                {
                    return 0;
                }
                synchronized (lock)
                {
                    return current.occupancy();
                }
            }
        }
    }
}
