package dev.shmstreams.stream.impl;

import akka.Done;
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
import dev.shmstreams.dispatch.SpinningExecutor;
import dev.shmstreams.stream.FrameWriter;
import dev.shmstreams.stream.OverflowPolicy;
import dev.shmstreams.stream.PeerGoneAction;
import dev.shmstreams.stream.ShmSinkSettings;
import dev.shmstreams.transport.ChannelSettings;
import dev.shmstreams.transport.ConsumerCancelledException;
import dev.shmstreams.transport.PeerLostException;
import dev.shmstreams.transport.PeerState;
import dev.shmstreams.transport.RingFullException;
import dev.shmstreams.transport.ShmProducer;
import dev.shmstreams.transport.Wakeup;
import dev.shmstreams.transport.layout.ParticipantDescriptor;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

/**
 * INTERNAL API. The sink: each element is written in place into a slot claimed before the element
 * was pulled, so the stage pulls exactly while a slot is free (backpressure is ring fullness).
 *
 * <p>Never blocks its thread: the segment is created on the blocking-IO dispatcher; when the ring
 * is full the stage asks its {@link Waker} thread for one callback once a slot can be claimed; the
 * consumer's liveness is checked by a timer.
 */
public final class ShmSinkStage<T> extends AbstractGraphStageWithMaterializedValue<SinkShape<T>, CompletionStage<Done>>
{
    private static final String LIVENESS_TIMER = "liveness";
    private static final String BLOCKING_DISPATCHER = "akka.actor.default-blocking-io-dispatcher";
    private static final int CREATING = 0;
    private static final int CREATED = 1;
    private static final int STOPPED = 2;

    private final Inlet<T> in = Inlet.create("ShmSink.in");
    private final SinkShape<T> shape = SinkShape.of(in);
    private final ShmSinkSettings settings;
    private final FrameWriter<T> writer;

    public ShmSinkStage(final ShmSinkSettings settings, final FrameWriter<T> writer)
    {
        this.settings = settings;
        this.writer = writer;
    }

    @Override
    public SinkShape<T> shape()
    {
        return shape;
    }

    @Override
    public Attributes initialAttributes()
    {
        return Attributes.name("ShmSink");
    }

    @Override
    public Pair<GraphStageLogic, CompletionStage<Done>> createLogicAndMaterializedValuePair(final Attributes attributes)
    {
        final CompletableFuture<Done> done = new CompletableFuture<>();
        return Pair.create(new Logic(done), done);
    }

    private final class Logic extends TimerGraphStageLogic implements InHandler, ChannelHandle
    {
        private final CompletableFuture<Done> done;
        private final CompletableFuture<Done> closed = new CompletableFuture<>();
        private final ChannelSettings channel = settings.channel();
        private final OverflowPolicy policy = settings.overflowPolicy();
        private final AtomicInteger lifecycle = new AtomicInteger(CREATING);
        private final AtomicReference<ShmProducer> created = new AtomicReference<>();
        private volatile ShmProducer producer;
        /** Why the stage failed before its segment was created: what the creating thread writes into it. */
        private volatile String stopCause;
        /** The consumer's state as last seen; what the control plane reads once this end is closed. */
        private volatile PeerState lastPeerState = PeerState.NOT_ATTACHED;
        /** Written by the stage thread only, read by monitoring: a release store, no fence per element. */
        private final AtomicLong frames = new AtomicLong();
        private Wakeup waker;
        private ShmStreams.Registration registration = () -> { };
        private AsyncCallback<Long> onSpace;
        /** Created here, not in preStart: CoordinatedShutdown may ask as soon as the stage is registered. */
        private final AsyncCallback<CompletableFuture<Done>> onShutdown = createAsyncCallback(reply -> failNow(
            new IllegalStateException("the actor system is shutting down (CoordinatedShutdown)")));
        private long claimed = -1;
        /** drop-oldest-unread: an element pulled while the oldest frame was held; written once a slot frees. */
        private T pending;
        private boolean upstreamFinished;
        /** The producer completed or failed and the stage waits for the consumer to drain. */
        private boolean draining;
        /** Set when the stream failed and the channel lingers until the consumer has seen it. */
        private Throwable failure;
        private boolean waitingForConsumer;
        private long drainDeadline;

        Logic(final CompletableFuture<Done> done)
        {
            super(shape);
            this.done = done;
            setHandler(in, this);
        }

        @Override
        public void preStart()
        {
            final Runnable spaceStep = this::onSpace;
            onSpace = createAsyncCallback(sequence -> guarded(spaceStep));
            final AsyncCallback<ShmProducer> onCreated = createAsyncCallback(created -> guarded(() -> onCreated(created)));
            final AsyncCallback<Throwable> onCreateFailed = createAsyncCallback(this::failNow);
            // registered before the segment exists, so CoordinatedShutdown can stop a stage still creating it
            final ShmStreams streams = ShmStreams.get(Adapter.toTyped(materializer().system()));
            registration = streams.register(this);
            final Executor blocking = materializer().system().dispatchers().lookup(BLOCKING_DISPATCHER);
            // after the control plane's stale sweep, which must not meet a segment being created
            streams.ready().thenRunAsync(() ->
            {
                final ShmProducer newProducer;
                try
                {
                    newProducer = ShmProducer.create(channel);
                }
                catch (final Throwable ex)
                {
                    onCreateFailed.invoke(ex);
                    return;
                }
                created.set(newProducer);
                if (lifecycle.compareAndSet(CREATING, CREATED))
                {
                    onCreated.invoke(newProducer);
                }
                else
                {
                    // the stage stopped while the segment was being created: a consumer may have
                    // attached already, so it learns why (stopCause is written before STOPPED)
                    final String cause = stopCause;
                    try
                    {
                        if (cause != null)
                        {
                            newProducer.fail(cause);
                        }
                    }
                    finally
                    {
                        newProducer.close();
                    }
                }
            }, blocking).whenComplete((nothing, rejected) ->
            {
                // the blocking dispatcher refused the task (a system shutting down): fail, do not hang
                if (rejected != null)
                {
                    onCreateFailed.invoke(rejected);
                }
            });
        }

        private void onCreated(final ShmProducer newProducer)
        {
            producer = newProducer;
            waker = SpinningExecutor.wakeup("shm-sink-" + channel.name(), channel.waitStrategy(),
                newProducer.newWaiter(), onSpace::invoke);
            scheduleWithFixedDelay(LIVENESS_TIMER, channel.livenessInterval(), channel.livenessInterval());
            if (upstreamFinished)
            {
                finishUpstream();
            }
            else
            {
                pullIfSpace();
            }
        }

        /**
         * Backpressure: pull only with a slot already claimed for the element, so the stage pulls
         * exactly while a slot is free. The other policies claim when the element arrives: a
         * drop-oldest-unread claim made before the element exists would drop a frame the consumer
         * could still have read meanwhile.
         */
        private void pullIfSpace()
        {
            if (producer == null || upstreamFinished || pending != null || isClosed(in) || hasBeenPulled(in))
            {
                return;
            }
            if (policy == OverflowPolicy.BACKPRESSURE)
            {
                if (claimed < 0)
                {
                    final long sequence = producer.tryClaim();
                    if (sequence < 0)
                    {
                        claimFailed(sequence);
                        return;
                    }
                    claimed = sequence;
                }
            }
            waitingForConsumer = false;
            pull(in);
        }

        private void claimFailed(final long code)
        {
            if (code == ShmProducer.RING_FULL)
            {
                waker.request(producer.nextSequence());
            }
            else if (code == ShmProducer.CONSUMER_CANCELLED)
            {
                consumerGone(settings.onConsumerCancel(), new ConsumerCancelledException(
                    "the consumer of channel " + channel.name() + " cancelled the stream"));
            }
        }

        private void onSpace()
        {
            if (pending != null)
            {
                final T element = pending;
                pending = null;
                write(element);
            }
            else if (draining)
            {
                checkDrained();
            }
            else if (!upstreamFinished)
            {
                pullIfSpace();
            }
        }

        @Override
        public void onPush()
        {
            // guarded() inline: a lambda per element would be an allocation per frame
            try
            {
                write(grab(in));
            }
            catch (final RuntimeException ex)
            {
                failNow(ex);
            }
        }

        private void write(final T element)
        {
            long sequence = claimed;
            claimed = -1;
            if (sequence < 0)
            {
                sequence = producer.tryClaim();
                if (sequence == ShmProducer.RING_FULL && policy == OverflowPolicy.DROP_NEWEST)
                {
                    producer.recordDropped(1);
                    pullIfSpace();
                    return;
                }
                if (sequence == ShmProducer.RING_FULL && policy == OverflowPolicy.DROP_OLDEST_UNREAD)
                {
                    // the oldest frame is held by the consumer: wait for it with the element in hand
                    pending = element;
                    waker.request(producer.nextSequence());
                    return;
                }
                if (sequence == ShmProducer.RING_FULL && policy == OverflowPolicy.FAIL)
                {
                    failAndLinger(new RingFullException("channel " + channel.name() + ": all " +
                        producer.layout().slotCount() + " slots are written or held by the consumer"));
                    return;
                }
                if (sequence < 0)
                {
                    claimFailed(sequence);
                    return;
                }
            }
            try
            {
                final int length = writer.write(element, producer.frame(sequence));
                producer.commit(sequence, length);
                frames.lazySet(frames.get() + 1);
            }
            catch (final Throwable ex)
            {
                producer.abort(sequence);
                failAndLinger(ex);
                return;
            }
            if (upstreamFinished)
            {
                finishUpstream();
            }
            else
            {
                pullIfSpace();
            }
        }

        @Override
        public void onUpstreamFinish()
        {
            upstreamFinished = true;
            setKeepGoing(true);
            // bounds the wait of an element still pending behind a held frame (checkConsumer)
            drainDeadline = System.nanoTime() + settings.drainTimeout().toNanos();
            if (producer != null && pending == null)
            {
                guarded(this::finishUpstream);
            }
        }

        private void finishUpstream()
        {
            if (claimed >= 0)
            {
                producer.abort(claimed);
                claimed = -1;
            }
            producer.complete();
            drainDeadline = System.nanoTime() + settings.drainTimeout().toNanos();
            draining = true;
            checkDrained();
        }

        /**
         * After completion: detach once the consumer released everything, or left (detached, died,
         * cancelled), or the drain timeout passed. A consumer that has not attached yet is waited
         * for: a source may start after a short producer stream already completed.
         */
        private void checkDrained()
        {
            final PeerState consumer = producer.consumerState();
            final boolean left = consumer == PeerState.DETACHED || consumer == PeerState.LOST;
            if ((producer.isConsumed() && consumer != PeerState.NOT_ATTACHED) || left ||
                producer.isConsumerCancelled() || System.nanoTime() - drainDeadline >= 0)
            {
                close();
                done.complete(Done.getInstance());
                completeStage();
            }
            else
            {
                waker.request(producer.published() + producer.layout().slotCount() - 1);
            }
        }

        @Override
        public void onUpstreamFailure(final Throwable cause)
        {
            guarded(() -> failAndLinger(cause));
        }

        @Override
        public void onTimer(final Object key)
        {
            guarded(this::checkConsumer);
        }

        /**
         * Every entry point of the stage runs through this: a transport call that throws (a
         * CorruptSegmentException when the other side or a foreign writer broke the segment) fails
         * the stream with that cause, in the materialized value too. Thrown out of a handler it
         * would reach Akka, which fails the stage but leaves the materialized value only an
         * AbruptStageTerminationException, and the consumer only "closed without completing".
         */
        private void guarded(final Runnable step)
        {
            try
            {
                step.run();
            }
            catch (final RuntimeException ex)
            {
                failNow(ex);
            }
        }

        private void checkConsumer()
        {
            if (producer == null || producer.isClosed())
            {
                return;
            }
            if (draining)
            {
                checkDrained();
                return;
            }
            if (upstreamFinished && pending != null && System.nanoTime() - drainDeadline >= 0)
            {
                // the drain timeout bounds this wait too: a consumer that detached holding the
                // oldest frame never releases it; the element is dropped (and counted)
                pending = null;
                producer.recordDropped(1);
                finishUpstream();
                return;
            }
            // also while upstream finished with an element pending behind a held frame: the
            // consumer may die or cancel meanwhile
            final PeerState consumer = producer.consumerState();
            if (consumer == PeerState.LOST && !waitingForConsumer)
            {
                lastPeerState = PeerState.LOST;
                consumerGone(settings.onConsumerLost(), new PeerLostException("the consumer of channel " +
                    channel.name() + " died while attached (its lock was released)"));
            }
            else if (producer.isConsumerCancelled() && !waitingForConsumer)
            {
                consumerGone(settings.onConsumerCancel(), new ConsumerCancelledException(
                    "the consumer of channel " + channel.name() + " cancelled the stream"));
            }
            else if (waitingForConsumer && consumer == PeerState.ALIVE && !producer.isConsumerCancelled())
            {
                pullIfSpace();
            }
        }

        private void consumerGone(final PeerGoneAction action, final RuntimeException why)
        {
            switch (action)
            {
                case COMPLETE:
                    if (claimed >= 0)
                    {
                        producer.abort(claimed);
                        claimed = -1;
                    }
                    producer.complete();
                    close();
                    done.complete(Done.getInstance());
                    completeStage();
                    break;
                case FAIL:
                    failNow(why);
                    break;
                default:
                    waitingForConsumer = true;
                    break;
            }
        }

        /**
         * The stream failed: fail the materialized value and cancel upstream now, but keep the
         * channel until the consumer has seen the failure (it reads every frame before it), has
         * left, or the drain timeout passed, like a completion: a consumer starting late still
         * learns why the stream ended instead of timing out on a vanished channel.
         */
        private void failAndLinger(final Throwable cause)
        {
            if (producer == null || producer.isClosed())
            {
                failNow(cause);
                return;
            }
            writeFailure(cause);
            done.completeExceptionally(cause);
            failure = cause;
            if (!isClosed(in))
            {
                cancel(in);
            }
            setKeepGoing(true);
            upstreamFinished = true;
            drainDeadline = System.nanoTime() + settings.drainTimeout().toNanos();
            draining = true;
            checkDrained();
        }

        /** Fail and close at once: the consumer is gone, or the system is shutting down. */
        private void failNow(final Throwable cause)
        {
            writeFailure(cause);
            try
            {
                close();
            }
            finally
            {
                done.completeExceptionally(cause);
                failStage(cause);
            }
        }

        private void writeFailure(final Throwable cause)
        {
            stopCause = messageOf(cause);
            if (producer == null && lifecycle.compareAndSet(CREATED, STOPPED))
            {
                // created, but the callback has not arrived yet: a consumer may be attached already
                producer = created.get();
            }
            if (producer != null && !producer.isClosed())
            {
                try
                {
                    if (claimed >= 0)
                    {
                        producer.abort(claimed);
                        claimed = -1;
                    }
                    producer.fail(stopCause);
                }
                catch (final RuntimeException unusable)
                {
                    // the segment itself is broken (the cause, typically): close() still detaches
                    claimed = -1;
                }
            }
        }

        private static String messageOf(final Throwable cause)
        {
            return String.valueOf(cause.getMessage() == null ? cause : cause.getMessage());
        }

        private void close()
        {
            if (waker != null)
            {
                waker.close();
            }
            try
            {
                if (producer != null)
                {
                    if (!producer.isClosed() && lastPeerState != PeerState.LOST)
                    {
                        lastPeerState = producer.consumerState();
                    }
                    producer.close();
                }
            }
            finally
            {
                registration.close();
            }
        }

        @Override
        public void postStop()
        {
            if (lifecycle.getAndSet(STOPPED) == CREATED && producer == null)
            {
                // created, but the stage stopped before the callback arrived
                producer = created.get();
            }
            close();
            if (!done.isDone())
            {
                done.completeExceptionally(new AbruptStageTerminationException(this));
            }
            closed.complete(Done.getInstance());
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
            return Role.PRODUCER;
        }

        @Override
        public PeerState peerState()
        {
            final ShmProducer current = producer;
            if (current == null || current.isClosed())
            {
                return lastPeerState;
            }
            final PeerState state = current.consumerState();
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
            final ShmProducer current = producer;
            return current == null ? 0 : current.counter(ParticipantDescriptor.PRODUCER_DROPPED);
        }

        @Override
        public CompletionStage<Done> shutdown()
        {
            onShutdown.invoke(closed);
            return closed;
        }

        @Override
        public boolean unlink()
        {
            final ShmProducer current = producer;
            return current != null && current.unlink();
        }

        @Override
        public BooleanSupplier nameRemover()
        {
            final ShmProducer current = producer;
            return current == null ? null : current::unlink;
        }
    }
}
