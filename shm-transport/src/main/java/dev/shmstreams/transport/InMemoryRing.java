package dev.shmstreams.transport;

import dev.shmstreams.transport.internal.RingMemory;
import dev.shmstreams.transport.layout.SegmentLayout;

import java.util.List;

/**
 * The ring protocol over ordinary heap memory: the same {@link ShmProducer} and {@link ShmConsumer}
 * code with no segment file, no futex (blocking waits park briefly instead) and no liveness (the
 * peer is in this process). For protocol tests and jcstress; channels between processes use
 * {@link ShmProducer#create} and {@link ShmConsumer#attach}.
 */
public final class InMemoryRing
{
    private final ShmProducer producer;
    private final ShmConsumer consumer;

    private InMemoryRing(final ShmProducer producer, final ShmConsumer consumer)
    {
        this.producer = producer;
        this.consumer = consumer;
    }

    /**
     * @param slotCount a power of two.
     * @param slotSize  largest frame; rounded up to 4096 (to 128 under a page).
     * @param settings  wait strategy and timings (name and directory are ignored).
     * @return a producer and consumer sharing heap memory.
     */
    public static InMemoryRing create(final int slotCount, final int slotSize, final ChannelSettings settings)
    {
        final RingMemory memory =
            RingMemory.onHeap(SegmentLayout.forCreation(slotCount, slotSize, SegmentLayout.slotAlignmentFor(slotSize, false)));
        ShmProducer.initialise(memory, settings, new byte[0], false);
        final ShmProducer producer = new ShmProducer(memory, settings, List.of());
        return new InMemoryRing(producer, new ShmConsumer(memory, settings));
    }

    public ShmProducer producer()
    {
        return producer;
    }

    public ShmConsumer consumer()
    {
        return consumer;
    }
}
