package dev.shmstreams.benchmarks.peers;

import dev.shmstreams.benchmarks.ChildContext;
import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.aeron.FragmentAssembler;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.aeron.logbuffer.BufferClaim;
import org.agrona.BufferUtil;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * Aeron IPC (io.aeron 1.46.9, on the same Agrona 1.23.1 as the transport) between two processes:
 * the producer embeds the media driver (SHARED threading, sleeping 1 ms when idle: for IPC the
 * driver only moves the publisher's limit and cleans terms), both processes map the log buffers in
 * the run's directory under /dev/shm. One exclusive publication per phase on
 * {@code aeron:ipc?term-length=T|mtu=65504}: T is the {@code termLength} argument (the harness's
 * {@code --aeron-term-length}, 128 MiB by default); a message may be at most T / 8 (and 16 MiB), so
 * a 12.4 MB frame needs T >= 128 MiB. Aeron allows up to 1 GiB, but its three terms (3 GiB) are
 * then never warm within a phase: every page of the log is touched for the first time while frames
 * are written into it, and a page fault per 4 KiB made 4K frames 5x slower here (35 against 180
 * frames/s, quick runs, same minute). The MTU is Aeron's largest, 65,504 bytes, so a large message is cut into as few
 * fragments as Aeron allows.
 *
 * <p>Small messages are written in place ({@code tryClaim}, fill, {@code commit}); messages larger
 * than a fragment are filled into a buffer and {@code offer}ed, which copies them into the log in
 * fragments (Aeron has no zero-copy path for them), and the consumer's {@link FragmentAssembler}
 * copies them together again before it can read them. The consumer polls busy-spinning, or with
 * Agrona's BackoffIdleStrategy in the "blocking" phases.
 */
final class AeronPeer
{
    /** Aeron's largest MTU (its maximum UDP payload, checked for IPC too). */
    static final int MTU = 65_504;
    private static final int STREAM_BASE = 1000;

    private AeronPeer()
    {
    }

    private static String directory(final ChildContext ctx)
    {
        return ctx.directory().resolve("aeron-r" + ctx.string("round")).toString();
    }

    static void produce(final ChildContext ctx, final PhaseControl control, final List<Phase> phases)
    {
        ctx.pin("cpu");
        final int termLength = ctx.integer("termLength");
        final MediaDriver.Context driverContext = new MediaDriver.Context()
            .aeronDirectoryName(directory(ctx))
            .threadingMode(ThreadingMode.SHARED)
            // for IPC the driver only moves the publisher's limit (a window of half a term) and cleans terms: a
            // thread that sleeps 1 ms between duty cycles costs no throughput and leaves both cores to the peers
            .sharedIdleStrategy(new SleepingMillisIdleStrategy(1))
            .dirDeleteOnStart(true)
            .dirDeleteOnShutdown(true)
            .termBufferSparseFile(true)
            .performStorageChecks(false);
        try (MediaDriver driver = MediaDriver.launch(driverContext);
            Aeron aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(driver.aeronDirectoryName())))
        {
            final String channel = "aeron:ipc?term-length=" + termLength + "|mtu=" + MTU;
            ctx.log("media driver in " + driver.aeronDirectoryName() + ", channel " + channel);
            for (int p = 0; p < phases.size(); p++)
            {
                final Phase phase = phases.get(p);
                final Sender sender = new Sender(phase, control, p).withRealtimeWait();
                try (ExclusivePublication publication = aeron.addExclusivePublication(channel, STREAM_BASE + p))
                {
                    if (phase.length > publication.maxMessageLength())
                    {
                        throw new IllegalArgumentException(phase.name + ": " + phase.length + " B exceeds Aeron's " +
                            "largest message for term length " + termLength + ": " + publication.maxMessageLength());
                    }
                    final long deadline = System.nanoTime() + PeerChild.PEER_TIMEOUT_NANOS;
                    while (!publication.isConnected() && !sender.stopped())
                    {
                        if (System.nanoTime() - deadline > 0)
                        {
                            throw new IllegalStateException(phase.name + ": no subscriber");
                        }
                        LockSupport.parkNanos(1_000_000L);
                    }
                    backPressured = 0;
                    adminActions = 0;
                    notConnected = 0;
                    if (phase.length <= publication.maxPayloadLength())
                    {
                        sendClaimed(sender, publication, phase);
                    }
                    else
                    {
                        sendOffered(sender, publication, phase);
                    }
                    sender.finish();
                    ctx.result(phase.name + ".messagesSent", sender.sequence);
                    ctx.result(phase.name + ".backPressured", backPressured);
                    ctx.result(phase.name + ".adminActions", adminActions);
                    ctx.result(phase.name + ".notConnected", notConnected);
                }
                control.awaitStopped(p, PeerChild.PEER_TIMEOUT_NANOS);
            }
            // a client whose driver disappears fails: wait for the consumer's to close first
            control.awaitStopped(phases.size(), 10_000_000_000L);
        }
    }

    /** Offers and claims refused, by reason, in the current phase: where an Aeron producer waits. */
    private static long backPressured;
    private static long adminActions;
    private static long notConnected;

    private static void sendClaimed(final Sender sender, final ExclusivePublication publication, final Phase phase)
    {
        final BufferClaim claim = new BufferClaim();
        final int batch = phase.batch();
        while (!sender.stopped())
        {
            final long intended = sender.awaitDue();
            for (int i = 0; i < batch; i++)
            {
                long result;
                while ((result = publication.tryClaim(phase.length, claim)) < 0)
                {
                    if (!retry(result, sender))
                    {
                        return;
                    }
                }
                sender.write(claim.buffer(), claim.offset(), intended);
                claim.commit();
            }
        }
    }

    private static void sendOffered(final Sender sender, final ExclusivePublication publication, final Phase phase)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(BufferUtil.allocateDirectAligned(phase.length, 4096));
        while (!sender.stopped())
        {
            final long intended = sender.awaitDue();
            sender.write(buffer, 0, intended);
            long result;
            while ((result = publication.offer(buffer, 0, phase.length)) < 0)
            {
                if (!retry(result, sender))
                {
                    return;
                }
            }
        }
    }

    /** @return whether to try again: back pressure and admin actions pass, a closed or gone subscriber ends the phase. */
    private static boolean retry(final long result, final Sender sender)
    {
        if (sender.stopped())
        {
            return false;
        }
        if (result == Publication.BACK_PRESSURED || result == Publication.ADMIN_ACTION)
        {
            if (result == Publication.BACK_PRESSURED)
            {
                backPressured++;
            }
            else
            {
                adminActions++;
            }
            Thread.onSpinWait();
            return true;
        }
        if (result == Publication.NOT_CONNECTED)
        {
            notConnected++;
            // the subscriber closed at the end of its window; the stop flag follows at once
            LockSupport.parkNanos(100_000L);
            return true;
        }
        throw new IllegalStateException("Aeron publication failed: " + result);
    }

    static void consume(final ChildContext ctx, final PhaseControl control, final List<Phase> phases)
    {
        ctx.pin("cpu");
        final long deadline = System.nanoTime() + PeerChild.PEER_TIMEOUT_NANOS;
        Aeron connected = null;
        while (connected == null)
        {
            try
            {
                // Aeron's default error handler exits the process on a driver timeout; the driver's end
                // at the end of the run is expected, so only log
                connected = Aeron.connect(new Aeron.Context().aeronDirectoryName(directory(ctx))
                    .errorHandler(ex -> ctx.log("Aeron client: " + ex)));
            }
            catch (final RuntimeException ex)
            {
                // the producer's media driver is not up yet
                if (System.nanoTime() - deadline > 0)
                {
                    throw ex;
                }
                LockSupport.parkNanos(100_000_000L);
            }
        }
        try (Aeron aeron = connected)
        {
            for (int p = 0; p < phases.size(); p++)
            {
                final Phase phase = phases.get(p);
                final Meter meter = new Meter(ctx, control, p, phase);
                final FragmentAssembler assembler = new FragmentAssembler(
                    (buffer, offset, length, header) -> meter.accept(buffer, offset, length),
                    phase.small() ? 4096 : phase.length, true);
                // blocking phases: Agrona's backoff (spin, yield, then park up to 1 ms), Aeron's usual idle strategy
                final IdleStrategy idle = phase.blocking() ? new BackoffIdleStrategy() : new BusySpinIdleStrategy();
                try (Subscription subscription = aeron.addSubscription("aeron:ipc", STREAM_BASE + p))
                {
                    while (!meter.done())
                    {
                        idle.idle(subscription.poll(assembler, 256));
                    }
                }
                meter.report();
            }
        }
        // the producer's media driver may now go
        control.advance(phases.size(), PhaseControl.STOPPED);
    }
}
