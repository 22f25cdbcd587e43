package dev.shmstreams.transport;

/**
 * How a producer waits for a free slot and a consumer for a frame.
 *
 * <ul>
 *   <li>{@link #BUSY_SPIN}: {@link Thread#onSpinWait()} in a loop. Lowest latency (sub-microsecond
 *       cross-process), costs a whole core while waiting.</li>
 *   <li>{@link #BACKOFF}: spin, then yield, then park with growing intervals (Agrona's
 *       {@code BackoffIdleStrategy}); latency grows to the park interval when idle.</li>
 *   <li>{@link #BLOCKING}: spin briefly, then sleep on a shared futex in the segment. The other
 *       side makes a wake syscall only when a waiter count is non-zero, so a busy channel pays no
 *       syscall; an idle one uses no CPU. Wake-up costs tens of microseconds.</li>
 * </ul>
 */
public enum WaitStrategy
{
    BUSY_SPIN, BACKOFF, BLOCKING
}
