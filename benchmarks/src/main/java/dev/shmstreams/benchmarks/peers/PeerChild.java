package dev.shmstreams.benchmarks.peers;

import dev.shmstreams.benchmarks.ChildContext;

import java.util.List;

/**
 * Entry of every peer child JVM ({@code scenario=peer-<name> role=producer|consumer|single}):
 * reads its phases and the pair's control file, starts the {@link PhaseControl.Watcher}, and
 * runs the peer's role over every phase.
 */
public final class PeerChild
{
    public static final String SCENARIO_PREFIX = "peer-";

    private PeerChild()
    {
    }

    public static void run(final ChildContext ctx, final String scenario, final String role) throws Exception
    {
        final String peer = scenario.substring(SCENARIO_PREFIX.length());
        final List<Phase> phases = Phase.decode(ctx.string("phases"));
        if ("memcpy".equals(peer))
        {
            MemcpyPeer.run(ctx, phases);
            return;
        }
        try (PhaseControl control = new PhaseControl(ctx.directory().resolve(ctx.string("control"))))
        {
            final PhaseControl.Watcher watcher = new PhaseControl.Watcher(ctx, control, phases);
            try
            {
                runRole(ctx, control, phases, peer, "producer".equals(role));
            }
            finally
            {
                watcher.join();
            }
        }
    }

    private static void runRole(final ChildContext ctx, final PhaseControl control, final List<Phase> phases,
        final String peer, final boolean producer) throws Exception
    {
        switch (peer)
        {
            case "limit":
                LimitPeer.run(ctx, control, phases);
                break;
            case "akka-async":
                AkkaAsyncBaseline.run(ctx, control, phases);
                break;
            case "ring":
                if (producer)
                {
                    RingPeer.produce(ctx, control, phases);
                }
                else
                {
                    RingPeer.consume(ctx, control, phases);
                }
                break;
            case "stages":
                if (producer)
                {
                    StagesPeer.produce(ctx, control, phases);
                }
                else
                {
                    StagesPeer.consume(ctx, control, phases);
                }
                break;
            case "tcp":
            case "uds":
                if (producer)
                {
                    SocketPeer.produce(ctx, control, phases, "uds".equals(peer));
                }
                else
                {
                    SocketPeer.consume(ctx, control, phases, "uds".equals(peer));
                }
                break;
            case "akka-tcp":
                if (producer)
                {
                    AkkaTcpPeer.produce(ctx, control, phases);
                }
                else
                {
                    AkkaTcpPeer.consume(ctx, control, phases);
                }
                break;
            case "streamrefs":
                if (producer)
                {
                    StreamRefsPeer.produce(ctx, control, phases);
                }
                else
                {
                    StreamRefsPeer.consume(ctx, control, phases);
                }
                break;
            case "aeron":
                if (producer)
                {
                    AeronPeer.produce(ctx, control, phases);
                }
                else
                {
                    AeronPeer.consume(ctx, control, phases);
                }
                break;
            default:
                throw new IllegalArgumentException("unknown peer " + peer);
        }
    }

    /** A peer's wait for its counterpart (a connection, a stopped phase) longer than this fails the pair. */
    static final long PEER_TIMEOUT_NANOS = 60_000_000_000L;
}
