package dev.shmstreams.transport.it;

import dev.shmstreams.transport.ChannelSettings;
import dev.shmstreams.transport.ShmProducer;

import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;

/**
 * The producer victim of {@link ProducerKillLoopIT}: sends {@link FramePattern} frames and, after
 * {@code after} frames, stops at a named point of the protocol and says so, so the test's kill
 * lands exactly there.
 *
 * <p>Points ({@code point=}):
 * <ul>
 *   <li>{@code claimed}: one more frame claimed and fully written, not committed;</li>
 *   <li>{@code committed}: right after a commit, nothing claimed;</li>
 *   <li>{@code batch}: four frames claimed, all written, the first two committed with one
 *       {@code commitUpTo}, the other two claimed with their lengths set;</li>
 *   <li>{@code full}: keeps sending; says {@code AT} the first time the ring is full after
 *       {@code after} frames and then waits for space (in the futex, with the blocking strategy);</li>
 *   <li>{@code free}: says {@code AT} and keeps sending at full rate: the kill lands anywhere.</li>
 * </ul>
 * Lines: {@code CREATED}; {@code AT point=.. published=P}; exit 2 with {@code FAILURE} on an
 * unexpected result.
 */
public final class FaultProducerProcess
{
    private FaultProducerProcess()
    {
    }

    public static void main(final String[] argv)
    {
        final ChildSupport args = ChildSupport.init(argv);
        final ChannelSettings settings = args.settings();
        final long seed = args.longArg("seed", 1);
        final String point = args.arg("point");
        final long after = args.longArg("after", 1000);
        final int maxLength = settings.slotSize();
        final CRC32C crc = new CRC32C();
        final byte[] scratch = new byte[maxLength];
        final long awaitNs = TimeUnit.MILLISECONDS.toNanos(100);

        final ShmProducer producer = ShmProducer.create(settings);
        ChildSupport.line("CREATED pid=" + ProcessHandle.current().pid());
        boolean announced = false;
        while (true)
        {
            if (!announced && producer.nextSequence() == after)
            {
                switch (point)
                {
                    case "claimed":
                    {
                        final long sequence = claim(producer, 1, awaitNs);
                        FramePattern.write(producer.frame(sequence), seed, maxLength, crc, scratch);
                        ChildSupport.line("AT point=claimed published=" + producer.published() + " claimed=" + sequence);
                        ChildSupport.sleepForever();
                        break;
                    }
                    case "committed":
                        ChildSupport.line("AT point=committed published=" + producer.published());
                        ChildSupport.sleepForever();
                        break;
                    case "batch":
                    {
                        final long first = claim(producer, 4, awaitNs);
                        for (long s = first; s < first + 4; s++)
                        {
                            producer.frame(s).length(FramePattern.write(producer.frame(s), seed, maxLength, crc, scratch));
                        }
                        producer.commitUpTo(first + 1);
                        ChildSupport.line("AT point=batch published=" + producer.published() + " claimed=" + (first + 3));
                        ChildSupport.sleepForever();
                        break;
                    }
                    case "free":
                        ChildSupport.line("AT point=free published=" + producer.published());
                        announced = true;
                        break;
                    case "full":
                        break;
                    default:
                        ChildSupport.failAndExit("unknown point " + point);
                }
            }
            final long sequence = producer.tryClaim();
            if (sequence >= 0)
            {
                producer.commit(sequence, FramePattern.write(producer.frame(sequence), seed, maxLength, crc, scratch));
            }
            else if (sequence == ShmProducer.RING_FULL)
            {
                if (!announced && "full".equals(point) && producer.nextSequence() >= after)
                {
                    ChildSupport.line("AT point=full published=" + producer.published());
                    announced = true;
                }
                producer.awaitSpace(awaitNs);
            }
            else
            {
                ChildSupport.failAndExit("tryClaim returned " + sequence + " after " + producer.published());
            }
        }
    }

    private static long claim(final ShmProducer producer, final int count, final long awaitNs)
    {
        while (true)
        {
            final long sequence = producer.tryClaim(count);
            if (sequence >= 0)
            {
                return sequence;
            }
            if (sequence != ShmProducer.RING_FULL)
            {
                ChildSupport.failAndExit("tryClaim(" + count + ") returned " + sequence);
            }
            producer.awaitSpace(count, awaitNs);
        }
    }
}
