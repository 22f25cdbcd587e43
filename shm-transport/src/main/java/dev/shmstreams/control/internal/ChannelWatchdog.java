package dev.shmstreams.control.internal;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Behaviors;
import dev.shmstreams.control.ChannelEvent;
import dev.shmstreams.control.ChannelHandle;
import dev.shmstreams.transport.PeerState;

import java.time.Duration;

/**
 * INTERNAL API. Looks at one channel end every interval and turns changes of its peer's state and
 * of its overflow counter into {@link ChannelEvent}s. It only reads shared memory through the
 * handle's thread-safe methods; it never touches the ring.
 */
final class ChannelWatchdog
{
    interface Command
    {
    }

    private enum Tick implements Command
    {
        INSTANCE
    }

    /** The end is closing: look one last time, report done, stop. */
    enum FinalCheck implements Command
    {
        INSTANCE
    }

    private ChannelWatchdog()
    {
    }

    static Behavior<Command> create(
        final long id, final ChannelHandle handle, final Duration interval,
        final ActorRef<ChannelRegistry.Command> registry)
    {
        return Behaviors.withTimers(timers ->
        {
            timers.startTimerWithFixedDelay(Tick.INSTANCE, Tick.INSTANCE, interval);
            return watching(id, handle, registry, PeerState.NOT_ATTACHED, 0);
        });
    }

    private static Behavior<Command> watching(
        final long id,
        final ChannelHandle handle,
        final ActorRef<ChannelRegistry.Command> registry,
        final PeerState lastState,
        final long lastDropped)
    {
        return Behaviors.receive(Command.class)
            .onMessage(FinalCheck.class, last ->
            {
                // the stage may have seen its peer die and closed within one interval: its handle
                // remembers the last state, so the event is not lost
                look(handle, registry, lastState, lastDropped);
                registry.tell(new ChannelRegistry.WatchdogDone(id));
                return Behaviors.stopped();
            })
            .onMessage(Tick.class, tick ->
            {
                final Seen seen = look(handle, registry, lastState, lastDropped);
                return seen.state() == lastState && seen.dropped() == lastDropped ? Behaviors.same() :
                    watching(id, handle, registry, seen.state(), Math.max(seen.dropped(), lastDropped));
            })
            .build();
    }

    /** What one look saw. */
    private record Seen(PeerState state, long dropped)
    {
    }

    /** Publish what changed since the last look; return what was seen. */
    private static Seen look(
        final ChannelHandle handle,
        final ActorRef<ChannelRegistry.Command> registry,
        final PeerState lastState,
        final long lastDropped)
    {
        final PeerState state = handle.peerState();
        if (state != lastState)
        {
            final ChannelEvent event = eventFor(handle, lastState, state);
            if (event != null)
            {
                registry.tell(new ChannelRegistry.Publish(event));
            }
        }
        final long dropped = handle.dropped();
        if (dropped > lastDropped)
        {
            registry.tell(new ChannelRegistry.Publish(new ChannelEvent.Overrun(
                handle.channel(), handle.role(), dropped - lastDropped, dropped)));
        }
        return new Seen(state, dropped);
    }

    private static ChannelEvent eventFor(final ChannelHandle handle, final PeerState from, final PeerState to)
    {
        final String channel = handle.channel();
        final ChannelHandle.Role role = handle.role();
        switch (to)
        {
            case ALIVE:
                return new ChannelEvent.PeerAttached(channel, role);
            case STALLED:
                return new ChannelEvent.PeerStalled(channel, role);
            case LOST:
                return new ChannelEvent.PeerLost(channel, role);
            case DETACHED:
                return new ChannelEvent.PeerDetached(channel, role);
            default:
                return null;
        }
    }
}
