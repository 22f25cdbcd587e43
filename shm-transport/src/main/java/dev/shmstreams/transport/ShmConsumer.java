package dev.shmstreams.transport;

import dev.shmstreams.transport.internal.AgronaGuard;
import dev.shmstreams.transport.internal.DescriptorTable;
import dev.shmstreams.transport.internal.Endpoint;
import dev.shmstreams.transport.internal.RingMemory;
import dev.shmstreams.transport.internal.SegmentFile;
import dev.shmstreams.transport.layout.HeaderDescriptor;
import dev.shmstreams.transport.layout.ParticipantDescriptor;
import dev.shmstreams.transport.layout.SegmentLayout;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.concurrent.TimeUnit;

import static dev.shmstreams.transport.layout.HeaderDescriptor.*;
import static dev.shmstreams.transport.layout.ParticipantDescriptor.*;
import static dev.shmstreams.transport.layout.SlotDescriptor.*;

/**
 * The consumer end of a channel.
 *
 * <pre>{@code
 * long seq = consumer.poll();
 * if (seq >= 0) {
 *     try (Frame frame = consumer.frame(seq)) {      // read in place, release on close
 *         process(frame.buffer(), frame.length());
 *     }
 * } else if (seq == ShmConsumer.EMPTY) {
 *     consumer.awaitFrames(timeoutNanos);
 * } else { ... END_OF_STREAM, PRODUCER_FAILED (see producerError()), PRODUCER_LOST ... }
 * }</pre>
 *
 * <h2>Sequences and ordering</h2>
 * A frame is taken once its descriptor's sequence field, release-stored last by the commit, reads
 * as the frame's own (acquire load), or once it is below the published sequence (volatile load,
 * cached), which is checked when the descriptor does not show it. The descriptor is then checked:
 * its sequence field must be the one expected, its length within the slot, its flags known. Releases may come in any order; the
 * released sequence advances over the contiguous released prefix and is stored once per advance
 * with a volatile store (release, plus the StoreLoad fence before reading the producer's waiter
 * count). {@link #drain} releases a whole batch with one store.
 *
 * <h2>Re-attaching</h2>
 * The consumer entry in the header outlives its process. A consumer attaching where a previous
 * one died (or detached holding frames) starts from the released sequence: frames the previous
 * one polled and did not release are delivered again, flagged {@link Frame#isRedelivered()};
 * frames it released out of order are not (each such release leaves a mark in the slot
 * descriptor). Frames a {@link #drain} batch had handled when the process died are delivered
 * again: the batch is released by one store at its end.
 *
 * <p>Not thread-safe: one thread polls and releases. {@link #producerState()},
 * {@link #isPeerAlive()} and {@link #counter(int)} may be called from any thread.
 */
public final class ShmConsumer implements AutoCloseable
{
    /** {@link #poll()}: no frame now. */
    public static final long EMPTY = -1;
    /** {@link #poll()}: the producer completed and every frame was delivered. */
    public static final long END_OF_STREAM = -2;
    /** {@link #poll()}: the producer failed ({@link #producerError()}); every frame was delivered. */
    public static final long PRODUCER_FAILED = -3;
    /** {@link #poll()}: the producer died; every frame it committed was delivered. */
    public static final long PRODUCER_LOST = -4;
    /** {@link #poll()}: this consumer was closed. */
    public static final long CLOSED = -5;

    private static final System.Logger LOG = System.getLogger("dev.shmstreams.transport");
    private static final long RETRY = Long.MIN_VALUE;
    private static final int CONSUMER_BLOCK = HeaderDescriptor.consumerBlockOffset(0);
    private static final int RELEASED = HeaderDescriptor.releasedSequenceOffset(0);
    private static final int READ_CURSOR = HeaderDescriptor.readCursorOffset(0);
    private static final long CONSUMER_LOCK = ParticipantDescriptor.roleLockByte(0);
    private static final int PRODUCER_STATE = PRODUCER_BLOCK_OFFSET + STATE_OFFSET;

    private final Endpoint endpoint;
    private final UnsafeBuffer header;
    private final DescriptorTable descriptors;
    private final SegmentLayout layout;
    private final int slotCount;
    private final int mask;
    private final int slotSize;
    private final Frame[] frames;
    private final long[] held;
    private final long[] done;
    private final long redeliverLimit;
    private final boolean dropOldest;
    private final Endpoint.WaitCondition frameOrTerminal = this::hasFrameOrTerminal;

    private long nextPoll;
    private long publishedCache;
    private long releasedSequence;
    private long lastLivenessCheck = System.nanoTime();
    private final int clockMask;
    private int idleChecks;
    private long unflushedBytes;
    private boolean producerLost;
    private boolean closed;
    /** Whether {@link #awaitFrames} watches the next frame's descriptor: after poll(), not after drain(). */
    private boolean spinOnDescriptor = true;

    ShmConsumer(final RingMemory memory, final ChannelSettings settings)
    {
        this.layout = memory.layout();
        this.header = memory.header();
        this.descriptors = new DescriptorTable(header, memory.layout().slotCount());
        this.endpoint = new Endpoint(memory, settings, CONSUMER_BLOCK, CONSUMER_LOCK);
        this.slotCount = layout.slotCount();
        this.mask = slotCount - 1;
        this.slotSize = layout.slotSize();
        this.clockMask = settings.waitStrategy() == WaitStrategy.BUSY_SPIN ? 0xFF : 0;

        this.dropOldest = (header.getInt(SEGMENT_FLAGS_OFFSET) & FLAG_DROP_OLDEST) != 0;
        final int previousState = header.getIntVolatile(CONSUMER_BLOCK + STATE_OFFSET);
        long released = header.getLongVolatile(RELEASED);
        final long publishedBefore = header.getLongVolatile(PUBLISHED_SEQUENCE_OFFSET);
        final long cursor = header.getLongVolatile(CONSUMER_BLOCK + CURSOR_OFFSET);
        final long readCursor = dropOldest ? header.getLongVolatile(READ_CURSOR) : released;
        // a live drop-mode producer may publish and drop between the reads: the cursor is checked
        // against the published sequence read after it, the ring bound against the one before
        final long published = dropOldest ? header.getLongVolatile(PUBLISHED_SEQUENCE_OFFSET) : publishedBefore;
        if (released < 0 || published < readCursor || readCursor < released || publishedBefore - readCursor > slotCount ||
            cursor < released || cursor > published)
        {
            throw new CorruptSegmentException("segment " + settings.path() + ": impossible sequences at attach: " +
                "released " + released + ", published " + published + ", consumer cursor " + cursor +
                (dropOldest ? ", read cursor " + readCursor : "") + ", " + slotCount + " slots");
        }
        if (dropOldest)
        {
            if (readCursor > released)
            {
                LOG.log(System.Logger.Level.INFO, "channel " + settings.name() + ": live channel (drop-oldest-unread): " +
                    "starting at frame " + readCursor + "; frames [" + released + ", " + readCursor + ") were " +
                    (previousState == STATE_EMPTY ? "dropped before any consumer attached" :
                    "dropped or left by the previous consumer") + " and are released, not redelivered");
                header.putLongVolatile(RELEASED, readCursor);
                released = readCursor;
            }
        }
        else if (previousState != STATE_EMPTY && cursor > released)
        {
            final long previousPid = header.getLongVolatile(CONSUMER_BLOCK + PID_OFFSET);
            LOG.log(System.Logger.Level.INFO, "channel " + settings.name() + ": previous consumer (pid " +
                previousPid + ", state " + stateName(previousState) + ") left frames [" + released + ", " + cursor +
                ") unreleased; delivering them again");
        }
        this.redeliverLimit = dropOldest ? released : cursor;
        this.nextPoll = released;
        this.releasedSequence = released;
        this.publishedCache = published;

        this.frames = new Frame[slotCount];
        this.held = new long[slotCount];
        this.done = new long[slotCount];
        for (int i = 0; i < slotCount; i++)
        {
            final UnsafeBuffer metadata = new UnsafeBuffer(header, descriptorOffset(i) + USER_METADATA_OFFSET,
                USER_METADATA_LENGTH);
            frames[i] = new Frame(this, memory.slot(i), metadata);
            held[i] = -1;
            done[i] = -1;
        }
        // A consumer killed while asleep leaves its waiter count behind; this one holds the role
        // lock, so no live process waits on the consumer futex: without the reset every commit
        // would pay a wake syscall for the life of the segment.
        header.putIntVolatile(CONSUMER_WAITERS_OFFSET, 0);
        endpoint.writeIdentity(Math.max(cursor, released));
        endpoint.startHeartbeat();
        endpoint.wakeIfWaiting(PRODUCER_FUTEX_OFFSET, PRODUCER_WAITERS_OFFSET, CONSUMER_WAKES);
    }

    /**
     * Attach to a channel as its consumer, waiting up to the attach timeout for the producer to
     * create it.
     *
     * @param settings channel settings.
     * @return the consumer.
     * @throws ChannelNotFoundException    nothing appeared within the attach timeout.
     * @throws ChannelInUseException       a live consumer is attached.
     * @throws ForeignSegmentException     the file is not a segment.
     * @throws LayoutVersionException      written by another layout version.
     * @throws LayoutMismatchException     geometry differs from the expected one.
     * @throws CorruptSegmentException     impossible header values or a truncated file.
     * @throws SegmentPermissionException  a symlink, an untrusted owner, or a world-accessible mode.
     */
    public static ShmConsumer attach(final ChannelSettings settings)
    {
        AgronaGuard.ensureUsable();
        final long deadline = System.nanoTime() + settings.attachTimeout().toNanos();
        SegmentFile.Opened opened;
        while ((opened = SegmentFile.open(settings.directory(), settings.name(), settings.trustedOwners(), true)) == null)
        {
            if (System.nanoTime() - deadline >= 0)
            {
                throw new ChannelNotFoundException("no channel '" + settings.name() + "' appeared in " +
                    settings.directory() + " within " + settings.attachTimeout().toMillis() + " ms");
            }
            try
            {
                TimeUnit.MILLISECONDS.sleep(10);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                throw new ShmException("interrupted while waiting for channel " + settings.path(), ex);
            }
        }

        final SegmentFile file = opened.file();
        final SegmentLayout layout = opened.layout();
        try
        {
            checkExpectedGeometry(settings, layout);
            final RingMemory memory = RingMemory.mapped(file, layout);
            if (!file.tryLock(CONSUMER_LOCK))
            {
                throw new ChannelInUseException("channel '" + settings.name() + "' already has a live consumer (pid " +
                    memory.header().getLongVolatile(CONSUMER_BLOCK + PID_OFFSET) + ")");
            }
            file.protectReadOnly(layout.dataOffset(), layout.segmentLength() - layout.dataOffset());
            return new ShmConsumer(memory, settings);
        }
        catch (final RuntimeException ex)
        {
            file.closeQuietly();
            throw ex;
        }
    }

    private static void checkExpectedGeometry(final ChannelSettings settings, final SegmentLayout layout)
    {
        if (settings.expectedSlotCount() != 0 && settings.expectedSlotCount() != layout.slotCount())
        {
            throw new LayoutMismatchException("channel " + settings.path() + " has " + layout.slotCount() +
                " slots, this consumer expects " + settings.expectedSlotCount());
        }
        if (settings.expectedSlotSize() != 0 &&
            SegmentLayout.alignUp(settings.expectedSlotSize(), layout.slotAlignment()) != layout.slotSize())
        {
            throw new LayoutMismatchException("channel " + settings.path() + " has slots of " + layout.slotSize() +
                " bytes, this consumer expects " + settings.expectedSlotSize() + " (" +
                SegmentLayout.alignUp(settings.expectedSlotSize(), layout.slotAlignment()) + " once aligned)");
        }
    }

    /**
     * Take the next frame, without blocking. The frame is held until released.
     *
     * @return its sequence (>= 0; see {@link #frame(long)}), or {@link #EMPTY}, {@link #END_OF_STREAM},
     * {@link #PRODUCER_FAILED}, {@link #PRODUCER_LOST}, {@link #CLOSED}.
     * @throws CorruptSegmentException if the producer wrote an impossible sequence or descriptor.
     */
    public long poll()
    {
        if (closed)
        {
            return CLOSED;
        }
        endpoint.checkNotAbandoned();
        try
        {
            spinOnDescriptor = true;
            final long sequence = nextFrame(true);
            flushCounters();
            return sequence;
        }
        catch (final InternalError ex)
        {
            throw endpoint.translate(ex);
        }
    }

    /**
     * @param byDescriptor look at the frame's descriptor before the published sequence: one cache
     *                     line fewer per frame for a single poll (latency); a batch ({@link #drain})
     *                     goes by the published sequence, so that it never reads the descriptor line
     *                     of a frame the producer is still writing (which would cost the producer a
     *                     transfer of that line per frame).
     */
    private long nextFrame(final boolean byDescriptor)
    {
        while (true)
        {
            final long sequence = nextPoll;
            if (sequence >= publishedCache && !(byDescriptor && isCommitted(sequence)) && sequence >= refreshPublished())
            {
                final long code = emptyOrTerminal();
                if (code != RETRY)
                {
                    return code;
                }
                continue;
            }
            if (dropOldest && !header.compareAndSetLong(READ_CURSOR, sequence, sequence + 1))
            {
                skipDropped(sequence);
                continue;
            }
            final int index = (int)sequence & mask;
            final long descriptor = descriptors.descriptor(sequence);
            final long found = descriptors.getLong(descriptor, SEQUENCE_OFFSET);
            final int length = descriptors.getInt(descriptor, LENGTH_OFFSET);
            final int flags = descriptors.getInt(descriptor, FLAGS_OFFSET);
            if (found != sequence || length < 0 || length > slotSize || (flags & ~KNOWN_FLAGS_MASK) != 0)
            {
                throw impossibleDescriptor(index, sequence, found, length, flags);
            }
            if (held[index] >= 0)
            {
                throw slotStillHeld(index, sequence);
            }
            nextPoll = sequence + 1;
            if ((flags & FLAG_ABORTED) != 0 ||
                (sequence < redeliverLimit && descriptors.getLongVolatile(descriptor, RELEASED_MARK_OFFSET) == sequence))
            {
                skip(index, sequence);
                continue;
            }
            final boolean redelivered = sequence < redeliverLimit;
            frames[index].arm(sequence, length, descriptors.getLong(descriptor, FRAME_ID_OFFSET),
                descriptors.getLong(descriptor, TIMESTAMP_OFFSET), flags, redelivered);
            held[index] = sequence;
            if (redelivered)
            {
                endpoint.addCounter(CONSUMER_REDELIVERED, 1);
            }
            else
            {
                // per frame, not per batch: a successor uses it to flag what this consumer had taken
                endpoint.putCursor(sequence + 1);
            }
            unflushedBytes += length;
            return sequence;
        }
    }

    /** Aborted by the producer, or released out of order by a consumer that then died: not delivered. */
    private void skip(final int index, final long sequence)
    {
        endpoint.addCounter(CONSUMER_SKIPPED, 1);
        done[index] = sequence;
        if (sequence == releasedSequence)
        {
            advanceReleased();
        }
    }

    private CorruptSegmentException impossibleDescriptor(
        final int index, final long sequence, final long found, final int length, final int flags)
    {
        return new CorruptSegmentException("segment " + endpoint.settings().path() + ": descriptor of slot " +
            index + " is impossible for sequence " + sequence + ": sequence " + found + ", length " + length +
            " (slot holds " + slotSize + "), flags 0x" + Integer.toHexString(flags));
    }

    /**
     * An honest producer cannot reuse a slot this consumer holds: the released sequence it read was
     * written by someone else. Re-arming the slot's frame would change, under its holder, a frame
     * that was never released.
     */
    private CorruptSegmentException slotStillHeld(final int index, final long sequence)
    {
        return new CorruptSegmentException("segment " + endpoint.settings().path() + ": frame " + sequence +
            " was published into slot " + index + " while this consumer still holds frame " + held[index] +
            " there: the released sequence was overwritten by another process");
    }

    /** Statistics only: the bytes counter is stored once per poll call or drain batch. */
    private void flushCounters()
    {
        if (unflushedBytes != 0)
        {
            endpoint.addCounter(CONSUMER_BYTES, unflushedBytes);
            unflushedBytes = 0;
        }
    }

    /**
     * An empty busy-spin poll runs in tens of nanoseconds: reading the clock on each one would be
     * most of its cost. With busy-spin the clock (and with it the liveness check) is looked at every
     * 256th empty check; other strategies sleep between checks and look every time.
     *
     * @return true at most once per liveness interval.
     */
    private boolean livenessCheckDue()
    {
        if ((++idleChecks & clockMask) != 0)
        {
            return false;
        }
        final long now = System.nanoTime();
        if (now - lastLivenessCheck < endpoint.livenessIntervalNanos())
        {
            return false;
        }
        lastLivenessCheck = now;
        return true;
    }

    /**
     * The producer dropped frames from {@code sequence} on (drop-oldest-unread): it moved the read
     * cursor past them. The producer only ever drops the oldest frame in the ring, and never one
     * this consumer claimed, so every frame before {@code sequence} is already released: the
     * released sequence jumps to the cursor. (The dropped range can be longer than the ring.)
     */
    private void skipDropped(final long sequence)
    {
        final long cursor = header.getLongVolatile(READ_CURSOR);
        if (cursor > publishedCache)
        {
            refreshPublished();
        }
        if (cursor <= sequence || cursor > publishedCache || releasedSequence != sequence)
        {
            throw new CorruptSegmentException("segment " + endpoint.settings().path() + ": read cursor " + cursor +
                " is impossible when claiming " + sequence + " (published " + publishedCache + ", released " +
                releasedSequence + ")");
        }
        endpoint.addCounter(CONSUMER_DROPPED, cursor - sequence);
        nextPoll = cursor;
        releasedSequence = cursor;
        header.putLongVolatile(RELEASED, cursor);
        endpoint.wakeIfWaiting(PRODUCER_FUTEX_OFFSET, PRODUCER_WAITERS_OFFSET, CONSUMER_WAKES);
    }

    /**
     * The frame's own descriptor says it is committed: its sequence field, written last with a
     * release store, is the frame's. One cache line fewer between producer and consumer than going
     * through the published sequence first (which follows it, for batches, waiters and monitors).
     * Only ever a shortcut: whatever else the descriptor holds is checked as before, and when it
     * does not match (not committed yet, or a later lap after drop-oldest-unread dropped frames)
     * the published sequence decides.
     */
    private boolean isCommitted(final long sequence)
    {
        return descriptors.getLongVolatile(descriptors.descriptor(sequence), SEQUENCE_OFFSET) == sequence;
    }

    /** Acquire load of the published sequence, checked against what this side released. */
    private long refreshPublished()
    {
        final long published = header.getLongVolatile(PUBLISHED_SEQUENCE_OFFSET);
        final long base = dropOldest ? Math.max(releasedSequence, header.getLongVolatile(READ_CURSOR)) : releasedSequence;
        if (published < publishedCache || published - base > slotCount)
        {
            throw impossiblePublished(published);
        }
        publishedCache = published;
        return published;
    }

    // Failure messages are built out of line: string concatenation in the hot methods would make
    // their compiled code too big for C2 to inline them into the caller's loop.
    private CorruptSegmentException impossiblePublished(final long published)
    {
        return new CorruptSegmentException("segment " + endpoint.settings().path() + ": published sequence " +
            published + " is impossible (previously " + publishedCache + ", released " + releasedSequence + ", " +
            slotCount + " slots)");
    }

    private static IllegalStateException notHeld(final long sequence)
    {
        return new IllegalStateException("frame " + sequence + " is not held: released already, or never polled");
    }

    private long emptyOrTerminal()
    {
        final int state = header.getIntVolatile(PRODUCER_STATE);
        switch (state)
        {
            case STATE_ACTIVE:
            case STATE_EMPTY:
                if (!producerLost)
                {
                    if (!livenessCheckDue())
                    {
                        return EMPTY;
                    }
                    endpoint.checkIntact();
                    producerLost = producerState() == PeerState.LOST;
                    if (!producerLost)
                    {
                        return EMPTY;
                    }
                }
                // the dead process cannot publish any more: deliver what it published before dying
                return nextPoll < refreshPublished() ? RETRY : PRODUCER_LOST;

            case STATE_COMPLETED:
                return nextPoll < refreshPublished() ? RETRY : END_OF_STREAM;

            case STATE_FAILED:
            case STATE_CLOSED:
                return nextPoll < refreshPublished() ? RETRY : PRODUCER_FAILED;

            default:
                throw new CorruptSegmentException("segment " + endpoint.settings().path() + ": producer state " +
                    state + " is not a state this layout defines");
        }
    }

    /**
     * @param sequence a held sequence.
     * @return its frame view.
     * @throws IllegalStateException if the sequence is not held.
     */
    public Frame frame(final long sequence)
    {
        final int index = (int)sequence & mask;
        if (sequence < 0 || held[index] != sequence)
        {
            throw notHeld(sequence);
        }
        return frames[index];
    }

    /**
     * Give a frame's slot back to the producer. Any order; the producer regains slots as the
     * released prefix grows.
     *
     * @param sequence a held sequence.
     * @throws IllegalStateException if it is not held (released twice, or never polled).
     */
    public void release(final long sequence)
    {
        final int index = (int)sequence & mask;
        if (sequence < 0 || held[index] != sequence)
        {
            throw notHeld(sequence);
        }
        markDone(index, sequence);
        try
        {
            if (sequence == releasedSequence)
            {
                advanceReleased();
            }
            else
            {
                // out of order: only this process would know, so say it in the segment for a successor
                header.putLongOrdered(descriptorOffset(index) + RELEASED_MARK_OFFSET, sequence);
            }
        }
        catch (final InternalError ex)
        {
            throw endpoint.translate(ex);
        }
    }

    private void markDone(final int index, final long sequence)
    {
        held[index] = -1;
        frames[index].disarm();
        done[index] = sequence;
    }

    private void advanceReleased()
    {
        long released = releasedSequence;
        final long limit = nextPoll;
        while (released < limit && done[(int)released & mask] == released)
        {
            released++;
        }
        if (released != releasedSequence)
        {
            releasedSequence = released;
            header.putLongVolatile(RELEASED, released);
            endpoint.wakeIfWaiting(PRODUCER_FUTEX_OFFSET, PRODUCER_WAITERS_OFFSET, CONSUMER_WAKES);
        }
    }

    /**
     * Hand up to {@code limit} frames to {@code handler}, in order, then release all of them that
     * were not retained with one store.
     *
     * @param handler reads each frame in place.
     * @param limit   most frames this call delivers.
     * @return frames delivered; 0 when none was available (call {@link #poll()} to learn why).
     */
    public int drain(final FrameHandler handler, final int limit)
    {
        try
        {
            return drainFrames(handler, limit);
        }
        catch (final InternalError ex)
        {
            throw endpoint.translate(ex);
        }
    }

    private int drainFrames(final FrameHandler handler, final int limit)
    {
        if (closed)
        {
            return 0;
        }
        endpoint.checkNotAbandoned();
        spinOnDescriptor = false;
        int count = 0;
        try
        {
            while (count < limit)
            {
                final long sequence = nextFrame(false);
                if (sequence < 0)
                {
                    break;
                }
                final int index = (int)sequence & mask;
                final Frame frame = frames[index];
                count++;
                handler.onFrame(frame);
                if (!frame.retained && held[index] == sequence)
                {
                    markDone(index, sequence);
                }
            }
        }
        finally
        {
            if (count > 0)
            {
                advanceReleased();
            }
            flushCounters();
        }
        return count;
    }

    /**
     * Wait, per the wait strategy, until {@link #poll()} has something other than {@link #EMPTY}
     * to return.
     *
     * @param timeoutNanos at most this long.
     * @return true if a frame or a terminal state is there, false on timeout.
     */
    public boolean awaitFrames(final long timeoutNanos)
    {
        try
        {
            return endpoint.await(frameOrTerminal, CONSUMER_FUTEX_OFFSET, CONSUMER_WAITERS_OFFSET, timeoutNanos,
                CONSUMER_WAITS);
        }
        catch (final InternalError ex)
        {
            throw endpoint.translate(ex);
        }
    }

    private boolean hasFrameOrTerminal()
    {
        if (closed || nextPoll < publishedCache || (spinOnDescriptor && isCommitted(nextPoll)) ||
            header.getIntVolatile(PRODUCER_STATE) != STATE_ACTIVE)
        {
            return true;
        }
        // Every read of a line the producer is about to write costs the producer a transfer of it.
        // A consumer that takes single frames spins on the next descriptor (one line fewer per frame
        // than the published sequence, which it reads only now and then; drop-oldest-unread, which
        // can overwrite the descriptor, every time). A batch consumer (drain) spins on the published
        // sequence alone: chasing the producer descriptor by descriptor would cost it a line
        // transfer per frame where one read of the published sequence covers a whole batch.
        if ((!spinOnDescriptor || dropOldest || (idleChecks & clockMask) == 0) && nextPoll < refreshPublished())
        {
            return true;
        }
        if (!producerLost && livenessCheckDue())
        {
            producerLost = !endpoint.isIntact() || producerState() == PeerState.LOST;
        }
        return producerLost;
    }

    /**
     * @return a waiter for one other thread: {@code await(s)} returns once frame {@code s} is
     * published, or the producer completed, failed or died (checked every liveness interval).
     */
    public ChannelWaiter newWaiter()
    {
        final long[] lastCheck = { System.nanoTime() };
        final boolean[] lost = { false };
        final int[] checks = { 0 };
        final long interval = endpoint.livenessIntervalNanos();
        return new ChannelWaiter(endpoint, sequence ->
        {
            if (header.getLongVolatile(PUBLISHED_SEQUENCE_OFFSET) > sequence ||
                header.getIntVolatile(PRODUCER_STATE) != STATE_ACTIVE || lost[0])
            {
                return true;
            }
            if ((++checks[0] & clockMask) != 0)
            {
                return false;
            }
            final long now = System.nanoTime();
            if (now - lastCheck[0] >= interval)
            {
                lastCheck[0] = now;
                lost[0] = producerState() == PeerState.LOST;
            }
            return lost[0];
        }, CONSUMER_FUTEX_OFFSET, CONSUMER_WAITERS_OFFSET, CONSUMER_BLOCK + counterOffset(CONSUMER_WAITS));
    }

    /**
     * Tell the producer to stop: its claims return {@link ShmProducer#CONSUMER_CANCELLED}.
     * Close afterwards.
     */
    public void cancel()
    {
        if (!closed && endpoint.state() == STATE_ACTIVE)
        {
            endpoint.writeState(STATE_CANCELLED);
            endpoint.wakeIfWaiting(PRODUCER_FUTEX_OFFSET, PRODUCER_WAITERS_OFFSET, CONSUMER_WAKES);
        }
    }

    /**
     * Detach. Frames still held are not released: a consumer attaching later gets them again. The
     * segment file is unlinked if the producer is gone too.
     */
    @Override
    public void close()
    {
        close(false);
    }

    /**
     * Detach like {@link #close()}, but leave the segment mapped for good: frames still held stay
     * readable (their data may go stale), nothing is ever unmapped under a reader, and the address
     * space is not given back. For an owner that cannot prove every reader of a held frame is gone
     * (an Akka stage whose frames were dropped downstream without release).
     */
    public void closeKeepingMapping()
    {
        close(true);
    }

    private void close(final boolean keepMapping)
    {
        if (closed)
        {
            return;
        }
        closed = true;
        endpoint.isIntact();
        if (endpoint.state() == STATE_ACTIVE)
        {
            endpoint.writeState(STATE_CLOSED);
            endpoint.wakeIfWaiting(PRODUCER_FUTEX_OFFSET, PRODUCER_WAITERS_OFFSET, CONSUMER_WAKES);
        }
        if (!keepMapping)
        {
            for (int i = 0; i < slotCount; i++)
            {
                held[i] = -1;
                frames[i].disarm();
            }
        }
        endpoint.detach(keepMapping);
    }

    /** @return the producer's state; safe from any thread. */
    public PeerState producerState()
    {
        return endpoint.peerState(PRODUCER_BLOCK_OFFSET, PRODUCER_LOCK_BYTE);
    }

    /** @return true if a producer process is attached (even if stalled). */
    public boolean isPeerAlive()
    {
        return producerState().isAlive();
    }

    /** @return the producer's failure message, after {@link #PRODUCER_FAILED}. */
    public String producerError()
    {
        return closed ? "" : endpoint.readError(PRODUCER_BLOCK_OFFSET);
    }

    /**
     * @param index a {@code CONSUMER_*} counter of {@link ParticipantDescriptor}.
     * @return its value; safe from any thread.
     */
    public long counter(final int index)
    {
        return endpoint.counter(CONSUMER_BLOCK, index);
    }

    /** @return the released sequence: frames below it are back with the producer (owner thread). */
    public long released()
    {
        return releasedSequence;
    }

    /**
     * @return frames published but not yet released: the ring's occupancy as the producer sees it
     * (owner thread; an acquire load of the published sequence).
     */
    public long occupancy()
    {
        return closed ? 0 : header.getLongVolatile(PUBLISHED_SEQUENCE_OFFSET) - releasedSequence;
    }

    /** @return frames published but not yet polled (owner thread; an acquire load). */
    public long available()
    {
        return closed ? 0 : Math.max(0, header.getLongVolatile(PUBLISHED_SEQUENCE_OFFSET) - nextPoll);
    }

    /** @return the sequence {@link #poll()} looks at next (owner thread). */
    public long nextSequence()
    {
        return nextPoll;
    }

    public SegmentLayout layout()
    {
        return layout;
    }

    public ChannelSettings settings()
    {
        return endpoint.settings();
    }

    public boolean isClosed()
    {
        return closed;
    }

    @Override
    public String toString()
    {
        return "ShmConsumer{" + endpoint.settings().path() + ", next=" + nextPoll + ", released=" + releasedSequence +
            ", " + layout + '}';
    }
}
