package dev.shmstreams.control.internal;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import dev.shmstreams.control.ChannelEvent;
import dev.shmstreams.control.ChannelHandle;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * INTERNAL API. The registry of open channel ends: one {@link ChannelWatchdog} child per end, and
 * the subscribers every event is forwarded to.
 */
public final class ChannelRegistry extends AbstractBehavior<ChannelRegistry.Command>
{
    public interface Command
    {
    }

    public record Register(long id, ChannelHandle handle) implements Command
    {
    }

    public record Unregister(long id) implements Command
    {
    }

    public record Subscribe(ActorRef<ChannelEvent> subscriber) implements Command
    {
    }

    public record Unsubscribe(ActorRef<ChannelEvent> subscriber) implements Command
    {
    }

    record Publish(ChannelEvent event) implements Command
    {
    }

    record WatchdogDone(long id) implements Command
    {
    }

    private final Duration watchdogInterval;
    private final Map<Long, ActorRef<ChannelWatchdog.Command>> watchdogs = new HashMap<>();
    private final Map<Long, ChannelHandle> handles = new HashMap<>();
    private final Set<ActorRef<ChannelEvent>> subscribers = new HashSet<>();

    private ChannelRegistry(final ActorContext<Command> context, final Duration watchdogInterval)
    {
        super(context);
        this.watchdogInterval = watchdogInterval;
    }

    public static Behavior<Command> create(final Duration watchdogInterval)
    {
        return Behaviors.setup(context -> new ChannelRegistry(context, watchdogInterval));
    }

    @Override
    public Receive<Command> createReceive()
    {
        return newReceiveBuilder()
            .onMessage(Register.class, this::onRegister)
            .onMessage(Unregister.class, this::onUnregister)
            .onMessage(Subscribe.class, this::onSubscribe)
            .onMessage(Unsubscribe.class, this::onUnsubscribe)
            .onMessage(Publish.class, this::onPublish)
            .onMessage(WatchdogDone.class, this::onWatchdogDone)
            .build();
    }

    private Behavior<Command> onRegister(final Register register)
    {
        final ChannelHandle handle = register.handle();
        handles.put(register.id(), handle);
        watchdogs.put(register.id(), getContext().spawn(
            ChannelWatchdog.create(register.id(), handle, watchdogInterval, getContext().getSelf()),
            "channel-" + register.id()));
        publish(new ChannelEvent.ChannelOpened(handle.channel(), handle.path(), handle.role()));
        return this;
    }

    /** The watchdog takes a last look first; ChannelClosed follows its events (same sender, in order). */
    private Behavior<Command> onUnregister(final Unregister unregister)
    {
        final ActorRef<ChannelWatchdog.Command> watchdog = watchdogs.remove(unregister.id());
        if (watchdog != null)
        {
            watchdog.tell(ChannelWatchdog.FinalCheck.INSTANCE);
        }
        return this;
    }

    private Behavior<Command> onWatchdogDone(final WatchdogDone done)
    {
        final ChannelHandle handle = handles.remove(done.id());
        if (handle != null)
        {
            publish(new ChannelEvent.ChannelClosed(handle.channel(), handle.role()));
        }
        return this;
    }

    private Behavior<Command> onSubscribe(final Subscribe subscribe)
    {
        subscribers.add(subscribe.subscriber());
        return this;
    }

    private Behavior<Command> onUnsubscribe(final Unsubscribe unsubscribe)
    {
        subscribers.remove(unsubscribe.subscriber());
        return this;
    }

    private Behavior<Command> onPublish(final Publish publish)
    {
        publish(publish.event());
        return this;
    }

    private void publish(final ChannelEvent event)
    {
        subscribers.forEach(subscriber -> subscriber.tell(event));
    }
}
