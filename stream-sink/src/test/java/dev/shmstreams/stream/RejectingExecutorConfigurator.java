package dev.shmstreams.stream;

import akka.dispatch.DispatcherPrerequisites;
import akka.dispatch.ExecutorServiceConfigurator;
import akka.dispatch.ExecutorServiceFactory;
import com.typesafe.config.Config;

import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * A dispatcher executor that refuses every task, as the blocking-IO dispatcher of a system in the
 * middle of shutting down does: for the test of a stage whose segment creation cannot be scheduled.
 */
public final class RejectingExecutorConfigurator extends ExecutorServiceConfigurator
{
    public RejectingExecutorConfigurator(final Config config, final DispatcherPrerequisites prerequisites)
    {
        super(config, prerequisites);
    }

    @Override
    public ExecutorServiceFactory createExecutorServiceFactory(final String id, final ThreadFactory threadFactory)
    {
        return () -> new AbstractExecutorService()
        {
            private volatile boolean shutdown;

            @Override
            public void execute(final Runnable task)
            {
                throw new RejectedExecutionException("this executor refuses every task (test)");
            }

            @Override
            public void shutdown()
            {
                shutdown = true;
            }

            @Override
            public List<Runnable> shutdownNow()
            {
                shutdown = true;
                return List.of();
            }

            @Override
            public boolean isShutdown()
            {
                return shutdown;
            }

            @Override
            public boolean isTerminated()
            {
                return shutdown;
            }

            @Override
            public boolean awaitTermination(final long timeout, final TimeUnit unit)
            {
                return true;
            }
        };
    }
}
