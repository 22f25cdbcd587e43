package dev.shmstreams.transport.layout;

/**
 * Layout of a participant block: the producer block and each consumer block share it. Every
 * field is written only by the participant that owns the block; others only read it.
 *
 * <pre>
 *   +0   pid (u64)                      +8   process start time, epoch ms (u64)
 *   +16  heartbeat, CLOCK_MONOTONIC ns  +24  state (u32, STATE_*)
 *   +28  attach count (u32)             +32  attach time, epoch ms (u64)
 *   +40  wait strategy (u32)            +44  reserved (20 B)
 *   -- second cache line: written on the hot path by the owner, read by nobody else there --
 *   +64  cursor (u64): producer = next sequence to claim, consumer = next sequence to poll
 *   +72  counters: 7 x u64, meaning per role (PRODUCER_* / CONSUMER_* counter indexes)
 *   +128 error length (u32)             +132 error text, UTF-8 (&lt;= 380 B)
 *   +512 end
 * </pre>
 *
 * <p>The first cache line changes only on attach, state changes and heartbeats, so the peer can
 * read the state on its hot path without the line bouncing between cores.
 *
 * <p>Liveness does not rely on the pid: each participant holds an OFD write lock on one byte of
 * the segment file ({@link #roleLockByte}) for as long as it is attached; the kernel drops it
 * when the process dies, however it dies.
 */
public final class ParticipantDescriptor
{
    public static final int PID_OFFSET = 0;
    public static final int START_TIME_OFFSET = 8;
    public static final int HEARTBEAT_OFFSET = 16;
    public static final int STATE_OFFSET = 24;
    public static final int ATTACH_COUNT_OFFSET = 28;
    public static final int ATTACH_TIME_OFFSET = 32;
    public static final int WAIT_STRATEGY_OFFSET = 40;
    public static final int CURSOR_OFFSET = 64;
    public static final int COUNTERS_OFFSET = 72;
    public static final int COUNTER_COUNT = 7;
    public static final int ERROR_LENGTH_OFFSET = 128;
    public static final int ERROR_TEXT_OFFSET = 132;
    public static final int ERROR_MAX_BYTES = 380;
    public static final int LENGTH = 512;

    /** Never attached. */
    public static final int STATE_EMPTY = 0;
    /** Attached and running. */
    public static final int STATE_ACTIVE = 1;
    /** Producer only: finished, every frame it will send is published. */
    public static final int STATE_COMPLETED = 2;
    /** Producer only: failed, the error text says why; published frames are still valid. */
    public static final int STATE_FAILED = 3;
    /** Consumer only: asked the producer to stop. */
    public static final int STATE_CANCELLED = 4;
    /** Detached cleanly; another participant may take the role. */
    public static final int STATE_CLOSED = 5;

    /** Producer counter: bytes committed. */
    public static final int PRODUCER_BYTES = 0;
    /** Producer counter: claims refused because the ring was full. */
    public static final int PRODUCER_RING_FULL = 1;
    /** Producer counter: frames aborted after claim. */
    public static final int PRODUCER_ABORTED = 2;
    /** Producer counter: times the producer slept on its futex. */
    public static final int PRODUCER_WAITS = 3;
    /** Producer counter: futex wake syscalls issued to consumers. */
    public static final int PRODUCER_WAKES = 4;
    /** Producer counter: frames dropped by an overflow policy. */
    public static final int PRODUCER_DROPPED = 5;

    /** Consumer counter: bytes polled. */
    public static final int CONSUMER_BYTES = 0;
    /** Consumer counter: frames delivered again after a consumer re-attached. */
    public static final int CONSUMER_REDELIVERED = 1;
    /** Consumer counter: aborted frames skipped. */
    public static final int CONSUMER_SKIPPED = 2;
    /** Consumer counter: times the consumer slept on its futex. */
    public static final int CONSUMER_WAITS = 3;
    /** Consumer counter: futex wake syscalls issued to the producer. */
    public static final int CONSUMER_WAKES = 4;
    /** Consumer counter: frames the producer dropped before this consumer could read them. */
    public static final int CONSUMER_DROPPED = 5;

    /** Byte of the segment file locked by the producer while attached. */
    public static final long PRODUCER_LOCK_BYTE = 0;
    /** Byte locked (blocking) while a participant detaches and decides whether to unlink. */
    public static final long CLEANUP_LOCK_BYTE = 63;

    private static final String[] STATE_NAMES =
        { "EMPTY", "ACTIVE", "COMPLETED", "FAILED", "CANCELLED", "CLOSED" };

    private static final String[] PRODUCER_COUNTER_NAMES =
        { "bytes", "ring-full", "aborted", "waits", "wakes", "dropped", "reserved-6" };

    private static final String[] CONSUMER_COUNTER_NAMES =
        { "bytes", "redelivered", "skipped", "waits", "wakes", "dropped", "reserved-6" };

    private ParticipantDescriptor()
    {
    }

    /**
     * @param counterIndex 0 .. {@link #COUNTER_COUNT} - 1.
     * @return offset of the counter within a participant block.
     */
    public static int counterOffset(final int counterIndex)
    {
        return COUNTERS_OFFSET + counterIndex * Long.BYTES;
    }

    /**
     * @param consumerIndex the consumer entry, or -1 for the producer.
     * @return the byte of the segment file the participant locks while attached.
     */
    public static long roleLockByte(final int consumerIndex)
    {
        return consumerIndex < 0 ? PRODUCER_LOCK_BYTE : 1 + consumerIndex;
    }

    public static String stateName(final int state)
    {
        return state >= 0 && state < STATE_NAMES.length ? STATE_NAMES[state] : "UNKNOWN(" + state + ")";
    }

    public static String counterName(final boolean producer, final int counterIndex)
    {
        return (producer ? PRODUCER_COUNTER_NAMES : CONSUMER_COUNTER_NAMES)[counterIndex];
    }
}
