package dev.shmstreams.transport.it;

import dev.shmstreams.transport.ChannelSettings;
import dev.shmstreams.transport.ShmProducer;

import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;

/**
 * A producer process for the cross-process tests. Creates the channel and sends {@link FramePattern}
 * frames, then completes, waits until the consumer released everything and closes.
 *
 * <p>Arguments ({@code key=value}): the channel ones of {@link ChildSupport#settings()}, and
 * <ul>
 *   <li>{@code seed}: the frame pattern's seed;</li>
 *   <li>{@code frames}: how many to send; -1 sends until killed;</li>
 *   <li>{@code progressEvery}: print {@code PROGRESS published=N} every N frames (default 1000);</li>
 *   <li>{@code consumedTimeoutMs}: how long to wait for the consumer after completing (default 60 s);</li>
 *   <li>{@code awaitMs}: how long one {@link ShmProducer#awaitSpace} call waits on a full ring (default 1 s).</li>
 * </ul>
 *
 * <p>Output lines: {@code CREATED pid=.. path=..}; {@code RING_FULL published=N}, once, the first
 * time a claim finds the ring full (a test starts its consumer late on it); {@code PROGRESS
 * published=N}; {@code DONE published=N consumed=true|false consumerState=..}; {@code CLOSED};
 * {@code FAILURE ...} with exit code 2 on an unexpected result code.
 */
public final class ProducerProcess
{
    private ProducerProcess()
    {
    }

    public static void main(final String[] argv)
    {
        final ChildSupport args = ChildSupport.init(argv);
        final ChannelSettings settings = args.settings();
        final long seed = args.longArg("seed", 1);
        final long frames = args.longArg("frames", 100_000);
        final long progressEvery = args.longArg("progressEvery", 1000);
        final long consumedTimeoutNs = TimeUnit.MILLISECONDS.toNanos(args.longArg("consumedTimeoutMs", 60_000));
        final long awaitNs = TimeUnit.MILLISECONDS.toNanos(args.longArg("awaitMs", 1000));
        final int maxLength = settings.slotSize();
        final CRC32C crc = new CRC32C();
        final byte[] scratch = new byte[maxLength];

        try (ShmProducer producer = ShmProducer.create(settings))
        {
            ChildSupport.line("CREATED pid=" + ProcessHandle.current().pid() + " path=" + settings.path());
            boolean reportedFull = false;
            while (frames < 0 || producer.nextSequence() < frames)
            {
                final long sequence = producer.tryClaim();
                if (sequence >= 0)
                {
                    final int length = FramePattern.write(producer.frame(sequence), seed, maxLength, crc, scratch);
                    producer.commit(sequence, length);
                    if ((sequence + 1) % progressEvery == 0)
                    {
                        ChildSupport.line("PROGRESS published=" + producer.published());
                    }
                }
                else if (sequence == ShmProducer.RING_FULL)
                {
                    if (!reportedFull)
                    {
                        reportedFull = true;
                        ChildSupport.line("RING_FULL published=" + producer.published());
                    }
                    producer.awaitSpace(awaitNs);
                }
                else
                {
                    ChildSupport.failAndExit("tryClaim returned " + sequence + " after " + producer.published() +
                        " frames; consumer " + producer.consumerState());
                }
            }
            producer.complete();
            final boolean consumed = producer.awaitConsumed(consumedTimeoutNs);
            ChildSupport.line("DONE published=" + producer.published() + " consumed=" + consumed +
                " consumerState=" + producer.consumerState());
        }
        ChildSupport.line("CLOSED");
        System.exit(0);
    }
}
