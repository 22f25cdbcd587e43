package dev.shmstreams.transport.it;

import dev.shmstreams.transport.ChannelSettings;
import dev.shmstreams.transport.Frame;
import dev.shmstreams.transport.ShmConsumer;

import java.util.concurrent.TimeUnit;

/**
 * A consumer process for the cross-process tests. Attaches (waiting for the producer if it is not
 * there yet), verifies every frame with {@link FrameVerifier}, releases it, and reports how the
 * stream ended.
 *
 * <p>Arguments ({@code key=value}): the channel ones of {@link ChildSupport#settings()}, and
 * <ul>
 *   <li>{@code seed}: the frame pattern's seed, as the producer's;</li>
 *   <li>{@code hold}: after {@code releaseFirst} frames were received and released, poll this many
 *       more without releasing them, print {@code HOLDING}, and sleep until killed (default 0: off);</li>
 *   <li>{@code releaseFirst}: see {@code hold};</li>
 *   <li>{@code releaseHeldButFirst}: 1 to release the held frames except the first before printing
 *       {@code HOLDING}, out of order (default 0);</li>
 *   <li>{@code gap}: FROM-TO, frames [FROM, TO) a previous consumer released out of order and that
 *       must not be delivered again;</li>
 *   <li>{@code progressEvery}: print {@code PROGRESS received=N} every N frames (default 10000);</li>
 *   <li>{@code awaitMs}: how long one {@link ShmConsumer#awaitFrames} call waits on an empty ring
 *       (default 500); with a long liveness interval too, the consumer spends nearly all its idle
 *       time inside one futex sleep.</li>
 * </ul>
 *
 * <p>Output lines: {@code ATTACHING}; {@code ATTACHED next=S released=R producerState=..};
 * {@code PROGRESS ...}; {@code HOLDING first=S count=H unreleased=U released=R next=N}; {@code RESULT
 * terminal=END_OF_STREAM|PRODUCER_FAILED|PRODUCER_LOST producerState=.. error=.. first=.. next=..
 * received=.. redelivered=.. firstRedelivered=.. lastRedelivered=..}; {@code CLOSED}.
 * {@code FAILURE ...} with exit code 2 on the first frame that is not the one expected.
 */
public final class ConsumerProcess
{
    private ConsumerProcess()
    {
    }

    public static void main(final String[] argv)
    {
        final ChildSupport args = ChildSupport.init(argv);
        final ChannelSettings settings = args.settings();
        final long seed = args.longArg("seed", 1);
        final long hold = args.longArg("hold", 0);
        final long releaseFirst = args.longArg("releaseFirst", 0);
        final boolean releaseHeldButFirst = args.longArg("releaseHeldButFirst", 0) != 0;
        final long progressEvery = args.longArg("progressEvery", 10_000);
        final long awaitNs = TimeUnit.MILLISECONDS.toNanos(args.longArg("awaitMs", 500));
        final FrameVerifier verifier = new FrameVerifier(seed, settings.slotSize());

        ChildSupport.line("ATTACHING");
        final ShmConsumer consumer = ShmConsumer.attach(settings);
        ChildSupport.line("ATTACHED next=" + consumer.nextSequence() + " released=" + consumer.released() +
            " producerState=" + consumer.producerState());
        verifier.expectFrom(consumer.nextSequence());
        final String gap = args.stringArg("gap", "");
        if (!gap.isEmpty())
        {
            final String[] range = gap.split("-");
            verifier.expectGap(Long.parseLong(range[0]), Long.parseLong(range[1]));
        }

        long held = 0;
        long firstHeld = -1;
        final long terminal;
        while (true)
        {
            final long sequence = consumer.poll();
            if (sequence >= 0)
            {
                final Frame frame = consumer.frame(sequence);
                final String problem = verifier.verify(frame);
                if (problem != null)
                {
                    ChildSupport.failAndExit(problem);
                }
                if (hold > 0 && verifier.count() > releaseFirst)
                {
                    if (firstHeld < 0)
                    {
                        firstHeld = sequence;
                    }
                    if (++held == hold)
                    {
                        if (releaseHeldButFirst)
                        {
                            // out of order: the released prefix stops at firstHeld, the rest is released
                            for (long s = firstHeld + 1; s <= sequence; s++)
                            {
                                consumer.release(s);
                            }
                        }
                        ChildSupport.line("HOLDING first=" + firstHeld + " count=" + held + " unreleased=" +
                            (releaseHeldButFirst ? 1 : held) + " released=" + consumer.released() + " next=" +
                            consumer.nextSequence());
                        ChildSupport.sleepForever();
                    }
                }
                else
                {
                    frame.release();
                }
                if (verifier.count() % progressEvery == 0)
                {
                    ChildSupport.line("PROGRESS received=" + verifier.count() + " next=" + verifier.next());
                }
            }
            else if (sequence == ShmConsumer.EMPTY)
            {
                consumer.awaitFrames(awaitNs);
            }
            else
            {
                terminal = sequence;
                break;
            }
        }

        final String error = terminal == ShmConsumer.PRODUCER_FAILED ? consumer.producerError() : "";
        ChildSupport.line("RESULT terminal=" + terminalName(terminal) + " producerState=" + consumer.producerState() +
            " released=" + consumer.released() + " " + verifier.summary() + " error=" + error.replace(' ', '_'));
        consumer.close();
        ChildSupport.line("CLOSED");
        System.exit(0);
    }

    static String terminalName(final long code)
    {
        if (code == ShmConsumer.END_OF_STREAM)
        {
            return "END_OF_STREAM";
        }
        if (code == ShmConsumer.PRODUCER_FAILED)
        {
            return "PRODUCER_FAILED";
        }
        if (code == ShmConsumer.PRODUCER_LOST)
        {
            return "PRODUCER_LOST";
        }
        if (code == ShmConsumer.CLOSED)
        {
            return "CLOSED";
        }
        return "UNKNOWN(" + code + ")";
    }
}
