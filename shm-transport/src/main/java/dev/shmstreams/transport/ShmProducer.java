package dev.shmstreams.transport;

import dev.shmstreams.transport.internal.AgronaGuard;
import dev.shmstreams.transport.internal.DescriptorTable;
import dev.shmstreams.transport.internal.Endpoint;
import dev.shmstreams.transport.internal.MemoryPlan;
import dev.shmstreams.transport.internal.RingMemory;
import dev.shmstreams.transport.internal.SegmentFile;
import dev.shmstreams.transport.layout.HeaderDescriptor;
import dev.shmstreams.transport.layout.ParticipantDescriptor;
import dev.shmstreams.transport.layout.SegmentLayout;
import dev.shmstreams.transport.layout.SlotDescriptor;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static dev.shmstreams.transport.layout.HeaderDescriptor.*;
import static dev.shmstreams.transport.layout.ParticipantDescriptor.*;
import static dev.shmstreams.transport.layout.SlotDescriptor.*;

/**
 * The producer end of a channel: it creates the segment and owns it.
 *
 * <pre>{@code
 * long seq = producer.tryClaim();
 * if (seq >= 0) {
 *     WritableFrame frame = producer.frame(seq);
 *     int length = render(frame.buffer());          // write in place, no copy
 *     frame.metadata().putInt(0, width);
 *     producer.commit(seq, length);                 // one release store publishes it
 * } else if (seq == ShmProducer.RING_FULL) {
 *     producer.awaitSpace(timeoutNanos);            // or do other work
 * }
 * }</pre>
 *
 * <h2>Sequences and ordering</h2>
 * Claims hand out consecutive 64-bit sequences; sequence {@code s} uses slot
 * {@code s & (slots - 1)}. A claim succeeds only while {@code s - released < slots}, released
 * being read with a volatile (acquire) load of the consumer's released sequence, so the consumer's
 * reads of that slot's previous frame happen before this lap's writes. Commit writes the slot
 * descriptor with plain stores and its sequence field last with a release store (a consumer may
 * see the frame by it), then publishes with one volatile store of the published sequence (a
 * release, plus the StoreLoad fence the futex protocol needs before reading the consumer's waiter
 * count). Commits may come out of order; the consumer takes frames in sequence order and the
 * published sequence covers the contiguous committed prefix, so a frame is never visible before
 * every earlier one.
 *
 * <p>Not thread-safe: one thread claims, writes and commits. {@link #consumerState()},
 * {@link #isPeerAlive()} and {@link #counter(int)} may be called from any thread.
 */
public final class ShmProducer implements AutoCloseable
{
    /** {@link #tryClaim()}: every slot is written or still held by the consumer. */
    public static final long RING_FULL = -1;
    /** {@link #tryClaim()}: the consumer cancelled the stream. */
    public static final long CONSUMER_CANCELLED = -2;
    /** {@link #tryClaim()}: this producer completed, failed or was closed. */
    public static final long CLOSED = -3;

    private static final int CONSUMER_BLOCK = HeaderDescriptor.consumerBlockOffset(0);
    private static final int CONSUMER_STATE = CONSUMER_BLOCK + STATE_OFFSET;
    private static final int RELEASED = HeaderDescriptor.releasedSequenceOffset(0);
    private static final int READ_CURSOR = HeaderDescriptor.readCursorOffset(0);
    private static final long CONSUMER_LOCK = ParticipantDescriptor.roleLockByte(0);

    private final Endpoint endpoint;
    private final UnsafeBuffer header;
    private final DescriptorTable descriptors;
    private final SegmentLayout layout;
    private final int slotCount;
    private final int mask;
    private final WritableFrame[] frames;
    private final long[] committed;
    private final List<String> memoryNotes;
    private final Endpoint.WaitCondition spaceOrCancelled = this::hasSpaceOrCancelled;
    private final Endpoint.WaitCondition consumedOrGone = this::isConsumedOrGone;

    private final boolean dropOldest;
    private long claimSequence;
    private long publishedSequence;
    /** Last released sequence read from the consumer. */
    private long releasedCache;
    /** Frames below this were dropped by this producer (drop-oldest-unread); read by foreign waiters. */
    private volatile long dropLimit;
    /** max(releasedCache, dropLimit): frames below it no longer occupy a slot. */
    private long freeBase;
    private long spaceTarget;
    private long lastLivenessCheck;
    private boolean consumerGone;
    private long lastWakeCheck = System.nanoTime() - Long.MAX_VALUE / 2;
    private boolean sleeperDead;
    private int finalState = STATE_ACTIVE;
    private boolean closed;

    ShmProducer(final RingMemory memory, final ChannelSettings settings, final List<String> memoryNotes)
    {
        this.layout = memory.layout();
        this.endpoint = new Endpoint(memory, settings, PRODUCER_BLOCK_OFFSET, PRODUCER_LOCK_BYTE);
        this.header = memory.header();
        this.descriptors = new DescriptorTable(header, memory.layout().slotCount());
        this.slotCount = layout.slotCount();
        this.mask = slotCount - 1;
        this.memoryNotes = memoryNotes;
        this.dropOldest = (header.getInt(SEGMENT_FLAGS_OFFSET) & FLAG_DROP_OLDEST) != 0;
        this.frames = new WritableFrame[slotCount];
        this.committed = new long[slotCount];
        for (int i = 0; i < slotCount; i++)
        {
            final UnsafeBuffer metadata = new UnsafeBuffer(header, descriptorOffset(i) + USER_METADATA_OFFSET,
                USER_METADATA_LENGTH);
            frames[i] = new WritableFrame(memory.slot(i), metadata);
            committed[i] = -1;
        }
        endpoint.startHeartbeat();
    }

    /**
     * Create the channel's segment and become its producer. A stale segment of a dead producer at
     * the same path is swept first.
     *
     * @param settings channel settings.
     * @return the producer.
     * @throws ChannelInUseException       a live producer owns the channel, or won the creation race.
     * @throws InsufficientSpaceException  the segment does not fit in the directory's file system.
     * @throws SegmentPermissionException  bad mode, or a symlink / foreign file at the path.
     * @throws ForeignSegmentException     a file that is not a segment exists at the path.
     */
    public static ShmProducer create(final ChannelSettings settings)
    {
        AgronaGuard.ensureUsable();
        final byte[] metadata = settings.metadata().getBytes(StandardCharsets.UTF_8);
        if (metadata.length > METADATA_MAX_BYTES)
        {
            throw new IllegalArgumentException("channel metadata is " + metadata.length + " UTF-8 bytes, at most " +
                METADATA_MAX_BYTES + " fit");
        }
        final MemoryPlan plan = MemoryPlan.decide(settings.directory(), settings.hugePages());
        final SegmentLayout layout =
            SegmentLayout.forCreation(settings.slotCount(), settings.slotSize(), plan.slotAlignment(settings.slotSize()));
        final RingMemory[] created = new RingMemory[1];
        final SegmentFile file = SegmentFile.create(settings.directory(), settings.name(), layout, settings.mode(),
            plan, settings.mlock(), segment ->
            {
                final RingMemory memory = RingMemory.mapped(segment, layout);
                initialise(memory, settings, metadata, plan.hugePages() == MemoryPlan.HugePages.HUGETLBFS);
                created[0] = memory;
            });
        try
        {
            return new ShmProducer(created[0], settings, file.notes());
        }
        catch (final RuntimeException ex)
        {
            file.closeQuietly();
            throw ex;
        }
    }

    /** Writes a fresh header; the layout version goes last, with a release store. */
    static void initialise(
        final RingMemory memory, final ChannelSettings settings, final byte[] metadata, final boolean hugetlbfs)
    {
        final SegmentLayout layout = memory.layout();
        final UnsafeBuffer header = memory.header();
        header.putLong(MAGIC_OFFSET, MAGIC);
        header.putInt(HEADER_LENGTH_OFFSET, layout.headerLength());
        header.putInt(SLOT_COUNT_OFFSET, layout.slotCount());
        header.putInt(SLOT_SIZE_OFFSET, layout.slotSize());
        header.putInt(SLOT_ALIGNMENT_OFFSET, layout.slotAlignment());
        header.putInt(MAX_CONSUMERS_OFFSET, MAX_CONSUMERS);
        header.putLong(DATA_OFFSET_OFFSET, layout.dataOffset());
        header.putLong(SEGMENT_LENGTH_OFFSET, layout.segmentLength());
        header.putLong(CREATION_TIME_OFFSET, System.currentTimeMillis());
        header.putLong(CREATOR_PID_OFFSET, ProcessHandle.current().pid());
        header.putInt(SEGMENT_FLAGS_OFFSET,
            (hugetlbfs ? FLAG_HUGETLBFS : 0) | (settings.dropOldestUnread() ? FLAG_DROP_OLDEST : 0));
        header.putInt(SLOT_DESCRIPTOR_LENGTH_OFFSET, SlotDescriptor.LENGTH);
        header.putBytes(METADATA_TEXT_OFFSET, metadata);
        header.putInt(METADATA_LENGTH_OFFSET, metadata.length);
        for (int i = 0; i < layout.slotCount(); i++)
        {
            header.putLong(descriptorOffset(i) + SEQUENCE_OFFSET, -1);
            header.putLong(descriptorOffset(i) + RELEASED_MARK_OFFSET, -1);
        }
        new Endpoint(memory, settings, PRODUCER_BLOCK_OFFSET, PRODUCER_LOCK_BYTE).writeIdentity(0);
        header.putIntOrdered(VERSION_OFFSET, LAYOUT_VERSION);
    }

    /**
     * Claim the next slot, without blocking.
     *
     * @return its sequence (>= 0), or {@link #RING_FULL}, {@link #CONSUMER_CANCELLED}, {@link #CLOSED}.
     * @throws CorruptSegmentException if the consumer's released sequence is impossible.
     */
    public long tryClaim()
    {
        return tryClaim(1);
    }

    /**
     * Claim {@code count} consecutive slots at once, all or none. With drop-oldest-unread, frames
     * dropped to make room stay dropped even if the claim still finds the ring full.
     *
     * @param count 1 .. slot count.
     * @return the first sequence, or a negative result code as {@link #tryClaim()}.
     */
    public long tryClaim(final int count)
    {
        if (finalState != STATE_ACTIVE || closed)
        {
            return CLOSED;
        }
        if (count < 1 || count > slotCount)
        {
            throw new IllegalArgumentException("can claim 1 to " + slotCount + " slots, not " + count);
        }
        endpoint.checkNotAbandoned();
        try
        {
            return claim(count);
        }
        catch (final InternalError ex)
        {
            throw endpoint.translate(ex);
        }
    }

    private long claim(final int count)
    {
        if (header.getIntVolatile(CONSUMER_STATE) == STATE_CANCELLED)
        {
            return CONSUMER_CANCELLED;
        }
        final long first = claimSequence;
        final long end = first + count;
        if (end - freeBase > slotCount)
        {
            refreshReleased();
            if (end - freeBase > slotCount && !(dropOldest && dropOldestUnread(end)))
            {
                endpoint.addCounter(PRODUCER_RING_FULL, 1);
                return RING_FULL;
            }
        }
        for (long s = first; s < end; s++)
        {
            frames[(int)s & mask].arm(s);
        }
        claimSequence = end;
        return first;
    }

    /** Acquire load of the consumer's released sequence, checked against what this side published. */
    private long refreshReleased()
    {
        final long released = header.getLongVolatile(RELEASED);
        if (released < releasedCache || released > publishedSequence)
        {
            throw impossibleReleased(released);
        }
        releasedCache = released;
        freeBase = Math.max(released, dropLimit);
        return released;
    }

    // Failure messages are built out of line: string concatenation in the hot methods would make
    // their compiled code too big for C2 to inline them into the caller's loop.
    private CorruptSegmentException impossibleReleased(final long released)
    {
        return new CorruptSegmentException("segment " + endpoint.settings().path() +
            ": consumer released sequence " + released + " is impossible (previously " + releasedCache +
            ", published " + publishedSequence + ")");
    }

    private IllegalStateException notClaimed(final long sequence)
    {
        return new IllegalStateException("sequence " + sequence + " is not claimed (claimed up to " +
            (claimSequence - 1) + ", published up to " + (publishedSequence - 1) + ")");
    }

    /**
     * Drop oldest frames until {@code end} fits, each only if the consumer has not claimed it: the
     * compare-and-set of the read cursor from {@code q} to {@code q + 1} decides, against the
     * consumer's own compare-and-set when it polls {@code q}.
     *
     * @return true if there is room for {@code end} now.
     */
    private boolean dropOldestUnread(final long end)
    {
        while (end - freeBase > slotCount)
        {
            final long oldest = freeBase;
            if (oldest >= publishedSequence || !header.compareAndSetLong(READ_CURSOR, oldest, oldest + 1))
            {
                return false;
            }
            dropLimit = oldest + 1;
            freeBase = oldest + 1;
            endpoint.addCounter(PRODUCER_DROPPED, 1);
        }
        return true;
    }

    /**
     * @param sequence a claimed, uncommitted sequence.
     * @return the slot's flyweight, to write payload, metadata and header fields.
     * @throws IllegalStateException if the sequence is not currently claimed.
     */
    public WritableFrame frame(final long sequence)
    {
        return claimed(sequence);
    }

    private WritableFrame claimed(final long sequence)
    {
        final WritableFrame frame = frames[(int)sequence & mask];
        if (sequence < 0 || frame.sequence != sequence)
        {
            throw notClaimed(sequence);
        }
        return frame;
    }

    /**
     * Commit one frame. It becomes visible to the consumer together with every earlier committed
     * frame, as soon as no earlier claim is outstanding.
     *
     * @param sequence a claimed sequence.
     * @param length   payload bytes, 0 .. slot size.
     * @throws FrameTooLargeException if the length exceeds the slot; the claim stays open.
     */
    public void commit(final long sequence, final int length)
    {
        final WritableFrame frame = claimed(sequence).length(length);
        endpoint.checkNotAbandoned();
        try
        {
            writeDescriptor(frame, sequence, 0);
            endpoint.addCounter(PRODUCER_BYTES, length);
            publishCommittedPrefix();
        }
        catch (final InternalError ex)
        {
            throw endpoint.translate(ex);
        }
    }

    /**
     * Commit every claimed frame up to and including {@code lastSequence}, each with the length set
     * through {@link WritableFrame#length(int)}, and publish them with one release store.
     *
     * @param lastSequence a claimed sequence.
     * @throws IllegalStateException if a frame in the range has no length; nothing is committed then.
     */
    public void commitUpTo(final long lastSequence)
    {
        claimed(lastSequence);
        for (long s = publishedSequence; s <= lastSequence; s++)
        {
            final WritableFrame frame = frames[(int)s & mask];
            if (frame.sequence == s && frame.length == WritableFrame.LENGTH_UNSET)
            {
                throw new IllegalStateException("frame " + s + " has no length: set it with frame(" + s +
                    ").length(n) before commitUpTo");
            }
        }
        endpoint.checkNotAbandoned();
        try
        {
            writeDescriptors(lastSequence);
        }
        catch (final InternalError ex)
        {
            throw endpoint.translate(ex);
        }
    }

    private void writeDescriptors(final long lastSequence)
    {
        long now = 0;
        long bytes = 0;
        for (long s = publishedSequence; s <= lastSequence; s++)
        {
            final WritableFrame frame = frames[(int)s & mask];
            if (frame.sequence == s)
            {
                if (now == 0 && frame.timestampNanos == 0)
                {
                    now = System.nanoTime();
                }
                bytes += frame.length;
                writeDescriptor(frame, s, now);
            }
        }
        endpoint.addCounter(PRODUCER_BYTES, bytes);
        publishCommittedPrefix();
    }

    /**
     * Give a claim back. The most recent claim is simply un-claimed; an earlier one is published
     * as an aborted frame, which the consumer skips.
     *
     * @param sequence a claimed sequence.
     */
    public void abort(final long sequence)
    {
        final WritableFrame frame = claimed(sequence);
        endpoint.addCounter(PRODUCER_ABORTED, 1);
        if (sequence == claimSequence - 1)
        {
            frame.disarm();
            claimSequence--;
            return;
        }
        frame.length = 0;
        frame.flags = FLAG_ABORTED;
        endpoint.checkNotAbandoned();
        try
        {
            writeDescriptor(frame, sequence, 0);
            publishCommittedPrefix();
        }
        catch (final InternalError ex)
        {
            throw endpoint.translate(ex);
        }
    }

    private void writeDescriptor(final WritableFrame frame, final long sequence, final long now)
    {
        final int index = (int)sequence & mask;
        final long descriptor = descriptors.descriptor(sequence);
        descriptors.putLong(descriptor, FRAME_ID_OFFSET, frame.frameId);
        descriptors.putLong(descriptor, TIMESTAMP_OFFSET,
            frame.timestampNanos != 0 ? frame.timestampNanos : now != 0 ? now : System.nanoTime());
        descriptors.putInt(descriptor, LENGTH_OFFSET, frame.length);
        descriptors.putInt(descriptor, FLAGS_OFFSET, frame.flags);
        // release: the consumer may see the frame by this store, before the published sequence
        descriptors.putLongOrdered(descriptor, SEQUENCE_OFFSET, sequence);
        frame.disarm();
        committed[index] = sequence;
    }

    private void publishCommittedPrefix()
    {
        long published = publishedSequence;
        final long limit = claimSequence;
        while (published < limit && committed[(int)published & mask] == published)
        {
            published++;
        }
        if (published != publishedSequence)
        {
            publishedSequence = published;
            header.putLongVolatile(PUBLISHED_SEQUENCE_OFFSET, published);
            endpoint.putCursor(limit);
            if (header.getIntVolatile(CONSUMER_WAITERS_OFFSET) != 0)
            {
                wakeConsumer();
            }
        }
    }

    /**
     * A consumer killed while asleep leaves its waiter count behind until another consumer
     * attaches: waking nobody would cost a syscall per publish. So a dead consumer (checked at
     * most once per liveness interval) is not woken.
     */
    private void wakeConsumer()
    {
        final long now = System.nanoTime();
        if (now - lastWakeCheck >= endpoint.livenessIntervalNanos())
        {
            lastWakeCheck = now;
            endpoint.checkIntact();
            sleeperDead = consumerState() == PeerState.LOST;
        }
        if (!sleeperDead)
        {
            endpoint.wake(CONSUMER_FUTEX_OFFSET, PRODUCER_WAKES);
        }
    }

    /**
     * Wait, per the wait strategy, until {@link #tryClaim()} can succeed or the consumer cancelled.
     * A consumer that dies does not end the wait (a new one may attach and release): check
     * {@link #consumerState()} between waits.
     *
     * @param timeoutNanos at most this long.
     * @return true if a claim can proceed (or will report the cancellation), false on timeout.
     */
    public boolean awaitSpace(final long timeoutNanos)
    {
        return awaitSpace(1, timeoutNanos);
    }

    /**
     * @param count        slots needed.
     * @param timeoutNanos at most this long.
     * @return true if a claim of {@code count} can proceed (or the consumer cancelled), false on timeout.
     */
    public boolean awaitSpace(final int count, final long timeoutNanos)
    {
        spaceTarget = claimSequence + count;
        endpoint.checkIntact();
        try
        {
            return endpoint.await(spaceOrCancelled, PRODUCER_FUTEX_OFFSET, PRODUCER_WAITERS_OFFSET, timeoutNanos,
                PRODUCER_WAITS);
        }
        catch (final InternalError ex)
        {
            throw endpoint.translate(ex);
        }
    }

    private boolean hasSpaceOrCancelled()
    {
        refreshReleased();
        return spaceTarget - freeBase <= slotCount || header.getIntVolatile(CONSUMER_STATE) == STATE_CANCELLED ||
            (dropOldest && freeBase < publishedSequence && header.getLongVolatile(READ_CURSOR) == freeBase);
    }

    /**
     * Wait until the consumer has released every published frame, or is not attached.
     * Call before {@link #close()} when frames must not be left unread.
     *
     * @param timeoutNanos at most this long.
     * @return true if everything published was released.
     */
    public boolean awaitConsumed(final long timeoutNanos)
    {
        consumerGone = false;
        lastLivenessCheck = System.nanoTime();
        endpoint.checkIntact();
        try
        {
            endpoint.await(consumedOrGone, PRODUCER_FUTEX_OFFSET, PRODUCER_WAITERS_OFFSET, timeoutNanos, PRODUCER_WAITS);
            endpoint.checkIntact();
            return refreshReleased() == publishedSequence;
        }
        catch (final InternalError ex)
        {
            throw endpoint.translate(ex);
        }
    }

    private boolean isConsumedOrGone()
    {
        if (refreshReleased() == publishedSequence || consumerGone)
        {
            return true;
        }
        final long now = System.nanoTime();
        if (now - lastLivenessCheck >= endpoint.livenessIntervalNanos())
        {
            lastLivenessCheck = now;
            consumerGone = !endpoint.isIntact() || !consumerState().isAlive();
        }
        return consumerGone;
    }

    /**
     * @return a waiter for one other thread: {@code await(s)} returns once sequence {@code s} can be
     * claimed (the consumer has released up to {@code s - slots + 1}, or with drop-oldest-unread the
     * frame in the way is unread and can be dropped) or the consumer cancelled.
     */
    public ChannelWaiter newWaiter()
    {
        return new ChannelWaiter(endpoint, sequence ->
            sequence - Math.max(header.getLongVolatile(RELEASED), dropLimit) < slotCount ||
            header.getIntVolatile(CONSUMER_STATE) == STATE_CANCELLED ||
            (dropOldest && header.getLongVolatile(READ_CURSOR) == sequence - slotCount &&
                header.getLongVolatile(PUBLISHED_SEQUENCE_OFFSET) > sequence - slotCount),
            PRODUCER_FUTEX_OFFSET, PRODUCER_WAITERS_OFFSET, PRODUCER_BLOCK_OFFSET + counterOffset(PRODUCER_WAITS));
    }

    /** @return true if the consumer has released every published frame (owner thread; no wait). */
    public boolean isConsumed()
    {
        return !closed && refreshReleased() == publishedSequence;
    }

    /** @return true if the consumer cancelled the stream (owner thread). */
    public boolean isConsumerCancelled()
    {
        return !closed && header.getIntVolatile(CONSUMER_STATE) == STATE_CANCELLED;
    }

    /** Mark the stream complete: the consumer ends after the frames already published. */
    public void complete()
    {
        finish(STATE_COMPLETED, null);
    }

    /**
     * Mark the stream failed: the consumer gets the message after the frames already published.
     *
     * @param message why, at most 380 UTF-8 bytes kept.
     */
    public void fail(final String message)
    {
        finish(STATE_FAILED, message);
    }

    private void finish(final int state, final String message)
    {
        if (closed || finalState != STATE_ACTIVE)
        {
            return;
        }
        endpoint.isIntact();
        try
        {
            publishFinalState(state, message);
        }
        catch (final InternalError ex)
        {
            throw endpoint.translate(ex);
        }
    }

    private void publishFinalState(final int state, final String message)
    {
        for (long s = publishedSequence; s < claimSequence; s++)
        {
            final WritableFrame frame = frames[(int)s & mask];
            if (frame.sequence == s)
            {
                frame.length = 0;
                frame.flags = FLAG_ABORTED;
                writeDescriptor(frame, s, 0);
                endpoint.addCounter(PRODUCER_ABORTED, 1);
            }
        }
        publishCommittedPrefix();
        if (message != null)
        {
            endpoint.writeError(message);
        }
        finalState = state;
        endpoint.writeState(state);
        endpoint.wakeIfWaiting(CONSUMER_FUTEX_OFFSET, CONSUMER_WAITERS_OFFSET, PRODUCER_WAKES);
    }

    /**
     * Detach. A producer that neither completed nor failed fails the stream with "producer closed
     * without completing". The segment file is unlinked if no consumer is attached; otherwise the
     * consumer unlinks it when it detaches.
     */
    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        endpoint.isIntact();
        if (finalState == STATE_ACTIVE)
        {
            try
            {
                fail("producer closed without completing");
            }
            catch (final CorruptSegmentException ignore)
            {
                // a fault in the truncated file it was writing to: close anyway
            }
        }
        closed = true;
        for (final WritableFrame frame : frames)
        {
            frame.disarm();
        }
        endpoint.detach();
    }

    /**
     * Count frames an overflow policy discarded before they reached the ring (drop-newest), so the
     * segment's counters tell the whole story.
     *
     * @param frames how many.
     */
    public void recordDropped(final long frames)
    {
        endpoint.addCounter(PRODUCER_DROPPED, frames);
    }

    /**
     * Remove the channel's name now, if it is still this segment's: no new consumer can attach;
     * mappings stay valid. Safe from any thread (used by shutdown hooks).
     *
     * @return true if this call unlinked it.
     */
    public boolean unlink()
    {
        return endpoint.unlinkIfCurrent();
    }

    /** @return the consumer's state; safe from any thread. */
    public PeerState consumerState()
    {
        return endpoint.peerState(CONSUMER_BLOCK, CONSUMER_LOCK);
    }

    /** @return true if a consumer process is attached (even if stalled). */
    public boolean isPeerAlive()
    {
        return consumerState().isAlive();
    }

    /**
     * @param index a {@code PRODUCER_*} counter of {@link ParticipantDescriptor}.
     * @return its value; safe from any thread.
     */
    public long counter(final int index)
    {
        return endpoint.counter(PRODUCER_BLOCK_OFFSET, index);
    }

    /** @return sequences published so far (owner thread). */
    public long published()
    {
        return publishedSequence;
    }

    /** @return the next sequence {@link #tryClaim()} would return (owner thread). */
    public long nextSequence()
    {
        return claimSequence;
    }

    public SegmentLayout layout()
    {
        return layout;
    }

    /** @return true if this channel drops the oldest unread frame instead of reporting a full ring. */
    public boolean dropsOldestUnread()
    {
        return dropOldest;
    }

    public ChannelSettings settings()
    {
        return endpoint.settings();
    }

    /** @return what the memory setup did (mlock, huge pages) and why any fallback happened. */
    public List<String> memoryNotes()
    {
        return memoryNotes;
    }

    public boolean isClosed()
    {
        return closed;
    }

    @Override
    public String toString()
    {
        return "ShmProducer{" + endpoint.settings().path() + ", claimed=" + claimSequence + ", published=" +
            publishedSequence + ", " + layout + '}';
    }
}
