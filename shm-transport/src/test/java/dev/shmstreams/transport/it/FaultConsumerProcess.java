package dev.shmstreams.transport.it;

import dev.shmstreams.transport.ChannelSettings;
import dev.shmstreams.transport.Frame;
import dev.shmstreams.transport.ShmConsumer;
import org.agrona.DirectBuffer;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;

/**
 * The consumer victim of {@link ConsumerKillLoopIT}. It attaches where its killed predecessor left
 * the channel and checks the re-attach exactly; then, after {@code after} frames, stops at a named
 * point and says so, so the test's kill lands there.
 *
 * <p>What it is told and checks: the first frame it gets is {@code expectStart} (the released
 * sequence the test read from the segment after the last kill); frames listed in {@code skip}
 * (released out of order by the predecessor) never come; every other frame below
 * {@code redeliverUntil} (the predecessor's cursor) comes flagged {@link Frame#isRedelivered()},
 * every frame from it on does not; sequences ascend with no other gap; each frame's id, length,
 * user metadata, CRC32C and payload are those of {@link FramePattern}.
 *
 * <p>Points ({@code point=}): {@code holding} (poll some frames and keep them),
 * {@code outOfOrder} (poll some, release all but the first, out of order), {@code drain} (stop
 * inside a {@link ShmConsumer#drain} handler, the batch not released yet), {@code waiting} (say
 * {@code AT} and go on; the test stops producing, so the kill lands in the futex wait),
 * {@code free} (say {@code AT} and go on at full rate), {@code end} (no kill: run to the end of the
 * stream and print {@code RESULT}).
 *
 * <p>Lines: {@code ATTACHED next=S}; {@code AT point=.. received=N released=R next=S};
 * {@code RESULT terminal=.. received=N next=S redelivered=K}; {@code FAILURE ...} with exit 2.
 */
public final class FaultConsumerProcess
{
    private static long received;
    private static long redelivered;
    private static long expected;

    private FaultConsumerProcess()
    {
    }

    public static void main(final String[] argv)
    {
        final ChildSupport args = ChildSupport.init(argv);
        final ChannelSettings settings = args.settings();
        final long seed = args.longArg("seed", 1);
        final String point = args.arg("point");
        final long after = args.longArg("after", 1000);
        final long redeliverUntil = args.longArg("redeliverUntil", 0);
        final Set<Long> skip = new HashSet<>();
        for (final String s : args.stringArg("skip", "").split(","))
        {
            if (!s.isEmpty())
            {
                skip.add(Long.parseLong(s));
            }
        }
        final Random random = new Random(args.longArg("pointSeed", 1));
        final Checker checker = new Checker(seed, settings.slotSize(), redeliverUntil, skip);

        final ShmConsumer consumer = ShmConsumer.attach(settings);
        expected = args.longArg("expectStart", 0);
        ChildSupport.line("ATTACHED next=" + consumer.nextSequence() + " released=" + consumer.released());
        if (consumer.nextSequence() != expected)
        {
            ChildSupport.failAndExit("attached at " + consumer.nextSequence() + ", expected " + expected);
        }
        final long awaitNs = TimeUnit.MILLISECONDS.toNanos(100);
        boolean announced = false;
        while (true)
        {
            if (!announced && received == after)
            {
                switch (point)
                {
                    case "holding":
                        holdAndSleep(consumer, checker, 1 + random.nextInt(settings.slotCount() - 1), false, awaitNs);
                        break;
                    case "outOfOrder":
                        holdAndSleep(consumer, checker, 2 + random.nextInt(settings.slotCount() - 2), true, awaitNs);
                        break;
                    case "drain":
                    {
                        final int stopAt = random.nextInt(4);
                        final int[] handled = { 0 };
                        while (true)
                        {
                            consumer.drain(frame ->
                            {
                                checker.check(frame);
                                if (handled[0]++ == stopAt)
                                {
                                    at(consumer, "drain");
                                    ChildSupport.sleepForever();
                                }
                            }, 8);
                            consumer.awaitFrames(awaitNs);
                        }
                    }
                    case "waiting":
                    case "free":
                        at(consumer, point);
                        announced = true;
                        break;
                    case "end":
                        announced = true;
                        break;
                    default:
                        ChildSupport.failAndExit("unknown point " + point);
                }
            }
            final long sequence = consumer.poll();
            if (sequence >= 0)
            {
                try (Frame frame = consumer.frame(sequence))
                {
                    checker.check(frame);
                }
            }
            else if (sequence == ShmConsumer.EMPTY)
            {
                consumer.awaitFrames(awaitNs);
            }
            else
            {
                ChildSupport.line("RESULT terminal=" + ConsumerProcess.terminalName(sequence) + " received=" + received +
                    " next=" + expected + " redelivered=" + redelivered);
                consumer.close();
                System.exit(0);
            }
        }
    }

    private static void at(final ShmConsumer consumer, final String point)
    {
        ChildSupport.line("AT point=" + point + " received=" + received + " released=" + consumer.released() +
            " next=" + consumer.nextSequence() + " redelivered=" + redelivered);
    }

    /** Poll {@code count} frames and keep them; with {@code outOfOrder}, release all but the first. */
    private static void holdAndSleep(
        final ShmConsumer consumer, final Checker checker, final int count, final boolean outOfOrder, final long awaitNs)
    {
        final long[] held = new long[count];
        int n = 0;
        while (n < count)
        {
            final long sequence = consumer.poll();
            if (sequence >= 0)
            {
                checker.check(consumer.frame(sequence));
                held[n++] = sequence;
            }
            else if (sequence == ShmConsumer.EMPTY)
            {
                consumer.awaitFrames(awaitNs);
            }
            else
            {
                ChildSupport.failAndExit("stream ended while holding: " + sequence);
            }
        }
        if (outOfOrder)
        {
            for (int i = count - 1; i >= 1; i--)
            {
                consumer.release(held[i]);
            }
        }
        at(consumer, outOfOrder ? "outOfOrder" : "holding");
        ChildSupport.sleepForever();
    }

    /** The checks of the class comment, without allocating per frame. */
    private static final class Checker
    {
        private final long seed;
        private final int maxLength;
        private final long redeliverUntil;
        private final Set<Long> skip;
        private final CRC32C crc = new CRC32C();
        private final byte[] bytes;
        private final byte[] pattern;
        private final org.agrona.concurrent.UnsafeBuffer patternBuffer;

        Checker(final long seed, final int maxLength, final long redeliverUntil, final Set<Long> skip)
        {
            this.seed = seed;
            this.maxLength = maxLength;
            this.redeliverUntil = redeliverUntil;
            this.skip = skip;
            this.bytes = new byte[maxLength + 8];
            this.pattern = new byte[maxLength + 8];
            this.patternBuffer = new org.agrona.concurrent.UnsafeBuffer(pattern);
        }

        void check(final Frame frame)
        {
            while (skip.contains(expected))
            {
                expected++;
            }
            final long sequence = frame.sequence();
            if (sequence != expected)
            {
                ChildSupport.failAndExit("expected frame " + expected + ", got " + frame + " (skip " + skip + ")");
            }
            final boolean shouldBeRedelivered = sequence < redeliverUntil;
            if (frame.isRedelivered() != shouldBeRedelivered)
            {
                ChildSupport.failAndExit("frame " + sequence + " redelivered=" + frame.isRedelivered() +
                    ", expected " + shouldBeRedelivered + " (predecessor's cursor " + redeliverUntil + ")");
            }
            final int length = FramePattern.length(seed, sequence, maxLength);
            final DirectBuffer metadata = frame.metadata();
            if (frame.length() != length || frame.frameId() != FramePattern.frameId(seed, sequence) ||
                metadata.getLong(FramePattern.SEQUENCE_OFFSET) != sequence ||
                metadata.getInt(FramePattern.LENGTH_OFFSET) != length)
            {
                ChildSupport.failAndExit("frame " + sequence + " has length " + frame.length() + ", id " +
                    frame.frameId() + ", metadata sequence " + metadata.getLong(FramePattern.SEQUENCE_OFFSET));
            }
            frame.buffer().getBytes(0, bytes, 0, length);
            crc.reset();
            crc.update(bytes, 0, length);
            FramePattern.fill(patternBuffer, seed, sequence, length);
            if ((int)crc.getValue() != metadata.getInt(FramePattern.CRC_OFFSET) ||
                Arrays.mismatch(bytes, 0, length, pattern, 0, length) >= 0)
            {
                ChildSupport.failAndExit("frame " + sequence + ": payload or CRC32C differs");
            }
            if (frame.isRedelivered())
            {
                redelivered++;
            }
            received++;
            expected = sequence + 1;
        }
    }
}
