package dev.shmstreams.benchmarks;

/** Scenario names shared by the harness and its children, and the layout of the peers' control file. */
public final class Scenarios
{
    public static final String LATENCY_RING = "latency-ring";
    public static final String LATENCY_SPIN = "latency-spin";
    public static final String THROUGHPUT_RING = "throughput-ring";
    public static final String THROUGHPUT_AGRONA = "throughput-agrona";
    public static final String LARGE_RING = "large-ring";
    public static final String WAKEUP_RING = "wakeup-ring";
    public static final String WAKEUP_FUTEX = "wakeup-futex";
    public static final String IDLE_RING = "idle-ring";
    public static final String IDLE_JVM = "idle-jvm";

    /**
     * The peers' control file: one 4 KiB page created (zeroed) by the harness, each field alone on a
     * 128-byte cache-line pair so that the two processes never write the same line.
     */
    public static final int CONTROL_FILE_LENGTH = 4096;
    /** long, written by the ping side: the bare spin's "ping" (the sender's nanoTime stamp). */
    public static final int PING_OFFSET = 0;
    /** long, written by the pong side: the stamp echoed back. */
    public static final int PONG_OFFSET = 128;
    /** int, set to 1 by a consumer to stop its producer. */
    public static final int STOP_OFFSET = 256;
    /** int futex word of the bare futex peer. */
    public static final int FUTEX_OFFSET = 384;
    /** long, the bare futex peer's send stamp. */
    public static final int FUTEX_STAMP_OFFSET = 512;
    /** int, set to 1 by the large-frame consumer to pause its producer (the limit's phase runs). */
    public static final int PAUSE_OFFSET = 640;
    /** int, set to 1 by the large-frame producer once it is paused. */
    public static final int PAUSED_OFFSET = 768;
    /* 1024 .. 3071: the regions of LatencyLines. */

    private Scenarios()
    {
    }
}
