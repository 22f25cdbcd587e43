package dev.shmstreams.transport.layout;

/**
 * Layout of the header region at the start of every segment: the control block, the channel
 * metadata, the producer block, the published sequence, the two futex regions and the table of
 * consumer entries. The slot descriptor table ({@link SlotDescriptor}) follows at
 * {@link #SLOT_DESCRIPTORS_OFFSET}; the slots (page-aligned, or packed at 128 bytes when smaller than a page) follow at the data offset computed by
 * {@link SegmentLayout}.
 *
 * <p>All integers are little-endian. Offsets are from the start of the segment file.
 *
 * <pre>
 *   0x0000 +---------------------------------------------------------------+
 *          | control block (128 B)                                         |
 *          |   0 magic "SHMSTRM1" (u64)       8 layout version (u32) *     |
 *          |  12 header length (u32)         16 slot count (u32, 2^n)      |
 *          |  20 slot size (u32)             24 slot alignment (u32)       |
 *          |  28 max consumers (u32)         32 data offset (u64)          |
 *          |  40 segment length (u64)        48 creation time, epoch ms    |
 *          |  56 creator pid (u64)           64 segment flags (u32)        |
 *          |  68 slot descriptor length (u32) 72..127 reserved, zero       |
 *   0x0080 +---------------------------------------------------------------+
 *          | channel metadata: length (u32) + UTF-8 text (&lt;= 380 B)        |
 *   0x0200 +---------------------------------------------------------------+
 *          | producer block (512 B, {@link ParticipantDescriptor})          |
 *   0x0400 +---------------------------------------------------------------+
 *          | published sequence (u64), alone on a 128 B cache-line pair    |
 *   0x0480 +---------------------------------------------------------------+
 *          | producer-wait futex: word (u32) @+0, waiter count (u32) @+64  |
 *   0x0500 +---------------------------------------------------------------+
 *          | consumer-wait futex: word (u32) @+0, waiter count (u32) @+64  |
 *   0x0580 +---------------------------------------------------------------+
 *          | reserved, zero                                                |
 *   0x0800 +---------------------------------------------------------------+
 *          | consumer entry 0..7, 1024 B each:                             |
 *          |   +0   consumer block (512 B, {@link ParticipantDescriptor})   |
 *          |   +512 released sequence (u64), alone on a 128 B line pair    |
 *          |   +640 read cursor (u64), alone on a 128 B line pair (only    |
 *          |        with FLAG_DROP_OLDEST; see below)                      |
 *          |   +768 reserved, zero                                         |
 *   0x2800 +---------------------------------------------------------------+
 *          | slot descriptors, slot count x 128 B ({@link SlotDescriptor})  |
 *          +---------------------------------------------------------------+
 *          | zero padding up to the data offset (slot alignment)           |
 *          +---------------------------------------------------------------+
 *   (*) the layout version is written last, with a release store: a non-zero version means
 *       every other header field is initialised.
 * </pre>
 *
 * <p>Sequences are 64-bit and never wrap: the frame with sequence {@code s} lives in slot
 * {@code s & (slotCount - 1)}. Frames {@code [0, published)} have been committed; frames
 * {@code [0, released)} have been released by the consumer of that entry. The producer may claim
 * sequence {@code s} only while {@code s - released < slotCount} for every gating consumer.
 *
 * <p>With {@link #FLAG_DROP_OLDEST} (overflow policy drop-oldest-unread) the consumer claims each
 * frame by a compare-and-set of its read cursor from {@code s} to {@code s + 1} before reading it,
 * and a producer facing a full ring may drop the oldest frame {@code q} by the same compare-and-set
 * from {@code q} to {@code q + 1}: exactly one of them wins frame {@code q}. A consumer whose
 * compare-and-set fails skips (and releases) the frames up to the cursor.
 */
public final class HeaderDescriptor
{
    /** "SHMSTRM1" read as a little-endian u64. */
    public static final long MAGIC = 0x314D5254534D4853L;

    /** The layout version this code reads and writes. */
    public static final int LAYOUT_VERSION = 1;

    /** Cache-line pair used to keep sequences written by different processes apart. */
    public static final int CACHE_LINE_PAIR = 128;

    public static final int MAGIC_OFFSET = 0;
    public static final int VERSION_OFFSET = 8;
    public static final int HEADER_LENGTH_OFFSET = 12;
    public static final int SLOT_COUNT_OFFSET = 16;
    public static final int SLOT_SIZE_OFFSET = 20;
    public static final int SLOT_ALIGNMENT_OFFSET = 24;
    public static final int MAX_CONSUMERS_OFFSET = 28;
    public static final int DATA_OFFSET_OFFSET = 32;
    public static final int SEGMENT_LENGTH_OFFSET = 40;
    public static final int CREATION_TIME_OFFSET = 48;
    public static final int CREATOR_PID_OFFSET = 56;
    public static final int SEGMENT_FLAGS_OFFSET = 64;
    public static final int SLOT_DESCRIPTOR_LENGTH_OFFSET = 68;
    public static final int CONTROL_BLOCK_LENGTH = 128;

    public static final int METADATA_LENGTH_OFFSET = 128;
    public static final int METADATA_TEXT_OFFSET = 132;
    public static final int METADATA_MAX_BYTES = 380;

    public static final int PRODUCER_BLOCK_OFFSET = 512;

    public static final int PUBLISHED_SEQUENCE_OFFSET = 1024;

    public static final int PRODUCER_FUTEX_OFFSET = 1152;
    public static final int PRODUCER_WAITERS_OFFSET = PRODUCER_FUTEX_OFFSET + 64;

    public static final int CONSUMER_FUTEX_OFFSET = 1280;
    public static final int CONSUMER_WAITERS_OFFSET = CONSUMER_FUTEX_OFFSET + 64;

    public static final int CONSUMER_TABLE_OFFSET = 2048;
    public static final int MAX_CONSUMERS = 8;
    public static final int CONSUMER_ENTRY_LENGTH = 1024;
    /** Within a consumer entry. */
    public static final int CONSUMER_BLOCK_OFFSET_IN_ENTRY = 0;
    /** Within a consumer entry. */
    public static final int RELEASED_SEQUENCE_OFFSET_IN_ENTRY = 512;
    /** Within a consumer entry; used only with {@link #FLAG_DROP_OLDEST}. */
    public static final int READ_CURSOR_OFFSET_IN_ENTRY = 640;

    public static final int SLOT_DESCRIPTORS_OFFSET = CONSUMER_TABLE_OFFSET + MAX_CONSUMERS * CONSUMER_ENTRY_LENGTH;

    /** The first page must hold the control block whatever the slot count: the minimum file length. */
    public static final int MIN_SEGMENT_LENGTH = 4096;

    /** Segment flag: the segment lives on a hugetlbfs mount and slots are aligned to huge pages. */
    public static final int FLAG_HUGETLBFS = 1;
    /** Segment flag: the producer may drop the oldest unread frame when the ring is full. */
    public static final int FLAG_DROP_OLDEST = 2;
    /** Every flag this version defines. */
    public static final int KNOWN_SEGMENT_FLAGS = FLAG_HUGETLBFS | FLAG_DROP_OLDEST;

    private HeaderDescriptor()
    {
    }

    /**
     * @param consumerIndex 0 .. {@link #MAX_CONSUMERS} - 1.
     * @return offset of that consumer's block.
     */
    public static int consumerBlockOffset(final int consumerIndex)
    {
        return CONSUMER_TABLE_OFFSET + consumerIndex * CONSUMER_ENTRY_LENGTH + CONSUMER_BLOCK_OFFSET_IN_ENTRY;
    }

    /**
     * @param consumerIndex 0 .. {@link #MAX_CONSUMERS} - 1.
     * @return offset of that consumer's read cursor.
     */
    public static int readCursorOffset(final int consumerIndex)
    {
        return CONSUMER_TABLE_OFFSET + consumerIndex * CONSUMER_ENTRY_LENGTH + READ_CURSOR_OFFSET_IN_ENTRY;
    }

    /**
     * @param consumerIndex 0 .. {@link #MAX_CONSUMERS} - 1.
     * @return offset of that consumer's released sequence.
     */
    public static int releasedSequenceOffset(final int consumerIndex)
    {
        return CONSUMER_TABLE_OFFSET + consumerIndex * CONSUMER_ENTRY_LENGTH + RELEASED_SEQUENCE_OFFSET_IN_ENTRY;
    }
}
