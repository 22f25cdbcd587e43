package dev.shmstreams.transport.internal;

import dev.shmstreams.transport.layout.SegmentLayout;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The memory a ring runs over: a view of the header region and one view per slot, each sized by
 * the local, validated {@link SegmentLayout} (never by anything re-read from shared memory), so
 * Agrona's bounds checks keep every access inside the mapping.
 *
 * <p>Normally a mapped segment file; for jcstress and unit tests of the protocol alone it can be
 * ordinary heap memory, which has no futex address ({@link #baseAddress()} is 0).
 */
public final class RingMemory
{
    private final SegmentLayout layout;
    private final UnsafeBuffer header;
    private final UnsafeBuffer[] slots;
    private final long baseAddress;
    private final SegmentFile file;

    private RingMemory(
        final SegmentLayout layout, final UnsafeBuffer header, final UnsafeBuffer[] slots, final long baseAddress,
        final SegmentFile file)
    {
        this.layout = layout;
        this.header = header;
        this.slots = slots;
        this.baseAddress = baseAddress;
        this.file = file;
    }

    public static RingMemory mapped(final SegmentFile file, final SegmentLayout layout)
    {
        final long base = file.address();
        final UnsafeBuffer header = new UnsafeBuffer(base, layout.headerLength());
        final UnsafeBuffer[] slots = new UnsafeBuffer[layout.slotCount()];
        for (int i = 0; i < slots.length; i++)
        {
            slots[i] = new UnsafeBuffer(base + layout.slotOffset(i), layout.slotSize());
        }
        return new RingMemory(layout, header, slots, base, file);
    }

    /**
     * @param layout geometry; keep slots small, every slot is a heap array.
     * @return zeroed ring memory on the Java heap, with no segment file behind it.
     */
    public static RingMemory onHeap(final SegmentLayout layout)
    {
        final UnsafeBuffer header = new UnsafeBuffer(new byte[layout.headerLength()]);
        final UnsafeBuffer[] slots = new UnsafeBuffer[layout.slotCount()];
        for (int i = 0; i < slots.length; i++)
        {
            slots[i] = new UnsafeBuffer(new byte[layout.slotSize()]);
        }
        return new RingMemory(layout, header, slots, 0, null);
    }

    public SegmentLayout layout()
    {
        return layout;
    }

    public UnsafeBuffer header()
    {
        return header;
    }

    public UnsafeBuffer slot(final int index)
    {
        return slots[index];
    }

    /** @return the address of the segment's first byte, or 0 for heap memory. */
    public long baseAddress()
    {
        return baseAddress;
    }

    /** @return the segment file, or null for heap memory. */
    public SegmentFile file()
    {
        return file;
    }

    /**
     * Before unmapping: point every view at nothing, so that a stale reference throws instead of
     * touching unmapped memory. Heap memory is shared by both ends and is never unmapped.
     */
    void detachViews()
    {
        if (file == null)
        {
            return;
        }
        final byte[] empty = new byte[0];
        header.wrap(empty);
        for (final UnsafeBuffer slot : slots)
        {
            slot.wrap(empty);
        }
    }
}
