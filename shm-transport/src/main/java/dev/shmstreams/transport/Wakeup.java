package dev.shmstreams.transport;

/**
 * "Call me back once sequence {@code s} is reached", for an owner that must never block (an Akka
 * stage). Two implementations: {@link Waker}, a thread of its own that waits per the channel's
 * wait strategy, and the inline wake-up of {@code dev.shmstreams.dispatch.SpinningExecutor}, which
 * checks the channel from the idle loop of the thread the stage itself runs on.
 */
public interface Wakeup extends AutoCloseable
{
    /**
     * Ask for one callback once {@code sequence} is reached; replaces a pending request. Safe from
     * any thread.
     *
     * @param sequence see {@link ChannelWaiter#await(long, long)}.
     */
    void request(long sequence);

    /**
     * Stop, without blocking the caller. The end may be closed right after: whatever still reads
     * the channel on this wake-up's behalf does so as a foreign waiter of the end, which the end's
     * close wakes and waits for before it unmaps. One callback already under way may still arrive
     * after this returns; the owner ignores it.
     */
    @Override
    void close();
}
