package dev.shmstreams.transport.reliability;

import dev.shmstreams.transport.ChannelSettings;
import dev.shmstreams.transport.Frame;
import dev.shmstreams.transport.ShmConsumer;
import dev.shmstreams.transport.ShmException;
import dev.shmstreams.transport.ShmProducer;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The victim of {@link HostilePeerIT}: round after round, a fresh channel with both ends in this
 * process, one thread each running its normal loop (claims, commits, polls, releases, waits) while
 * the test JVM writes garbage into the segment. A round ends when both loops ended — with a normal
 * result code, a {@link ShmException}, or the round's time limit.
 *
 * <p>Lines: {@code ROUND n path=..} when a channel is up; {@code ENDED n producer=.. consumer=..
 * frames=N}; {@code UNTYPED role=.. error=..} and exit 2 for anything that is neither a normal
 * result nor a ShmException. A JVM crash shows as exit code 134 and an hs_err file.
 */
public final class HostileVictim
{
    private HostileVictim()
    {
    }

    public static void main(final String[] argv) throws InterruptedException
    {
        final Child args = Child.init(argv);
        final int rounds = args.intArg("rounds", 10);
        final long roundMillis = args.longArg("roundMillis", 1000);
        for (int round = 0; round < rounds; round++)
        {
            final ChannelSettings settings = args.settings().withName("hostile-" + round)
                .withDropOldestUnread(round % 3 == 2);
            final ShmProducer producer = ShmProducer.create(settings);
            final ShmConsumer consumer = ShmConsumer.attach(settings);
            final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(roundMillis);
            final AtomicReference<String> producerEnd = new AtomicReference<>("time");
            final AtomicReference<String> consumerEnd = new AtomicReference<>("time");
            final long[] frames = { 0 };
            final Thread producing = new Thread(() -> guard("producer", producerEnd, () ->
            {
                while (System.nanoTime() - deadline < 0)
                {
                    final long sequence = producer.tryClaim();
                    if (sequence >= 0)
                    {
                        producer.frame(sequence).buffer().putLong(0, sequence);
                        producer.commit(sequence, 8 + (int)(sequence % 1000));
                    }
                    else if (sequence == ShmProducer.RING_FULL)
                    {
                        producer.awaitSpace(TimeUnit.MILLISECONDS.toNanos(10));
                    }
                    else
                    {
                        return "code" + sequence;
                    }
                }
                return "time";
            }), "producer");
            final Thread consuming = new Thread(() -> guard("consumer", consumerEnd, () ->
            {
                while (System.nanoTime() - deadline < 0)
                {
                    final long sequence = consumer.poll();
                    if (sequence >= 0)
                    {
                        final Frame frame = consumer.frame(sequence);
                        if (frame.length() >= 8)
                        {
                            frame.buffer().getLong(frame.length() - 8);
                        }
                        frame.release();
                        frames[0]++;
                    }
                    else if (sequence == ShmConsumer.EMPTY)
                    {
                        consumer.awaitFrames(TimeUnit.MILLISECONDS.toNanos(10));
                    }
                    else
                    {
                        return "code" + sequence;
                    }
                }
                return "time";
            }), "consumer");
            producing.start();
            consuming.start();
            Child.line("ROUND " + round + " path=" + settings.path());
            producing.join();
            consuming.join();
            guard("consumer-close", new AtomicReference<>(), () ->
            {
                consumer.close();
                return "";
            });
            guard("producer-close", new AtomicReference<>(), () ->
            {
                producer.close();
                return "";
            });
            Child.line("ENDED " + round + " producer=" + producerEnd.get() + " consumer=" + consumerEnd.get() +
                " frames=" + frames[0]);
        }
        Child.line("DONE");
        System.exit(0);
    }

    private static void guard(final String role, final AtomicReference<String> end, final Body body)
    {
        try
        {
            end.set(body.run());
        }
        catch (final ShmException typed)
        {
            end.set(typed.getClass().getSimpleName());
        }
        catch (final Throwable untyped)
        {
            untyped.printStackTrace();
            Child.line("UNTYPED role=" + role + " error=" + Child.describe(untyped).replace(' ', '_'));
            System.exit(Child.EXIT_FAILED);
        }
    }

    @FunctionalInterface
    private interface Body
    {
        String run();
    }
}
