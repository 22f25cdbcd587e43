package dev.shmstreams.benchmarks.peers;

import dev.shmstreams.benchmarks.ChildContext;
import dev.shmstreams.benchmarks.RingIo;
import dev.shmstreams.transport.ChannelSettings;
import dev.shmstreams.transport.FrameHandler;
import dev.shmstreams.transport.ShmConsumer;
import dev.shmstreams.transport.ShmProducer;
import dev.shmstreams.transport.WaitStrategy;
import dev.shmstreams.transport.WritableFrame;

import java.util.List;

/**
 * This project's ring through its core API, across two processes: the producer claims slots
 * ({@code tryClaim(64)} for small messages at saturation, one at a time otherwise), writes each
 * message in place and publishes with one {@code commitUpTo}; the consumer {@code drain}s small messages in
 * batches of up to 256 (one release store per batch) and large frames one at a time, each released
 * once read. BUSY_SPIN, or BLOCKING (futex) for the "blocking" phases.
 */
final class RingPeer
{
    private RingPeer()
    {
    }

    private static ChannelSettings settings(final ChildContext ctx, final Phase phase, final int index)
    {
        return RingIo.settings(ctx, "ring-r" + ctx.string("round") + "-p" + index, phase.slots(), phase.length,
            phase.blocking() ? WaitStrategy.BLOCKING : WaitStrategy.BUSY_SPIN);
    }

    static void produce(final ChildContext ctx, final PhaseControl control, final List<Phase> phases)
    {
        ctx.pin("cpu");
        for (int p = 0; p < phases.size(); p++)
        {
            final Phase phase = phases.get(p);
            final Sender sender = new Sender(phase, control, p).withRealtimeWait();
            final int batch = phase.batch();
            try (ShmProducer producer = ShmProducer.create(settings(ctx, phase, p)))
            {
                while (!sender.stopped())
                {
                    final long intended = sender.awaitDue();
                    final long first = producer.tryClaim(batch);
                    if (first < 0)
                    {
                        if (first == ShmProducer.CONSUMER_CANCELLED)
                        {
                            break;
                        }
                        if (first != ShmProducer.RING_FULL)
                        {
                            throw new IllegalStateException("claim failed: " + first);
                        }
                        // short waits: the phase may end meanwhile
                        producer.awaitSpace(batch, 50_000_000L);
                        continue;
                    }
                    final long last = first + batch - 1;
                    for (long sequence = first; sequence <= last; sequence++)
                    {
                        final WritableFrame frame = producer.frame(sequence);
                        sender.write(frame.buffer(), 0, intended);
                        frame.length(phase.length);
                    }
                    producer.commitUpTo(last);
                }
                sender.finish();
                control.awaitStopped(p, PeerChild.PEER_TIMEOUT_NANOS);
            }
        }
    }

    static void consume(final ChildContext ctx, final PhaseControl control, final List<Phase> phases)
    {
        ctx.pin("cpu");
        for (int p = 0; p < phases.size(); p++)
        {
            final Phase phase = phases.get(p);
            final Meter meter = new Meter(ctx, control, p, phase);
            final FrameHandler reader = frame -> meter.accept(frame.buffer(), 0, frame.length());
            try (ShmConsumer consumer = ShmConsumer.attach(settings(ctx, phase, p)))
            {
                // small messages: drain batches (one release store per batch); large frames: release each
                // as soon as it is read, so the producer refills that slot while the next one is read
                final int batch = phase.small() ? 256 : 1;
                while (!meter.done())
                {
                    if (consumer.drain(reader, batch) > 0)
                    {
                        continue;
                    }
                    if (!consumer.awaitFrames(RingIo.PEER_TIMEOUT_NANOS))
                    {
                        throw new IllegalStateException(phase.name + ": no frame within the peer timeout");
                    }
                    if (consumer.drain(reader, batch) == 0)
                    {
                        final long code = consumer.poll();
                        if (code >= 0)
                        {
                            reader.onFrame(consumer.frame(code));
                            consumer.release(code);
                        }
                        else if (code != ShmConsumer.EMPTY)
                        {
                            throw new IllegalStateException("producer ended: " + code + " " + consumer.producerError());
                        }
                    }
                }
                consumer.cancel();
            }
            meter.report();
        }
    }
}
