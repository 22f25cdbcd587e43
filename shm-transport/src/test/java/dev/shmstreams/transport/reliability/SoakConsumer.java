package dev.shmstreams.transport.reliability;

import dev.shmstreams.transport.Frame;
import dev.shmstreams.transport.ShmConsumer;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;

/**
 * The soak consumer: checks every frame in place — sequence (exactly the next: a gap is a loss, a
 * repeat a duplicate), the three sequence stamps, the length and the CRC32C of the whole payload
 * against the producer's — and releases it. Lines: {@code MEM phase=start|end ...}, {@code RESULT
 * terminal=.. received=N lost=N duplicated=N corrupt=N framesPerSecond=F}.
 */
public final class SoakConsumer
{
    private SoakConsumer()
    {
    }

    public static void main(final String[] argv)
    {
        final Child args = Child.init(argv);
        final int frameLength = args.intArg("frameLength", 12_441_600);
        final long seconds = args.longArg("seconds", 30);
        final CRC32C crc = new CRC32C();
        final long awaitNs = TimeUnit.MILLISECONDS.toNanos(100);
        long received = 0;
        long lost = 0;
        long duplicated = 0;
        long corrupt = 0;
        long expected = 0;
        try (ShmConsumer consumer = ShmConsumer.attach(args.settings().withExpectedGeometry(0, frameLength)))
        {
            final long start = System.nanoTime();
            final long sampleAt = start + TimeUnit.SECONDS.toNanos(Math.min(5, seconds / 4));
            boolean sampled = false;
            final long terminal;
            while (true)
            {
                if (!sampled && System.nanoTime() - sampleAt >= 0)
                {
                    Child.line("MEM phase=start " + SoakMemory.sample());
                    sampled = true;
                }
                final long sequence = consumer.poll();
                if (sequence >= 0)
                {
                    try (Frame frame = consumer.frame(sequence))
                    {
                        final DirectBuffer payload = frame.buffer();
                        final long stamped = payload.getLong(0);
                        if (stamped < expected)
                        {
                            duplicated++;
                        }
                        else
                        {
                            lost += stamped - expected;
                            expected = stamped + 1;
                        }
                        crc.reset();
                        crc.update(SoakProducer.view((UnsafeBuffer)payload, frame.length()));
                        if (stamped != sequence || frame.length() != frameLength ||
                            payload.getLong(frameLength / 2 & ~7) != sequence || payload.getLong(frameLength - 8) != sequence ||
                            frame.metadata().getLong(SoakProducer.SEQUENCE_OFFSET) != sequence ||
                            (int)crc.getValue() != frame.metadata().getInt(SoakProducer.CRC_OFFSET))
                        {
                            corrupt++;
                        }
                        received++;
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
            final double elapsed = (System.nanoTime() - start) / 1e9;
            Child.line("MEM phase=end " + SoakMemory.sample());
            Child.line("RESULT terminal=" + (terminal == ShmConsumer.END_OF_STREAM ? "END_OF_STREAM" : "code" + terminal) +
                " received=" + received + " next=" + expected + " lost=" + lost + " duplicated=" + duplicated +
                " corrupt=" + corrupt + " framesPerSecond=" + String.format("%.1f", received / elapsed) +
                " gigabytesPerSecond=" + String.format("%.2f", received * (double)frameLength / elapsed / 1e9));
        }
        System.exit(0);
    }
}
