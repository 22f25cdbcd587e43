package dev.shmstreams.transport.layout;

import dev.shmstreams.transport.CorruptSegmentException;
import dev.shmstreams.transport.ForeignSegmentException;
import dev.shmstreams.transport.LayoutVersionException;
import org.agrona.DirectBuffer;

import static dev.shmstreams.transport.layout.HeaderDescriptor.*;

/**
 * The geometry of one segment: slot count, slot size and alignment, and the offsets that follow
 * from them. Built either from settings, when creating, or from a header read out of a file, when
 * attaching; in the second case every field is checked against what this build would have
 * written, so that nothing computed from it can point outside the file.
 *
 * <p>Immutable; once built, the ring never re-reads geometry from shared memory.
 */
public final class SegmentLayout
{
    /** The alignment of slots smaller than a page: a cache-line pair (the adjacent-line prefetcher's unit). */
    public static final int SMALL_SLOT_ALIGNMENT = 128;
    public static final int PAGE_SIZE = 4096;
    public static final int HUGE_PAGE_SIZE = 2 * 1024 * 1024;
    public static final int MAX_SLOT_COUNT = 1 << 16;
    public static final int MAX_SLOT_SIZE = 1 << 30;

    private final int slotCount;
    private final int slotSize;
    private final int slotAlignment;
    private final int headerLength;
    private final long dataOffset;
    private final long segmentLength;

    private SegmentLayout(final int slotCount, final int slotSize, final int slotAlignment)
    {
        this.slotCount = slotCount;
        this.slotSize = slotSize;
        this.slotAlignment = slotAlignment;
        this.headerLength = SLOT_DESCRIPTORS_OFFSET + slotCount * SlotDescriptor.LENGTH;
        this.dataOffset = alignUp(headerLength, Math.max(slotAlignment, PAGE_SIZE));
        this.segmentLength = alignUp(dataOffset + (long)slotCount * slotSize, PAGE_SIZE);
    }

    /**
     * The slot alignment a new segment uses: {@link #HUGE_PAGE_SIZE} on huge pages; otherwise
     * {@link #PAGE_SIZE} for frames of a page or more (video planes, DMA, whatever wants a frame to
     * start on a page) and {@link #SMALL_SLOT_ALIGNMENT} for smaller ones. A 64-byte frame in a
     * page of its own would cost a TLB entry per frame, put every payload in the same cache sets
     * and defeat the prefetcher; packed at 128 bytes, consecutive frames are consecutive lines.
     * The data region starts on a page boundary either way.
     *
     * @param maxFrameLength the largest frame a slot must hold.
     * @param hugePages      whether the segment is backed by huge pages.
     * @return the alignment to pass to {@link #forCreation}.
     */
    public static int slotAlignmentFor(final int maxFrameLength, final boolean hugePages)
    {
        if (hugePages)
        {
            return HUGE_PAGE_SIZE;
        }
        return maxFrameLength > 0 && alignUp(maxFrameLength, SMALL_SLOT_ALIGNMENT) < PAGE_SIZE ?
            SMALL_SLOT_ALIGNMENT : PAGE_SIZE;
    }

    /**
     * Geometry for a new segment.
     *
     * @param slotCount         number of slots, a power of two in [1, {@link #MAX_SLOT_COUNT}].
     * @param maxFrameLength    the largest frame a slot must hold; rounded up to the alignment.
     * @param slotAlignment     {@link #SMALL_SLOT_ALIGNMENT} (slots smaller than a page only),
     *                          {@link #PAGE_SIZE} or {@link #HUGE_PAGE_SIZE}: see {@link #slotAlignmentFor}.
     * @return the layout.
     * @throws IllegalArgumentException when a parameter is out of range.
     */
    public static SegmentLayout forCreation(final int slotCount, final int maxFrameLength, final int slotAlignment)
    {
        if (slotCount < 1 || slotCount > MAX_SLOT_COUNT || Integer.bitCount(slotCount) != 1)
        {
            throw new IllegalArgumentException(
                "slot count must be a power of two in [1, " + MAX_SLOT_COUNT + "], was " + slotCount);
        }
        if (slotAlignment != SMALL_SLOT_ALIGNMENT && slotAlignment != PAGE_SIZE && slotAlignment != HUGE_PAGE_SIZE)
        {
            throw new IllegalArgumentException("slot alignment must be " + SMALL_SLOT_ALIGNMENT + ", " + PAGE_SIZE +
                " or " + HUGE_PAGE_SIZE + ", was " + slotAlignment);
        }
        if (maxFrameLength < 1 || maxFrameLength > MAX_SLOT_SIZE)
        {
            throw new IllegalArgumentException(
                "slot size must be in [1, " + MAX_SLOT_SIZE + "] bytes, was " + maxFrameLength);
        }
        if (slotAlignment == SMALL_SLOT_ALIGNMENT && alignUp(maxFrameLength, SMALL_SLOT_ALIGNMENT) >= PAGE_SIZE)
        {
            throw new IllegalArgumentException("slot alignment " + SMALL_SLOT_ALIGNMENT +
                " is for slots smaller than a page; a " + maxFrameLength + "-byte slot is page-aligned");
        }
        return new SegmentLayout(slotCount, (int)alignUp(maxFrameLength, slotAlignment), slotAlignment);
    }

    /**
     * Read and check the geometry of an existing segment.
     *
     * @param header     a view of at least the control block.
     * @param fileLength the length of the file, from fstat of the open descriptor.
     * @param path       for messages.
     * @return the layout.
     * @throws ForeignSegmentException  when the magic is wrong.
     * @throws LayoutVersionException   when the version is not {@link HeaderDescriptor#LAYOUT_VERSION}.
     * @throws CorruptSegmentException  when a field is impossible or disagrees with the file length.
     */
    public static SegmentLayout fromHeader(final DirectBuffer header, final long fileLength, final String path)
    {
        if (fileLength < MIN_SEGMENT_LENGTH || header.capacity() < CONTROL_BLOCK_LENGTH)
        {
            throw new CorruptSegmentException("segment " + path + " is " + fileLength +
                " bytes, shorter than the " + MIN_SEGMENT_LENGTH + "-byte header page: truncated or not a segment");
        }
        final long magic = header.getLong(MAGIC_OFFSET);
        if (magic != MAGIC)
        {
            final String why = magic == Long.reverseBytes(MAGIC) ?
                " (byte-swapped: written by a big-endian host)" : "";
            throw new ForeignSegmentException("file " + path + " is not a shm-streams segment: expected magic 0x" +
                Long.toHexString(MAGIC) + " (\"SHMSTRM1\"), found 0x" + Long.toHexString(magic) + why);
        }
        final int version = header.getInt(VERSION_OFFSET);
        if (version != LAYOUT_VERSION)
        {
            throw new LayoutVersionException(path, LAYOUT_VERSION, version);
        }

        final int slotCount = header.getInt(SLOT_COUNT_OFFSET);
        final int slotSize = header.getInt(SLOT_SIZE_OFFSET);
        final int alignment = header.getInt(SLOT_ALIGNMENT_OFFSET);
        expect(path, "max consumers", MAX_CONSUMERS, header.getInt(MAX_CONSUMERS_OFFSET));
        expect(path, "slot descriptor length", SlotDescriptor.LENGTH, header.getInt(SLOT_DESCRIPTOR_LENGTH_OFFSET));
        if (slotCount < 1 || slotCount > MAX_SLOT_COUNT || Integer.bitCount(slotCount) != 1)
        {
            throw new CorruptSegmentException("segment " + path + ": slot count must be a power of two in [1, " +
                MAX_SLOT_COUNT + "], found " + slotCount);
        }
        if (alignment != SMALL_SLOT_ALIGNMENT && alignment != PAGE_SIZE && alignment != HUGE_PAGE_SIZE)
        {
            throw new CorruptSegmentException("segment " + path + ": slot alignment must be " + SMALL_SLOT_ALIGNMENT +
                ", " + PAGE_SIZE + " or " + HUGE_PAGE_SIZE + ", found " + alignment);
        }
        final int largest = alignment == SMALL_SLOT_ALIGNMENT ? PAGE_SIZE - SMALL_SLOT_ALIGNMENT : MAX_SLOT_SIZE;
        if (slotSize < alignment || slotSize > largest || slotSize % alignment != 0)
        {
            throw new CorruptSegmentException("segment " + path + ": slot size must be a multiple of " + alignment +
                " in [" + alignment + ", " + largest + "], found " + slotSize);
        }

        final int flags = header.getInt(SEGMENT_FLAGS_OFFSET);
        if ((flags & ~KNOWN_SEGMENT_FLAGS) != 0)
        {
            throw new CorruptSegmentException("segment " + path + ": unknown segment flags 0x" +
                Integer.toHexString(flags) + " (this version knows 0x" + Integer.toHexString(KNOWN_SEGMENT_FLAGS) + ")");
        }
        final SegmentLayout layout = new SegmentLayout(slotCount, slotSize, alignment);
        expect(path, "header length", layout.headerLength, header.getInt(HEADER_LENGTH_OFFSET));
        expect(path, "data offset", layout.dataOffset, header.getLong(DATA_OFFSET_OFFSET));
        expect(path, "segment length", layout.segmentLength, header.getLong(SEGMENT_LENGTH_OFFSET));
        if (fileLength != layout.segmentLength)
        {
            throw new CorruptSegmentException("segment " + path + " is " + fileLength + " bytes but its header says " +
                layout.segmentLength + " (" + slotCount + " slots of " + slotSize + " B): " +
                (fileLength < layout.segmentLength ? "truncated" : "extended") + " by another process");
        }
        return layout;
    }

    private static void expect(final String path, final String field, final long expected, final long found)
    {
        if (expected != found)
        {
            throw new CorruptSegmentException(
                "segment " + path + ": " + field + " should be " + expected + ", found " + found);
        }
    }

    public static long alignUp(final long value, final int alignment)
    {
        return (value + alignment - 1) & -(long)alignment;
    }

    public int slotCount()
    {
        return slotCount;
    }

    /** Slot capacity in bytes: the largest frame; a multiple of the alignment. */
    public int slotSize()
    {
        return slotSize;
    }

    public int slotAlignment()
    {
        return slotAlignment;
    }

    /** Bytes from the start of the segment to the end of the slot descriptor table. */
    public int headerLength()
    {
        return headerLength;
    }

    public long dataOffset()
    {
        return dataOffset;
    }

    public long segmentLength()
    {
        return segmentLength;
    }

    public long slotOffset(final int slotIndex)
    {
        return dataOffset + (long)slotIndex * slotSize;
    }

    @Override
    public String toString()
    {
        return "SegmentLayout{slots=" + slotCount + ", slotSize=" + slotSize + ", alignment=" + slotAlignment +
            ", headerLength=" + headerLength + ", dataOffset=" + dataOffset + ", segmentLength=" + segmentLength + '}';
    }
}
