package dev.shmstreams.examples.typed;

import akka.Done;
import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.PostStop;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import dev.shmstreams.control.ChannelEvent;
import dev.shmstreams.control.ShmStreams;
import dev.shmstreams.examples.video.Nv12Pattern;
import dev.shmstreams.stream.ShmFrame;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A typed actor at the end of a {@code ShmSource}: it receives each frame through
 * {@code ActorSink.actorRefWithBackpressure}, verifies it in place, releases it and acknowledges, so
 * the source emits the next frame only when the actor asks for it. It also subscribes to the control
 * plane ({@link ShmStreams}) and reacts to its events for its channel. The subscription is a message
 * to the control plane, which does not replay past events: the actor completes {@code subscribed}
 * once it has sent it, and the stream is started only then, so the stream's registration reaches
 * the control plane after the subscription and no event of the channel (PeerAttached first) is missed.
 *
 * <p>With {@code holdAfter > 0} it withholds the acknowledgement after that many frames (a consumer
 * busy elsewhere): backpressure fills the ring and the producer waits. When the control plane reports
 * the producer lost, it acknowledges again and drains the frames the dead producer had committed,
 * which the source still delivers before failing with {@code PeerLostException}.
 */
public final class FrameConsumer extends AbstractBehavior<FrameConsumer.Command>
{
    // #typed-protocol
    /** What the actor receives. */
    public interface Command
    {
    }

    /** The stream started; acknowledge to get the first frame. */
    public record Started(ActorRef<Ack> replyTo) implements Command
    {
    }

    /** A frame, held in place until the actor releases it; acknowledge to get the next. */
    public record FrameReceived(ShmFrame frame, ActorRef<Ack> replyTo) implements Command
    {
    }

    /** The producer completed and every frame was delivered. */
    public enum Completed implements Command
    {
        INSTANCE
    }

    /** The stream failed: the producer failed, died (PeerLostException), or the channel could not be opened. */
    public record Failed(Throwable cause) implements Command
    {
    }

    /** An event of the control plane. */
    public record ControlEvent(ChannelEvent event) implements Command
    {
    }

    /** The acknowledgement the sink waits for before it sends the next frame. */
    public enum Ack
    {
        INSTANCE
    }
    // #typed-protocol

    /** How a run ended, for the example's summary. */
    public record Outcome(long frames, long bad, Throwable failure, List<String> events)
    {
    }

    private final String channel;
    private final Nv12Pattern pattern;
    private final long holdAfter;
    private final CompletableFuture<Long> holding;
    private final CompletableFuture<Outcome> outcome;
    private final PrintStream out;
    private final ActorRef<ChannelEvent> events;
    private final Nv12Pattern.Inspection inspection = new Nv12Pattern.Inspection();
    private final List<String> seen = new ArrayList<>();
    private long frames;
    private long bad;
    private ActorRef<Ack> withheld;

    private FrameConsumer(
        final ActorContext<Command> context,
        final String channel,
        final Nv12Pattern pattern,
        final long holdAfter,
        final CompletableFuture<Long> holding,
        final CompletableFuture<Done> subscribed,
        final CompletableFuture<Outcome> outcome,
        final PrintStream out)
    {
        super(context);
        this.channel = channel;
        this.pattern = pattern;
        this.holdAfter = holdAfter;
        this.holding = holding;
        this.outcome = outcome;
        this.out = out;
        // #typed-subscribe
        events = context.messageAdapter(ChannelEvent.class, ControlEvent::new);
        ShmStreams.get(context.getSystem()).subscribe(events);   // a message to the control plane's registry
        subscribed.complete(Done.getInstance());                 // start the stream after this: events in order
        // #typed-subscribe
    }

    /**
     * @param channel    the channel whose events matter.
     * @param pattern    the frames' pattern, to verify them.
     * @param holdAfter  withhold the acknowledgement after this many frames until the producer is lost; 0 never.
     * @param holding    completes with the frame count when the acknowledgement is withheld.
     * @param subscribed completes once the subscription to the control plane is sent: start the stream
     *                   after it, and the control plane has the subscriber before the stream registers.
     * @param outcome    completes when the stream ends.
     * @param out        where the actor tells what happens.
     * @return the behaviour.
     */
    public static Behavior<Command> create(
        final String channel,
        final Nv12Pattern pattern,
        final long holdAfter,
        final CompletableFuture<Long> holding,
        final CompletableFuture<Done> subscribed,
        final CompletableFuture<Outcome> outcome,
        final PrintStream out)
    {
        return Behaviors.setup(context ->
            new FrameConsumer(context, channel, pattern, holdAfter, holding, subscribed, outcome, out));
    }

    @Override
    public Receive<Command> createReceive()
    {
        return newReceiveBuilder()
            .onMessage(Started.class, started ->
            {
                started.replyTo().tell(Ack.INSTANCE);
                return this;
            })
            .onMessage(FrameReceived.class, this::onFrame)
            .onMessage(ControlEvent.class, this::onControlEvent)
            .onMessageEquals(Completed.INSTANCE, () -> finish(null))
            .onMessage(Failed.class, failed -> finish(failed.cause()))
            .onSignal(PostStop.class, stop ->
            {
                ShmStreams.get(getContext().getSystem()).unsubscribe(events);
                return this;
            })
            .build();
    }

    // #typed-frame
    private Behavior<Command> onFrame(final FrameReceived received)
    {
        try (ShmFrame frame = received.frame())              // release the slot when done, exactly once
        {
            pattern.inspect(frame.buffer(), inspection);       // in place, in shared memory
            if (inspection.checksum != pattern.checksum(frame.frameId()))   // what this frame id must hold
            {
                bad++;
            }
        }
        frames++;
        if (frames == holdAfter)
        {
            withheld = received.replyTo();                     // no ack: the source stops, the ring fills up
            out.println("frame-consumer: " + frames + " frames verified; withholding the acknowledgement " +
                "(backpressure fills the ring, the producer waits)");
            holding.complete(frames);
        }
        else
        {
            received.replyTo().tell(Ack.INSTANCE);             // ask for the next frame
        }
        return this;
    }
    // #typed-frame

    // #typed-events
    private Behavior<Command> onControlEvent(final ControlEvent message)
    {
        final ChannelEvent event = message.event();
        if (!event.channel().equals(channel))
        {
            return this;
        }
        seen.add(event.getClass().getSimpleName());
        out.println("control plane: " + event);
        if (event instanceof ChannelEvent.PeerLost && withheld != null)
        {
            out.println("frame-consumer: the producer is lost; acknowledging again to drain the frames it committed");
            withheld.tell(Ack.INSTANCE);
            withheld = null;
        }
        return this;
    }
    // #typed-events

    private Behavior<Command> finish(final Throwable failure)
    {
        out.println("frame-consumer: stream " + (failure == null ? "completed" : "failed: " + failure) + " after " +
            frames + " frames, " + (bad == 0 ? "every one intact" : bad + " CORRUPT"));
        outcome.complete(new Outcome(frames, bad, failure, List.copyOf(seen)));
        return Behaviors.stopped();
    }
}
