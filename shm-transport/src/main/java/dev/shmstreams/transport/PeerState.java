package dev.shmstreams.transport;

/**
 * What one side knows of the other. The decisive signal is the peer's OFD lock on its role
 * byte, which the kernel releases when the process dies however it dies (kill -9 included); the
 * heartbeat only tells a live but silent peer (stopped, swapping, stuck) from a healthy one.
 */
public enum PeerState
{
    /** No process has taken the role yet. */
    NOT_ATTACHED,
    /** The peer holds its lock and its heartbeat is fresh. */
    ALIVE,
    /** The peer holds its lock but its heartbeat is older than the stall timeout (e.g. SIGSTOP). */
    STALLED,
    /** The peer detached cleanly (completed, failed, cancelled or closed) and is gone. */
    DETACHED,
    /** The peer's lock is free while its state says it was still attached: it died. */
    LOST;

    /** @return true if a process is attached in the role, healthy or not. */
    public boolean isAlive()
    {
        return this == ALIVE || this == STALLED;
    }
}
