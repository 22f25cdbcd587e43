package dev.shmstreams.benchmarks;

/**
 * Entry point of every child JVM the harness spawns: {@code Child scenario=... role=... key=value...}.
 * Exits 0 after reporting its results, 1 on any failure (the harness then fails the scenario).
 *
 * <p>A child never outlives the harness: if the harness dies (even by kill -9) the child exits,
 * which runs the shutdown hooks that close its channels, so their files are unlinked.
 */
public final class Child
{
    private Child()
    {
    }

    public static void main(final String[] argv)
    {
        final ChildContext ctx = new ChildContext(argv);
        ProcessHandle.current().parent().ifPresent(parent -> parent.onExit().thenRun(() ->
        {
            System.err.println("harness process " + parent.pid() + " is gone; child removes its files and exits");
            try
            {
                BenchDirectory.deleteRecursively(ctx.directory());
            }
            catch (final java.io.IOException ex)
            {
                System.err.println("could not remove " + ctx.directory() + ": " + ex);
            }
            System.exit(3);
        }));
        try
        {
            run(ctx);
            ctx.result("processCpuSeconds", ChildContext.processCpuNanos() / 1e9);
            System.out.flush();
            System.exit(0);
        }
        catch (final Throwable ex)
        {
            System.err.println("[" + ctx.string("scenario") + "/" + ctx.string("role") + "] failed:");
            ex.printStackTrace();
            System.exit(1);
        }
    }

    private static void run(final ChildContext ctx) throws Exception
    {
        final String scenario = ctx.string("scenario");
        final String role = ctx.string("role");
        if (scenario.startsWith(dev.shmstreams.benchmarks.peers.PeerChild.SCENARIO_PREFIX))
        {
            dev.shmstreams.benchmarks.peers.PeerChild.run(ctx, scenario, role);
            return;
        }
        switch (scenario)
        {
            case Scenarios.LATENCY_RING:
                LatencyRing.run(ctx, role);
                break;
            case Scenarios.LATENCY_SPIN:
                LatencySpin.run(ctx, role);
                break;
            case Scenarios.THROUGHPUT_RING:
                ThroughputRing.run(ctx, role);
                break;
            case Scenarios.THROUGHPUT_AGRONA:
                ThroughputAgrona.run(ctx, role);
                break;
            case Scenarios.LARGE_RING:
                LargeFrameRing.run(ctx, role);
                break;
            case Scenarios.WAKEUP_RING:
                WakeupRing.run(ctx, role);
                break;
            case Scenarios.WAKEUP_FUTEX:
                WakeupFutex.run(ctx, role);
                break;
            case Scenarios.IDLE_RING:
                IdleCpu.runRing(ctx, role);
                break;
            case Scenarios.IDLE_JVM:
                IdleCpu.runBaseline(ctx);
                break;
            default:
                throw new IllegalArgumentException("unknown scenario " + scenario);
        }
    }
}
