package dev.shmstreams.transport.layout;

import dev.shmstreams.transport.CorruptSegmentException;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static dev.shmstreams.transport.layout.HeaderDescriptor.*;
import static dev.shmstreams.transport.layout.SegmentLayout.*;
import static org.junit.jupiter.api.Assertions.*;

/** The geometry rules: which alignment a slot gets, and what a reader accepts. */
class SegmentLayoutTest
{
    @Test
    void slotsSmallerThanAPageArePackedOnCacheLinePairs()
    {
        assertEquals(SMALL_SLOT_ALIGNMENT, slotAlignmentFor(1, false));
        assertEquals(SMALL_SLOT_ALIGNMENT, slotAlignmentFor(64, false));
        assertEquals(SMALL_SLOT_ALIGNMENT, slotAlignmentFor(PAGE_SIZE - SMALL_SLOT_ALIGNMENT, false));
        // 3969 bytes round up to a page at 128 as at 4096: a whole page, so it is page-aligned
        assertEquals(PAGE_SIZE, slotAlignmentFor(PAGE_SIZE - SMALL_SLOT_ALIGNMENT + 1, false));
        assertEquals(PAGE_SIZE, slotAlignmentFor(12_441_600, false));
        assertEquals(HUGE_PAGE_SIZE, slotAlignmentFor(64, true));

        final SegmentLayout layout = forCreation(1024, 64, slotAlignmentFor(64, false));
        assertEquals(128, layout.slotSize());
        assertEquals(0, layout.dataOffset() % PAGE_SIZE, "the data region starts on a page");
        assertEquals(128, layout.slotOffset(1) - layout.slotOffset(0), "consecutive frames, consecutive lines");
        assertEquals(layout.dataOffset() + 1024 * 128, layout.segmentLength());

        final SegmentLayout odd = forCreation(2, 200, slotAlignmentFor(200, false));
        assertEquals(256, odd.slotSize());
        assertEquals(0, odd.segmentLength() % PAGE_SIZE, "the file is whole pages: " + odd);
        assertTrue(odd.segmentLength() >= odd.slotOffset(1) + odd.slotSize());

        final SegmentLayout video = forCreation(4, 12_441_600, slotAlignmentFor(12_441_600, false));
        assertEquals(12_443_648, video.slotSize());
        assertEquals(0, video.slotOffset(3) % PAGE_SIZE, "large frames start on a page");
    }

    @Test
    void theSmallAlignmentIsRefusedForAPageSizedSlot()
    {
        final IllegalArgumentException error =
            assertThrows(IllegalArgumentException.class, () -> forCreation(2, 4000, SMALL_SLOT_ALIGNMENT));
        assertTrue(error.getMessage().contains("smaller than a page"), error.getMessage());
    }

    @Test
    void aReaderRebuildsEveryAlignmentAWriterMayChoose()
    {
        for (final int frame : new int[] {64, 3968, 3969, 1 << 20})
        {
            final SegmentLayout written = forCreation(8, frame, slotAlignmentFor(frame, false));
            final UnsafeBuffer header = new UnsafeBuffer(new byte[CONTROL_BLOCK_LENGTH]);
            header.putLong(MAGIC_OFFSET, MAGIC);
            header.putInt(VERSION_OFFSET, LAYOUT_VERSION);
            header.putInt(HEADER_LENGTH_OFFSET, written.headerLength());
            header.putInt(SLOT_COUNT_OFFSET, written.slotCount());
            header.putInt(SLOT_SIZE_OFFSET, written.slotSize());
            header.putInt(SLOT_ALIGNMENT_OFFSET, written.slotAlignment());
            header.putInt(MAX_CONSUMERS_OFFSET, MAX_CONSUMERS);
            header.putLong(DATA_OFFSET_OFFSET, written.dataOffset());
            header.putLong(SEGMENT_LENGTH_OFFSET, written.segmentLength());
            header.putInt(SLOT_DESCRIPTOR_LENGTH_OFFSET, SlotDescriptor.LENGTH);
            final SegmentLayout read = fromHeader(header, written.segmentLength(), "test");
            assertEquals(written.toString(), read.toString());

            header.putLong(SEGMENT_LENGTH_OFFSET, written.segmentLength() + PAGE_SIZE);
            assertThrows(CorruptSegmentException.class, () -> fromHeader(header, written.segmentLength() + PAGE_SIZE,
                "test"), "a segment length the formula does not give");
        }
    }
}
