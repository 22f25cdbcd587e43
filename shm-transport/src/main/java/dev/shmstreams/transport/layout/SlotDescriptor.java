package dev.shmstreams.transport.layout;

/**
 * Layout of one slot descriptor. Descriptor {@code i} is at
 * {@code SLOT_DESCRIPTORS_OFFSET + i * LENGTH} and describes the frame currently in slot
 * {@code i}. The producer writes it between claim and commit; the release store of the published
 * sequence makes it visible. The consumer reads the first cache line only, unless it asks for the
 * user metadata.
 *
 * <pre>
 *   +0   sequence (u64): the sequence of the frame in this slot; must equal the expected one
 *   +8   frame id (u64): set by the producer, defaults to the sequence
 *   +16  timestamp (u64): CLOCK_MONOTONIC ns at commit unless set by the producer
 *   +24  length (u32): payload bytes, 0 .. slot size
 *   +28  flags (u32): FLAG_*
 *   +32  released-out-of-order marker (u64): written by consumer 0 when it releases this frame
 *        while an earlier one is still held; initialised to -1
 *   +40  reserved (24 B)
 *   +64  user metadata (64 B), free-form (e.g. width, height, pixel format, PTS)
 *   +128 end
 * </pre>
 */
public final class SlotDescriptor
{
    public static final int SEQUENCE_OFFSET = 0;
    public static final int FRAME_ID_OFFSET = 8;
    public static final int TIMESTAMP_OFFSET = 16;
    public static final int LENGTH_OFFSET = 24;
    public static final int FLAGS_OFFSET = 28;
    /**
     * Consumer 0 writes the sequence here when it releases this frame out of order (an earlier frame
     * is still held): the released sequence cannot say so, and a consumer re-attaching after a crash
     * must not deliver such a frame again.
     */
    public static final int RELEASED_MARK_OFFSET = 32;
    public static final int USER_METADATA_OFFSET = 64;
    public static final int USER_METADATA_LENGTH = 64;
    public static final int LENGTH = 128;

    /** The producer aborted this claim; the consumer skips the frame and releases it itself. */
    public static final int FLAG_ABORTED = 1;
    /** Flags a producer may set. */
    public static final int USER_FLAGS_MASK = 0xFFFF_0000;
    /** Flags this version defines; a descriptor with other bits set is corrupt. */
    public static final int KNOWN_FLAGS_MASK = FLAG_ABORTED | USER_FLAGS_MASK;

    private SlotDescriptor()
    {
    }

    /**
     * @param slotIndex 0 .. slot count - 1.
     * @return offset of that slot's descriptor from the start of the segment.
     */
    public static int descriptorOffset(final int slotIndex)
    {
        return HeaderDescriptor.SLOT_DESCRIPTORS_OFFSET + slotIndex * LENGTH;
    }
}
