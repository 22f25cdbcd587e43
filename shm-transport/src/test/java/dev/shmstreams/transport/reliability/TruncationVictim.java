package dev.shmstreams.transport.reliability;

import dev.shmstreams.transport.ChannelSettings;
import dev.shmstreams.transport.Frame;
import dev.shmstreams.transport.ShmConsumer;
import dev.shmstreams.transport.ShmException;
import dev.shmstreams.transport.ShmProducer;
import dev.shmstreams.transport.WritableFrame;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A child process holding both ends of one channel, one thread each, while the test JVM truncates
 * the segment file under it. Each thread runs its normal loop until an exception ends it, then
 * reports what ended it; both ends are closed afterwards.
 *
 * <p>Arguments: the channel ones of {@link Child#settings()}, and {@code load=trickle} (a frame
 * every 20 ms: both ends spend their time in the futex wait and the liveness checks) or
 * {@code load=busy} (full rate), {@code warmup=N} frames before {@code READY}.
 *
 * <p>An {@code InternalError} raised in this class's own frame reads and writes (HotSpot's asynchronous
 * report of SIGBUS, which the library cannot intercept in code it does not run) is counted and the
 * loop goes on, as an application would: its next call into the library must then fail typed.
 *
 * <p>Lines: {@code READY frames=N}; {@code OUTCOME role=producer|consumer type=.. faultsInOwnCode=N message=..};
 * {@code CLOSE role=.. error=..} if closing threw; {@code DONE typed=true|false}. Exit 0 if both
 * ends ended with a {@link ShmException}, 2 otherwise; a JVM crash shows as 134 and an hs_err file.
 */
public final class TruncationVictim
{
    private TruncationVictim()
    {
    }

    public static void main(final String[] argv) throws InterruptedException
    {
        final Child args = Child.init(argv);
        final ChannelSettings settings = args.settings();
        final boolean busy = "busy".equals(args.stringArg("load", "busy"));
        final long warmup = args.longArg("warmup", busy ? 50_000 : 20);
        final ShmProducer producer = ShmProducer.create(settings);
        final ShmConsumer consumer = ShmConsumer.attach(settings);
        final AtomicLong received = new AtomicLong();
        final AtomicReference<Throwable> producerEnd = new AtomicReference<>();
        final AtomicReference<Throwable> consumerEnd = new AtomicReference<>();
        final CountDownLatch ended = new CountDownLatch(2);
        final AtomicLong producerFaults = new AtomicLong();
        final AtomicLong consumerFaults = new AtomicLong();

        final byte[] pattern = new byte[settings.slotSize()];
        final Thread producing = new Thread(() ->
        {
            while (true)
            {
            try
            {
                while (true)
                {
                    final long sequence = producer.tryClaim();
                    if (sequence >= 0)
                    {
                        final WritableFrame frame = producer.frame(sequence);
                        final int length = (int)(sequence % frame.capacity()) & ~7;
                        // putBytes (a guarded copy), not setMemory: HotSpot 17 does not survive SIGBUS in setMemory
                        frame.buffer().putBytes(0, pattern, 0, length);
                        frame.buffer().putLong(0, sequence);
                        producer.commit(sequence, Math.max(length, 8));
                        if (!busy)
                        {
                            TimeUnit.MILLISECONDS.sleep(20);
                        }
                    }
                    else if (sequence == ShmProducer.RING_FULL)
                    {
                        producer.awaitSpace(TimeUnit.MILLISECONDS.toNanos(100));
                    }
                    else
                    {
                        throw new IllegalStateException("tryClaim returned " + sequence);
                    }
                }
            }
            catch (final InternalError ex)
            {
                // HotSpot's asynchronous report of a fault, surfacing in this code's own frame writes:
                // an application carries on, and its next call into the library must say what happened
                if (producerFaults.incrementAndGet() < 1000)
                {
                    continue;
                }
                producerEnd.set(ex);
                ended.countDown();
                return;
            }
            catch (final Throwable ex)
            {
                producerEnd.set(ex);
                ended.countDown();
                return;
            }
            }
        }, "producer");

        final Thread consuming = new Thread(() ->
        {
            final byte[] scratch = new byte[settings.slotSize()];
            while (true)
            {
            try
            {
                while (true)
                {
                    final long sequence = consumer.poll();
                    if (sequence >= 0)
                    {
                        final Frame frame = consumer.frame(sequence);
                        frame.buffer().getBytes(0, scratch, 0, frame.length());
                        if (frame.buffer().getLong(0) != sequence)
                        {
                            throw new IllegalStateException("frame " + sequence + " holds " + frame.buffer().getLong(0));
                        }
                        frame.release();
                        received.incrementAndGet();
                    }
                    else if (sequence == ShmConsumer.EMPTY)
                    {
                        consumer.awaitFrames(TimeUnit.MILLISECONDS.toNanos(100));
                    }
                    else
                    {
                        throw new IllegalStateException("poll returned " + sequence);
                    }
                }
            }
            catch (final InternalError ex)
            {
                if (consumerFaults.incrementAndGet() < 1000)
                {
                    continue;
                }
                consumerEnd.set(ex);
                ended.countDown();
                return;
            }
            catch (final Throwable ex)
            {
                consumerEnd.set(ex);
                ended.countDown();
                return;
            }
            }
        }, "consumer");
        producing.start();
        consuming.start();

        while (received.get() < warmup && ended.getCount() == 2)
        {
            Child.sleepMillis(5);
        }
        Child.line("READY frames=" + received.get());
        ended.await();
        final boolean typed = report("producer", producerEnd.get(), producerFaults.get()) &
            report("consumer", consumerEnd.get(), consumerFaults.get());
        close("consumer", consumer);
        close("producer", producer);
        Child.line("DONE typed=" + typed);
        System.exit(typed ? 0 : Child.EXIT_FAILED);
    }

    private static boolean report(final String role, final Throwable end, final long faultsInOwnCode)
    {
        Child.line("OUTCOME role=" + role + " type=" + end.getClass().getSimpleName() + " faultsInOwnCode=" +
            faultsInOwnCode + " message=" +
            String.valueOf(end.getMessage()).replace(' ', '_'));
        if (!(end instanceof ShmException))
        {
            end.printStackTrace();
        }
        return end instanceof ShmException;
    }

    private static void close(final String role, final AutoCloseable end)
    {
        try
        {
            end.close();
        }
        catch (final Throwable ex)
        {
            Child.line("CLOSE role=" + role + " error=" + Child.describe(ex).replace(' ', '_'));
        }
    }
}
