package dev.shmstreams.stream.reliability;

import akka.Done;
import akka.actor.ActorSystem;
import akka.japi.Pair;
import akka.stream.KillSwitches;
import akka.stream.UniqueKillSwitch;
import akka.stream.javadsl.Keep;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.Source;
import dev.shmstreams.stream.OverflowPolicy;
import dev.shmstreams.stream.ShmFrame;
import dev.shmstreams.stream.ShmSinkSettings;
import dev.shmstreams.stream.ShmSourceControl;
import dev.shmstreams.stream.ShmSourceSettings;
import dev.shmstreams.stream.it.AkkaChild;
import dev.shmstreams.stream.javadsl.ShmSink;
import dev.shmstreams.stream.javadsl.ShmSource;
import dev.shmstreams.transport.ShmException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The victim of {@link StageHostilePeerIT}: round after round, a fresh channel between a ShmSink
 * and a ShmSource graph in this process, running at full rate while the test JVM writes garbage
 * into the segment. A round ends when the test says so (its {@code end-N} file appears) or both
 * streams ended by themselves; then both are stopped and each stream's end is classified:
 * {@code completed}, or the simple name of a ShmException.
 *
 * <p>Lines: {@code ROUND n path=..} once both ends are up; {@code ENDED n sink=.. source=..
 * frames=N}; {@code DONE}. Anything else is a finding and ends the process with exit code 2: a stream
 * failing with an exception that is not a ShmException ({@code UNTYPED}), a stream that does not
 * end within 30 s of being stopped ({@code HUNG}), an exception escaping on any thread
 * ({@code UNCAUGHT}). A JVM crash shows as exit code 134 and an hs_err file.
 */
public final class HostileStagesMain
{
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
    private static ActorSystem system;

    private HostileStagesMain()
    {
    }

    public static void main(final String[] argv) throws Exception
    {
        Thread.setDefaultUncaughtExceptionHandler((thread, error) ->
        {
            error.printStackTrace();
            finding("UNCAUGHT thread=" + thread.getName().replace(' ', '_') + " error=" + describe(error));
        });
        final AkkaChild child = AkkaChild.start(argv);
        system = ActorSystem.create("hostile");
        final Path dir = Path.of(child.string("dir", "/dev/shm"));
        final Path endDirectory = Path.of(child.string("ends", "."));
        final int rounds = (int)child.number("rounds", 10);
        for (int round = 0; round < rounds; round++)
        {
            final String channel = "hostile-" + round;
            final ShmSinkSettings sinkSettings = ShmSinkSettings.create(system, channel).withDirectory(dir)
                .withSlots(8).withSlotSize(4096).withDrainTimeout(Duration.ofSeconds(1))
                .withOverflowPolicy(round % 3 == 2 ? OverflowPolicy.DROP_OLDEST_UNREAD : OverflowPolicy.BACKPRESSURE);
            final Pair<UniqueKillSwitch, CompletionStage<Done>> sink = Source.repeat(0)
                .viaMat(KillSwitches.single(), Keep.right())
                .toMat(ShmSink.create(sinkSettings, (n, frame) ->
                {
                    final int length = 8 + (int)(frame.sequence() % 1000);
                    frame.buffer().putLong(0, frame.sequence());
                    frame.buffer().putLong(length - 8, frame.sequence());
                    return length;
                }), Keep.both())
                .run(system);
            final AtomicLong frames = new AtomicLong();
            final Pair<ShmSourceControl, CompletionStage<Done>> source = ShmSource.create(
                    ShmSourceSettings.create(system, channel).withDirectory(dir).withAttachTimeout(Duration.ofSeconds(30)))
                .map(frame ->
                {
                    try (ShmFrame held = frame)
                    {
                        // touch what a consumer touches: length, descriptor fields, both ends of the payload
                        final int length = held.length();
                        long sum = held.frameId() + held.timestampNanos() + held.metadata().getLong(0);
                        if (length >= 8)
                        {
                            sum += held.buffer().getLong(0) + held.buffer().getLong(length - 8);
                        }
                        frames.incrementAndGet();
                        return sum;
                    }
                })
                .toMat(Sink.ignore(), Keep.both())
                .run(system);
            final String sourceAttach = end(source.first().attached(), STOP_TIMEOUT);
            final Path end = endDirectory.resolve("end-" + round);
            if ("completed".equals(sourceAttach))
            {
                AkkaChild.line("ROUND " + round + " path=" + dir.resolve(channel));
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (!Files.exists(end) && System.nanoTime() < deadline &&
                    !(sink.second().toCompletableFuture().isDone() && source.second().toCompletableFuture().isDone()))
                {
                    TimeUnit.MILLISECONDS.sleep(5);
                }
            }
            else
            {
                // the channel never came up (e.g. a round's garbage reached a later attach): still a typed end
                AkkaChild.line("ROUND " + round + " path=none attach=" + sourceAttach);
            }
            sink.first().shutdown();
            source.first().stop();
            final String sinkEnd = end(sink.second(), STOP_TIMEOUT);
            final String sourceEnd = end(source.second(), STOP_TIMEOUT);
            final boolean closed = end(source.first().stopped(), STOP_TIMEOUT).equals("completed");
            if (!closed)
            {
                finding("HUNG round=" + round + " the source did not close");
            }
            AkkaChild.line("ENDED " + round + " sink=" + sinkEnd + " source=" + sourceEnd + " frames=" + frames.get());
        }
        AkkaChild.line("DONE");
        system.terminate();
        system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
        System.exit(0);
    }

    /** @return "completed" or the ShmException's simple name; anything else is a finding. */
    private static String end(final CompletionStage<?> stage, final Duration timeout)
    {
        try
        {
            stage.toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return "completed";
        }
        catch (final TimeoutException ex)
        {
            for (final dev.shmstreams.control.ChannelHandle handle :
                dev.shmstreams.control.ShmStreams.get(akka.actor.typed.javadsl.Adapter.toTyped(system)).openChannels())
            {
                AkkaChild.line("OPEN channel=" + handle.channel() + " role=" + handle.role() + " peer=" +
                    handle.peerState() + " frames=" + handle.frames() + " dropped=" + handle.dropped());
            }
            finding("HUNG a stream did not end within " + timeout + " of being stopped");
        }
        catch (final ExecutionException | CompletionException ex)
        {
            Throwable cause = ex.getCause();
            while (cause instanceof CompletionException && cause.getCause() != null)
            {
                cause = cause.getCause();
            }
            if (cause instanceof ShmException)
            {
                return cause.getClass().getSimpleName();
            }
            cause.printStackTrace();
            finding("UNTYPED error=" + describe(cause));
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        return "unknown";
    }

    private static String describe(final Throwable error)
    {
        return (error.getClass().getName() + ":" + error.getMessage()).replace(' ', '_').replace('\n', '_');
    }

    private static void finding(final String line)
    {
        AkkaChild.line(line);
        Runtime.getRuntime().halt(2);
    }
}
