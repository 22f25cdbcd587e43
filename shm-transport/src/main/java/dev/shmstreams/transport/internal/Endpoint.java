package dev.shmstreams.transport.internal;

import dev.shmstreams.transport.ChannelSettings;
import dev.shmstreams.transport.CorruptSegmentException;
import dev.shmstreams.transport.PeerState;
import dev.shmstreams.transport.layout.HeaderDescriptor;
import dev.shmstreams.transport.layout.ParticipantDescriptor;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.ScheduledFuture;

import static dev.shmstreams.transport.layout.ParticipantDescriptor.*;

/**
 * What a producer and a consumer share: their participant block, the heartbeat, peer liveness,
 * the wait loop of each {@link WaitStrategy} and the detach sequence.
 *
 * <h2>Futex protocol (no lost wake-up, no syscall on a busy channel)</h2>
 * <pre>
 *   waiter                                    waker
 *   w = getIntVolatile(futex)                 putLongVolatile(sequence, s)      (1)
 *   putIntVolatile(waiters, ++local)   (2)    if getIntVolatile(waiters) != 0:  (3)
 *   if condition now true: return                 putIntVolatile(futex, getIntVolatile(futex) + 1)
 *   futex_wait(futex, w, timeout)                 futex_wake(futex, all)
 *   putIntVolatile(waiters, --local)
 * </pre>
 * (1) and (2) are full fences, so either the waiter sees the new sequence when it re-checks the
 * condition, or the waker sees the waiter count; if the waker's change of the futex word comes
 * between the waiter's read of {@code w} and its sleep, the kernel returns EAGAIN at once. The
 * word's increment need not be atomic: it only ever grows, and every store is followed by that
 * waker's own wake syscall, so a waiter that sleeps on whatever value a store left is woken by
 * the wake that follows it. The waiter count is kept by this process (only its threads wait on its
 * futex) and published with a volatile store. No compare-and-set or get-and-add touches the
 * mapping on these paths: interpreted, those crash HotSpot when a peer truncated the file (below).
 * Every sleep is bounded by the liveness interval, so a peer that corrupts the waiter count costs
 * latency, never a hang.
 *
 * <h2>A truncated segment file</h2>
 * A peer with write access can shrink the file under the mapping; touching a page past the new
 * end raises SIGBUS, and HotSpot 17 survives that only for some accesses (an interpreted
 * compare-and-set or get-and-add, {@code setMemory}, and some compiled loads crash the JVM; see
 * docs/reliability.md). So the size is checked (one {@code lseek}) at every heartbeat, before
 * every futex sleep, after every wake-up and in the liveness checks; once it is short the mapping
 * is replaced by private zero pages ({@link SegmentFile#defuse}) so that no thread can fault on
 * it any more, and every later call of the owner fails with {@link CorruptSegmentException}. The
 * JVM's asynchronous {@code InternalError} for a fault that got in first is translated
 * ({@link #translate}) where it surfaces inside the library.
 */
public final class Endpoint
{
    private static final long PID = ProcessHandle.current().pid();
    private static final long START_TIME_MILLIS =
        ProcessHandle.current().info().startInstant().map(Instant::toEpochMilli).orElse(0L);

    private final RingMemory memory;
    private final UnsafeBuffer header;
    private final int blockOffset;
    private final long lockByte;
    private final long baseAddress;
    private final long stallTimeoutNs;
    private final long livenessIntervalNs;
    private final ChannelSettings settings;
    private final WaitLoop ownerLoop;
    private final Object lifecycle = new Object();
    private ScheduledFuture<?> heartbeat;
    private boolean closed;
    private volatile boolean closing;
    private int foreignWaiters;
    /** Threads of this process asleep on this side's futex; also the lock for publishing the count. */
    private final int[] waiters = new int[1];
    private final long[] finalCounters = new long[COUNTER_COUNT];
    /** Why the segment is unusable (it was truncated); set once, by any thread. */
    private volatile String corruption;

    /**
     * @param memory       the ring memory.
     * @param settings     timings and wait strategy.
     * @param blockOffset  offset of this side's participant block.
     * @param lockByte     this side's role lock byte.
     */
    public Endpoint(final RingMemory memory, final ChannelSettings settings, final int blockOffset, final long lockByte)
    {
        this.memory = memory;
        this.header = memory.header();
        this.blockOffset = blockOffset;
        this.lockByte = lockByte;
        this.baseAddress = memory.baseAddress();
        this.settings = settings;
        this.stallTimeoutNs = settings.stallTimeout().toNanos();
        this.livenessIntervalNs = settings.livenessInterval().toNanos();
        this.ownerLoop = new WaitLoop(header, baseAddress, settings, this);
    }

    public ChannelSettings settings()
    {
        return settings;
    }

    public RingMemory memory()
    {
        return memory;
    }

    public long livenessIntervalNanos()
    {
        return livenessIntervalNs;
    }

    /**
     * Fill this side's block; the state is written last, with a release store.
     *
     * @param cursor the initial cursor value.
     */
    public void writeIdentity(final long cursor)
    {
        header.putLong(blockOffset + PID_OFFSET, PID);
        header.putLong(blockOffset + START_TIME_OFFSET, START_TIME_MILLIS);
        header.putLong(blockOffset + HEARTBEAT_OFFSET, System.nanoTime());
        header.putInt(blockOffset + ATTACH_COUNT_OFFSET, header.getInt(blockOffset + ATTACH_COUNT_OFFSET) + 1);
        header.putLong(blockOffset + ATTACH_TIME_OFFSET, System.currentTimeMillis());
        header.putLong(blockOffset + CURSOR_OFFSET, cursor);
        header.putInt(blockOffset + WAIT_STRATEGY_OFFSET, settings.waitStrategy().ordinal());
        header.putInt(blockOffset + ERROR_LENGTH_OFFSET, 0);
        header.putIntVolatile(blockOffset + STATE_OFFSET, STATE_ACTIVE);
    }

    /** Heap memory (tests) has no peer in another process and gets no heartbeat. */
    public void startHeartbeat()
    {
        if (memory.file() == null)
        {
            return;
        }
        synchronized (lifecycle)
        {
            heartbeat = Heartbeats.schedule(this::beat, settings.heartbeatInterval());
        }
    }

    private void beat()
    {
        synchronized (lifecycle)
        {
            if (!closed && isIntact())
            {
                header.putLongOrdered(blockOffset + HEARTBEAT_OFFSET, System.nanoTime());
            }
        }
    }

    public int state()
    {
        return header.getIntVolatile(blockOffset + STATE_OFFSET);
    }

    /** Release store: everything written before (error text, sequences) is visible with the state. */
    public void writeState(final int state)
    {
        header.putIntVolatile(blockOffset + STATE_OFFSET, state);
    }

    public void writeError(final String message)
    {
        final byte[] bytes = truncatedUtf8(message == null ? "" : message, ERROR_MAX_BYTES);
        header.putBytes(blockOffset + ERROR_TEXT_OFFSET, bytes);
        header.putInt(blockOffset + ERROR_LENGTH_OFFSET, bytes.length);
    }

    /**
     * @param otherBlockOffset a participant block.
     * @return its error text; a length outside the field is reported, not followed.
     */
    public String readError(final int otherBlockOffset)
    {
        final int length = header.getIntVolatile(otherBlockOffset + ERROR_LENGTH_OFFSET);
        if (length < 0 || length > ERROR_MAX_BYTES)
        {
            return "(corrupt error text: length " + length + ")";
        }
        return header.getStringWithoutLengthUtf8(otherBlockOffset + ERROR_TEXT_OFFSET, length);
    }

    public int readState(final int otherBlockOffset)
    {
        return header.getIntVolatile(otherBlockOffset + STATE_OFFSET);
    }

    public long readPid(final int otherBlockOffset)
    {
        return header.getLongVolatile(otherBlockOffset + PID_OFFSET);
    }

    /** Single writer, so a plain read and an ordered store suffice. */
    public void addCounter(final int index, final long delta)
    {
        final int offset = blockOffset + counterOffset(index);
        header.putLongOrdered(offset, header.getLong(offset) + delta);
    }

    /**
     * Safe from any thread. After close, this side's own counters keep their last values; the
     * peer's read 0.
     */
    public long counter(final int otherBlockOffset, final int index)
    {
        synchronized (lifecycle)
        {
            if (closed)
            {
                return otherBlockOffset == blockOffset ? finalCounters[index] : 0;
            }
            return header.getLongVolatile(otherBlockOffset + counterOffset(index));
        }
    }

    public void putCursor(final long cursor)
    {
        header.putLongOrdered(blockOffset + CURSOR_OFFSET, cursor);
    }

    /**
     * Safe from any thread, also after close.
     *
     * @param peerBlockOffset the peer's block.
     * @param peerLockByte    the peer's role byte.
     * @return what is known of the peer.
     */
    public PeerState peerState(final int peerBlockOffset, final long peerLockByte)
    {
        synchronized (lifecycle)
        {
            if (closed)
            {
                return PeerState.DETACHED;
            }
            final int state = header.getIntVolatile(peerBlockOffset + STATE_OFFSET);
            if (state == STATE_EMPTY)
            {
                return PeerState.NOT_ATTACHED;
            }
            final SegmentFile file = memory.file();
            final boolean locked = file == null ? state == STATE_ACTIVE : file.isLockedByOther(peerLockByte);
            if (!locked)
            {
                return state == STATE_ACTIVE ? PeerState.LOST : PeerState.DETACHED;
            }
            final long heartbeatAge = System.nanoTime() - header.getLongVolatile(peerBlockOffset + HEARTBEAT_OFFSET);
            return heartbeatAge > stallTimeoutNs ? PeerState.STALLED : PeerState.ALIVE;
        }
    }

    /**
     * Wait on the owner's thread until {@code condition} holds or the timeout passes.
     *
     * @param condition     checked between idles; must not allocate.
     * @param futexOffset   the futex word this side sleeps on.
     * @param waitersOffset the waiter count next to it.
     * @param timeoutNanos  how long at most.
     * @param waitCounter   counter index incremented per sleep.
     * @return whether the condition held.
     */
    public boolean await(
        final WaitCondition condition,
        final int futexOffset,
        final int waitersOffset,
        final long timeoutNanos,
        final int waitCounter)
    {
        return ownerLoop.await(
            condition, futexOffset, waitersOffset, timeoutNanos, blockOffset + counterOffset(waitCounter));
    }

    /**
     * @return a wait loop for one thread other than the owner; use it between
     * {@link #enterForeignWait()} and {@link #exitForeignWait()}.
     */
    public WaitLoop newWaitLoop()
    {
        return new WaitLoop(header, baseAddress, settings, this);
    }

    /**
     * Check the segment file's length against the mapping (one {@code lseek}, no allocation); when
     * it is short, defuse the mapping and remember why. Never throws; safe from any thread.
     *
     * @return false if the segment was truncated, now or before.
     */
    public boolean isIntact()
    {
        if (corruption != null)
        {
            return false;
        }
        final SegmentFile file = memory.file();
        if (file == null)
        {
            return true;
        }
        final long now = file.currentLength();
        if (now < 0 || now >= file.length())
        {
            return true;
        }
        file.defuse();
        if (corruption == null)
        {
            corruption = "segment " + file.path() + " was truncated to " + now + " bytes by another process while " +
                "mapped (" + file.length() + " bytes): channel abandoned, its mapping replaced by zero pages";
            System.getLogger("dev.shmstreams.transport").log(System.Logger.Level.ERROR, corruption);
        }
        return false;
    }

    /** @throws CorruptSegmentException if the segment was truncated (checks the file now). */
    public void checkIntact()
    {
        if (!isIntact())
        {
            throw new CorruptSegmentException(corruption);
        }
    }

    /** @throws CorruptSegmentException if a truncation was found before (a volatile read, for hot paths). */
    public void checkNotAbandoned()
    {
        final String why = corruption;
        if (why != null)
        {
            throw new CorruptSegmentException(why);
        }
    }

    /**
     * HotSpot reports SIGBUS in an Unsafe access to a mapped file as an (asynchronous)
     * {@code InternalError}: if the segment was truncated that is what happened, and it is a
     * corrupt segment; any other InternalError is rethrown as it is.
     *
     * @param error caught inside a library call.
     * @return the exception to throw instead.
     */
    public RuntimeException translate(final InternalError error)
    {
        if (isIntact())
        {
            throw error;
        }
        return new CorruptSegmentException(corruption, error);
    }

    /**
     * A thread other than the owner is about to read shared memory while waiting: hold off
     * {@link #detach()} until it leaves.
     *
     * @return false if the end is already closed: do not wait.
     */
    public boolean enterForeignWait()
    {
        synchronized (lifecycle)
        {
            if (closed || closing)
            {
                return false;
            }
            foreignWaiters++;
            return true;
        }
    }

    public void exitForeignWait()
    {
        synchronized (lifecycle)
        {
            foreignWaiters--;
            lifecycle.notifyAll();
        }
    }

    /** @return true once {@link #detach()} began; foreign waiters must return promptly. */
    public boolean isClosing()
    {
        return closing;
    }

    /**
     * Count a thread of this process going to sleep on (or leaving) the futex whose waiter count is
     * at {@code waitersOffset}, and publish the count with a volatile store (a full fence: the
     * caller's re-check of its condition comes after it).
     *
     * @param waitersOffset the waiter count in the header.
     * @param delta         +1 before sleeping, -1 after.
     * @param waitCounter   offset of the wait counter to bump on +1, or -1.
     */
    void changeWaiters(final int waitersOffset, final int delta, final int waitCounter)
    {
        synchronized (waiters)
        {
            waiters[0] += delta;
            header.putIntVolatile(waitersOffset, waiters[0]);
            if (delta > 0 && waitCounter >= 0)
            {
                header.putLongOrdered(waitCounter, header.getLong(waitCounter) + 1);
            }
        }
    }

    /**
     * Call after a volatile store the peer may be waiting for.
     *
     * @param futexOffset   the peer's futex word.
     * @param waitersOffset its waiter count.
     * @param wakeCounter   counter index incremented per syscall.
     */
    public void wakeIfWaiting(final int futexOffset, final int waitersOffset, final int wakeCounter)
    {
        if (header.getIntVolatile(waitersOffset) != 0)
        {
            wake(futexOffset, wakeCounter);
        }
    }

    /**
     * @param futexOffset a futex word.
     * @param wakeCounter counter index incremented per syscall, or -1.
     */
    public void wake(final int futexOffset, final int wakeCounter)
    {
        if (!isIntact())
        {
            return;
        }
        header.putIntVolatile(futexOffset, header.getIntVolatile(futexOffset) + 1);
        if (baseAddress != 0)
        {
            Futex.wakeAll(baseAddress + futexOffset);
            if (wakeCounter >= 0)
            {
                addCounter(wakeCounter, 1);
            }
        }
    }

    /**
     * Stop the heartbeat, drop the role lock, unlink the file if no other role is held, unmap.
     *
     * @return whether the file was unlinked by this call.
     */
    public boolean detach()
    {
        return detach(false);
    }

    /**
     * @param keepMapping leave the mapping (and the views over it) valid for good.
     * @return whether the file was unlinked by this call.
     */
    public boolean detach(final boolean keepMapping)
    {
        synchronized (lifecycle)
        {
            if (closed)
            {
                return false;
            }
            closing = true;
            if (foreignWaiters > 0)
            {
                wake(HeaderDescriptor.CONSUMER_FUTEX_OFFSET, -1);
                wake(HeaderDescriptor.PRODUCER_FUTEX_OFFSET, -1);
                while (foreignWaiters > 0)
                {
                    try
                    {
                        lifecycle.wait(10);
                    }
                    catch (final InterruptedException ex)
                    {
                        Thread.currentThread().interrupt();
                        break;
                    }
                }
            }
            if (isIntact())
            {
                for (int i = 0; i < COUNTER_COUNT; i++)
                {
                    finalCounters[i] = header.getLongVolatile(blockOffset + counterOffset(i));
                }
            }
            closed = true;
            if (heartbeat != null)
            {
                heartbeat.cancel(false);
            }
        }
        final SegmentFile file = memory.file();
        if (!keepMapping)
        {
            memory.detachViews();
        }
        return file != null && file.detach(lockByte, keepMapping);
    }

    /** @return true if the segment's path still named this segment and was unlinked now. */
    public boolean unlinkIfCurrent()
    {
        final SegmentFile file = memory.file();
        return file != null && file.unlinkIfCurrent();
    }

    public boolean isClosed()
    {
        synchronized (lifecycle)
        {
            return closed;
        }
    }

    static byte[] truncatedUtf8(final String text, final int maxBytes)
    {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        if (bytes.length <= maxBytes)
        {
            return bytes;
        }
        int end = maxBytes;
        while (end > 0 && (bytes[end] & 0xC0) == 0x80)
        {
            end--;
        }
        final byte[] truncated = new byte[end];
        System.arraycopy(bytes, 0, truncated, 0, end);
        bytes = truncated;
        return bytes;
    }

    /** A condition a wait loop re-checks; implementations must not allocate. */
    @FunctionalInterface
    public interface WaitCondition
    {
        boolean isSatisfied();
    }
}
