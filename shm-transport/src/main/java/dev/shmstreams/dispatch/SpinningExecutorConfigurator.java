package dev.shmstreams.dispatch;

import akka.dispatch.DispatcherPrerequisites;
import akka.dispatch.ExecutorServiceConfigurator;
import akka.dispatch.ExecutorServiceFactory;
import com.typesafe.config.Config;

import java.time.Duration;
import java.util.concurrent.ThreadFactory;

/**
 * Makes a {@link SpinningExecutor} the executor of an Akka dispatcher:
 *
 * <pre>
 * my-dispatcher {
 *   type = Dispatcher
 *   executor = "dev.shmstreams.dispatch.SpinningExecutorConfigurator"
 *   spinning-executor.idle-spin = 100us
 * }
 * </pre>
 *
 * {@code shm-streams.spinning-dispatcher} in reference.conf is one, ready to use with
 * {@code ActorAttributes.dispatcher("shm-streams.spinning-dispatcher")}.
 */
public final class SpinningExecutorConfigurator extends ExecutorServiceConfigurator
{
    private static final String IDLE_SPIN = "spinning-executor.idle-spin";
    private static final Duration DEFAULT_IDLE_SPIN = Duration.ofNanos(100_000);

    private final Duration idleSpin;

    public SpinningExecutorConfigurator(final Config config, final DispatcherPrerequisites prerequisites)
    {
        super(config, prerequisites);
        this.idleSpin = config.hasPath(IDLE_SPIN) ? config.getDuration(IDLE_SPIN) : DEFAULT_IDLE_SPIN;
        if (idleSpin.isNegative())
        {
            throw new IllegalArgumentException(IDLE_SPIN + " must not be negative: " + idleSpin);
        }
    }

    @Override
    public ExecutorServiceFactory createExecutorServiceFactory(final String id, final ThreadFactory threadFactory)
    {
        return () -> new SpinningExecutor(threadFactory, idleSpin);
    }
}
