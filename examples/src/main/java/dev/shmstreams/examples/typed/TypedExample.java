package dev.shmstreams.examples.typed;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.actor.typed.Props;
import akka.actor.typed.SpawnProtocol;
import akka.actor.typed.javadsl.AskPattern;
import akka.japi.pf.PFBuilder;
import akka.stream.javadsl.Sink;
import akka.stream.typed.javadsl.ActorSink;
import dev.shmstreams.examples.ChildProcesses;
import dev.shmstreams.examples.ExampleSystem;
import dev.shmstreams.examples.Flags;
import dev.shmstreams.examples.RingProbe;
import dev.shmstreams.examples.video.Nv12Pattern;
import dev.shmstreams.examples.video.VideoProducer;
import dev.shmstreams.stream.ShmFrame;
import dev.shmstreams.stream.ShmSourceSettings;
import dev.shmstreams.stream.javadsl.ShmSource;
import dev.shmstreams.transport.PeerLostException;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A typed actor consuming frames with backpressure, and the control plane telling it about its
 * producer. Two runs, each with a video producer process (the demo's, at 720p):
 * <ol>
 *   <li>the actor withholds an acknowledgement, the ring fills, and the producer process is killed
 *       with SIGKILL; the control plane reports {@code PeerLost}, the actor drains what the dead
 *       producer committed, and the stream fails with {@code PeerLostException};</li>
 *   <li>a new producer runs for a short while and completes; the stream completes.</li>
 * </ol>
 */
public final class TypedExample
{
    public static final String HELP =
        "  --hold-after N               frames before the actor withholds an acknowledgement (default 60)\n" +
        "  --seconds S                  how long the second producer runs (default 2)\n" +
        "  --dir DIR                    segment directory (default /dev/shm)\n";

    private static final int SLOTS = 8;
    private static final Duration WAIT = Duration.ofSeconds(60);

    private TypedExample()
    {
    }

    /**
     * @param args see {@link #HELP}.
     * @param out  what happens.
     * @return 0 when both runs ended as described and every frame was intact.
     */
    public static int run(final String[] args, final PrintStream out) throws Exception
    {
        final Map<String, String> defaults = new LinkedHashMap<>();
        defaults.put("hold-after", "60");
        defaults.put("seconds", "2");
        defaults.put("dir", "/dev/shm");
        final Flags flags = Flags.parse(args, defaults);
        final long holdAfter = flags.integer("hold-after", 1, 1_000_000);
        final double seconds = flags.decimal("seconds", 0.5, 3600);
        final Path dir = Path.of(flags.string("dir"));
        final String prefix = "shm-streams-typed-" + ProcessHandle.current().pid();

        final ActorSystem<SpawnProtocol.Command> system = ExampleSystem.create(SpawnProtocol.create(), "typed-example", dir);
        try (ChildProcesses children = new ChildProcesses())
        {
            out.println("run 1: the producer is killed while the actor holds back (backpressure)");
            final long[] committed = { -1 };
            final FrameConsumer.Outcome killed =
                killedProducer(system, children, dir, prefix + "-1", holdAfter, committed, out);
            out.println();
            out.println("run 2: a producer that completes");
            final FrameConsumer.Outcome completed = completingProducer(system, children, dir, prefix + "-2", seconds, out);

            out.println();
            out.println("summary");
            out.printf("  run 1  %5d frames verified, %d corrupt; ended with %s; events %s%n", killed.frames(),
                killed.bad(), describe(killed.failure()), killed.events());
            out.printf("  run 2  %5d frames verified, %d corrupt; ended with %s; events %s%n", completed.frames(),
                completed.bad(), describe(completed.failure()), completed.events());
            final boolean ok = killed.bad() == 0 && completed.bad() == 0 && killed.frames() == committed[0] &&
                killed.failure() instanceof PeerLostException && killed.events().contains("PeerLost") &&
                completed.failure() == null && completed.frames() > 0;
            out.println(ok ? "result: the actor saw its producer attach and die, drained what it left, and every " +
                "frame was intact" : "result: FAILED (see above)");
            return ok ? 0 : 1;
        }
        finally
        {
            ExampleSystem.terminate(system);
        }
    }

    private static FrameConsumer.Outcome killedProducer(
        final ActorSystem<SpawnProtocol.Command> system,
        final ChildProcesses children,
        final Path dir,
        final String channel,
        final long holdAfter,
        final long[] committed,
        final PrintStream out) throws Exception
    {
        final Process producer = startProducer(children, dir, channel, 3600, out);
        final CompletableFuture<Long> holding = new CompletableFuture<>();
        final CompletableFuture<FrameConsumer.Outcome> outcome = new CompletableFuture<>();
        consume(system, channel, holdAfter, holding, outcome, out);

        holding.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        final RingProbe probe = RingProbe.open(dir.resolve(channel));
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (probe != null && probe.occupancy() < SLOTS && System.nanoTime() < deadline)
        {
            TimeUnit.MILLISECONDS.sleep(20);
        }
        out.println("ring " + (probe == null ? "?" : probe.occupancy()) + "/" + SLOTS + ": killing the producer " +
            "process (pid " + producer.pid() + ") with SIGKILL");
        producer.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        final FrameConsumer.Outcome result = outcome.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        committed[0] = probe == null ? -1 : probe.published();
        out.println("the dead producer had committed " + committed[0] + " frames; the actor received " +
            result.frames());
        return result;
    }

    private static FrameConsumer.Outcome completingProducer(
        final ActorSystem<SpawnProtocol.Command> system,
        final ChildProcesses children,
        final Path dir,
        final String channel,
        final double seconds,
        final PrintStream out) throws Exception
    {
        final Process producer = startProducer(children, dir, channel, seconds, out);
        final CompletableFuture<FrameConsumer.Outcome> outcome = new CompletableFuture<>();
        consume(system, channel, 0, new CompletableFuture<>(), outcome, out);
        final FrameConsumer.Outcome result = outcome.get(WAIT.toSeconds() + (long)seconds, TimeUnit.SECONDS);
        producer.waitFor(30, TimeUnit.SECONDS);
        return result;
    }

    private static Process startProducer(
        final ChildProcesses children, final Path dir, final String channel, final double seconds, final PrintStream out)
    {
        final Process producer = children.start(VideoProducer.class, new String[] { "--resolution", "720p",
            "--fps", "100", "--duration", String.valueOf(seconds), "--slots", String.valueOf(SLOTS),
            "--dir", dir.toString(), "--channel", channel }, line ->
        {
            if (!line.startsWith("SUMMARY"))
            {
                out.println("producer: " + line);
            }
        });
        out.println("producer process pid " + producer.pid() + " renders 720p frames at 100 fps into " +
            dir.resolve(channel));
        return producer;
    }

    private static void consume(
        final ActorSystem<SpawnProtocol.Command> system,
        final String channel,
        final long holdAfter,
        final CompletableFuture<Long> holding,
        final CompletableFuture<FrameConsumer.Outcome> outcome,
        final PrintStream out) throws Exception
    {
        final Nv12Pattern pattern = new Nv12Pattern(1280, 720);
        final CompletableFuture<akka.Done> subscribed = new CompletableFuture<>();
        final Behavior<FrameConsumer.Command> behavior =
            FrameConsumer.create(channel, pattern, holdAfter, holding, subscribed, outcome, out);
        final ActorRef<FrameConsumer.Command> consumer = AskPattern.<SpawnProtocol.Command, ActorRef<FrameConsumer.Command>>ask(
            system, replyTo -> new SpawnProtocol.Spawn<>(behavior, "frame-consumer-" + channel, Props.empty(), replyTo),
            Duration.ofSeconds(10), system.scheduler()).toCompletableFuture().get(10, TimeUnit.SECONDS);
        // the actor's setup runs after the Spawn reply may have come: wait until it has subscribed, so
        // the control plane sees the subscription before the stream below registers its channel end
        subscribed.get(10, TimeUnit.SECONDS);

        // #typed-sink
        final Sink<Element, akka.NotUsed> toActor = ActorSink.actorRefWithBackpressure(
            consumer,
            (ActorRef<FrameConsumer.Ack> replyTo, Element element) -> element.frame() != null ?
                new FrameConsumer.FrameReceived(element.frame(), replyTo) : new FrameConsumer.Failed(element.failure()),
            FrameConsumer.Started::new,
            FrameConsumer.Ack.INSTANCE,
            FrameConsumer.Completed.INSTANCE,
            FrameConsumer.Failed::new);
        ShmSource.create(ShmSourceSettings.create(system, channel).withExpectedGeometry(SLOTS, pattern.frameLength()))
            .map(Element::frame)
            // the failure as a last element: ActorSink drops the elements it has buffered when its
            // upstream fails, and a frame dropped without release keeps the channel open
            .recover(new PFBuilder<Throwable, Element>().match(Throwable.class, Element::failed).build())
            .runWith(toActor, system);
        // #typed-sink
    }

    /** A frame, or the stream's failure carried as its last element. */
    record Element(ShmFrame frame, Throwable failure)
    {
        static Element frame(final ShmFrame frame)
        {
            return new Element(frame, null);
        }

        static Element failed(final Throwable failure)
        {
            return new Element(null, failure);
        }
    }

    private static String describe(final Throwable failure)
    {
        return failure == null ? "completion" : failure.getClass().getSimpleName();
    }
}
