package dev.shmstreams.jcstress;

import dev.shmstreams.transport.CorruptSegmentException;
import dev.shmstreams.transport.Frame;
import dev.shmstreams.transport.InMemoryRing;
import dev.shmstreams.transport.ShmConsumer;
import dev.shmstreams.transport.ShmProducer;
import dev.shmstreams.transport.layout.HeaderDescriptor;
import org.agrona.concurrent.UnsafeBuffer;

import static dev.shmstreams.transport.layout.ParticipantDescriptor.CONSUMER_DROPPED;
import static dev.shmstreams.transport.layout.ParticipantDescriptor.PRODUCER_DROPPED;

/**
 * A drop-oldest-unread heap ring with the book-keeping its tests need, and the audit their arbiter
 * runs once the actors are done.
 *
 * <p>Each side records only its own fields (the consumer actor: frames received and held, its
 * errors; the producer actor: the highest released sequence it read, its errors), so the ledger
 * adds no synchronisation between the actors; the arbiter then sees both.
 *
 * <p>{@link #audit()} returns a bit mask, 0 when everything holds:
 * <ul>
 *   <li>{@link #TORN}: a frame the consumer polled was not whole when it read it (payload, user
 *   metadata or descriptor field of another frame, i.e. of the lap overwriting it);</li>
 *   <li>{@link #OVERWRITTEN}: a frame the consumer still holds after the race was overwritten;</li>
 *   <li>{@link #DUPLICATE}: a frame delivered twice, or out of order;</li>
 *   <li>{@link #INVARIANT}: right after the race, the header and the two sides disagree:
 *   {@code released <= readCursor <= published <= readCursor + slots} (docs/layout.md), the
 *   consumer's and producer's own views equal to the header's, the consumer's next poll within
 *   {@code [released, readCursor]}, the frames in {@code [released, nextPoll)} exactly the held
 *   ones;</li>
 *   <li>{@link #ACCOUNTING}: a frame neither delivered nor dropped, or both: right after the race
 *   every frame below the consumer's next poll was delivered or counted in CONSUMER_DROPPED, and
 *   the frames between its next poll and the read cursor are exactly the producer's drops it has
 *   not met yet ({@code PRODUCER_DROPPED - CONSUMER_DROPPED}); after draining the ring,
 *   {@code delivered + PRODUCER_DROPPED == published} and both drop counters agree;</li>
 *   <li>{@link #STUCK}: after the race the ring does not work as it should: with everything
 *   released, the producer cannot make {@code slots} claims without dropping and two more, each by
 *   dropping exactly the oldest unread frame (the second drop needs the producer to remember the
 *   first: its free base is then past the consumer's released sequence), or the consumer then
 *   does not get exactly the survivors, in order, whole, with both drops counted;</li>
 *   <li>{@link #CORRUPT}: a {@link CorruptSegmentException} on either side (an impossible
 *   released, published or read cursor, or descriptor);</li>
 *   <li>{@link #BACKWARDS}: the producer read a released sequence lower than one it read before.</li>
 * </ul>
 */
final class DropLedger
{
    static final int TORN = 1;
    static final int OVERWRITTEN = 2;
    static final int DUPLICATE = 4;
    static final int INVARIANT = 8;
    static final int ACCOUNTING = 16;
    static final int STUCK = 32;
    static final int CORRUPT = 64;
    static final int BACKWARDS = 128;

    private static final int RELEASED = HeaderDescriptor.releasedSequenceOffset(0);
    private static final int READ_CURSOR = HeaderDescriptor.readCursorOffset(0);
    private static final int PUBLISHED = HeaderDescriptor.PUBLISHED_SEQUENCE_OFFSET;

    final ShmProducer producer;
    final ShmConsumer consumer;
    private final UnsafeBuffer header;
    private final int slots;
    private final int mask;

    /** Consumer side: frames held, by slot; a bit per sequence delivered; the last one. */
    private final Frame[] held;
    private long received;
    private long lastReceived = -1;
    private int consumerErrors;

    /** Producer side: the highest released sequence read so far. */
    private long releasedSeen;
    private int producerErrors;

    /** Arbiter: what the audit found. */
    private int auditErrors;

    /**
     * A fresh drop-oldest-unread ring, set up single-threaded: {@code published} frames (1 to
     * {@code slots}) published, the first {@code polled} of them polled and held by the consumer.
     */
    DropLedger(final int slots, final int published, final int polled)
    {
        final InMemoryRing ring = TestFrames.dropOldestRing(slots);
        producer = ring.producer();
        consumer = ring.consumer();
        this.slots = slots;
        this.mask = slots - 1;
        this.held = new Frame[slots];
        if (published < 1 || published > slots)
        {
            throw new IllegalArgumentException("set-up publishes 1 to " + slots + " frames");
        }
        final long first = producer.tryClaim();
        header = TestFrames.header(producer.frame(first).metadata());
        fill(first);
        for (int i = 1; i < published; i++)
        {
            TestFrames.publish(producer);
        }
        for (int i = 0; i < polled; i++)
        {
            if (poll() < 0)
            {
                throw new IllegalStateException("set-up could not poll");
            }
        }
        if (producer.counter(PRODUCER_DROPPED) != 0 || consumerErrors != 0)
        {
            throw new IllegalStateException("set-up went wrong: errors " + consumerErrors);
        }
    }

    /**
     * Consumer: one {@link ShmConsumer#poll()}; a frame it returns is read whole (every field
     * checked) and kept held.
     *
     * @return what poll returned, or {@link TestFrames#CORRUPT}.
     */
    long poll()
    {
        final long sequence;
        try
        {
            sequence = consumer.poll();
        }
        catch (final CorruptSegmentException ex)
        {
            consumerErrors |= CORRUPT;
            return TestFrames.CORRUPT;
        }
        if (sequence >= 0)
        {
            final Frame frame = consumer.frame(sequence);
            if (TestFrames.staleFields(frame, sequence) != 0)
            {
                consumerErrors |= TORN;
            }
            if (sequence <= lastReceived || sequence >= Long.SIZE || (received & 1L << sequence) != 0)
            {
                consumerErrors |= DUPLICATE;
            }
            received |= 1L << sequence;
            lastReceived = sequence;
            held[(int)sequence & mask] = frame;
        }
        return sequence;
    }

    /**
     * Consumer: read a held frame's payload and user metadata in place again.
     *
     * @return true if still whole.
     */
    boolean intact(final long sequence)
    {
        final Frame frame = held[(int)sequence & mask];
        if (frame == null || frame.sequence() != sequence)
        {
            throw new IllegalStateException("frame " + sequence + " is not held");
        }
        if (TestFrames.staleContent(frame, sequence) != 0)
        {
            consumerErrors |= OVERWRITTEN;
            return false;
        }
        return true;
    }

    /** Consumer: release a held frame. */
    void release(final long sequence)
    {
        held[(int)sequence & mask] = null;
        consumer.release(sequence);
    }

    /**
     * Producer: {@link ShmProducer#tryClaim()}, after checking that the released sequence did not
     * move backwards.
     *
     * @return its result, or {@link TestFrames#CORRUPT}.
     */
    long claim()
    {
        return claim(1);
    }

    /**
     * Producer: {@link ShmProducer#tryClaim(int)} of {@code count} slots at once, after checking
     * that the released sequence did not move backwards.
     *
     * @return its result, or {@link TestFrames#CORRUPT}.
     */
    long claim(final int count)
    {
        checkReleased();
        try
        {
            return producer.tryClaim(count);
        }
        catch (final CorruptSegmentException ex)
        {
            producerErrors |= CORRUPT;
            return TestFrames.CORRUPT;
        }
    }

    /** Producer: write every field of a claimed frame and commit it. */
    void fill(final long sequence)
    {
        TestFrames.write(producer, sequence);
        producer.commit(sequence, TestFrames.length(sequence));
    }

    /**
     * Producer: claim; on success write and commit.
     *
     * @return what {@link #claim()} returned.
     */
    long publish()
    {
        final long sequence = claim();
        if (sequence >= 0)
        {
            fill(sequence);
        }
        return sequence;
    }

    /** Producer: a volatile read of the released sequence, which must never be below an earlier one. */
    void checkReleased()
    {
        final long released = header.getLongVolatile(RELEASED);
        if (released < releasedSeen)
        {
            producerErrors |= BACKWARDS;
        }
        releasedSeen = Math.max(releasedSeen, released);
    }

    /** @return the highest released sequence the producer read in {@link #checkReleased()}. */
    long releasedSeen()
    {
        return releasedSeen;
    }

    /** @return the producer's PRODUCER_DROPPED counter. */
    long producerDropped()
    {
        return producer.counter(PRODUCER_DROPPED);
    }

    /**
     * Arbiter: check the state the race left, drain the ring, then check that it still works.
     *
     * @return the error bits described on the class, 0 when all is well.
     */
    int audit()
    {
        try
        {
            check();
        }
        catch (final CorruptSegmentException ex)
        {
            auditErrors |= CORRUPT;
        }
        catch (final IllegalStateException ex)
        {
            auditErrors |= STUCK;
        }
        return auditErrors | consumerErrors | producerErrors;
    }

    private void check()
    {
        // 1. Frames the consumer still holds: not overwritten while it held them.
        int heldCount = 0;
        for (final Frame frame : held)
        {
            if (frame != null)
            {
                heldCount++;
                if (TestFrames.staleContent(frame, frame.sequence()) != 0)
                {
                    auditErrors |= OVERWRITTEN;
                }
            }
        }

        // 2. The state right after the race.
        checkReleased();
        final long released = header.getLongVolatile(RELEASED);
        final long cursor = header.getLongVolatile(READ_CURSOR);
        final long published = header.getLongVolatile(PUBLISHED);
        final long nextPoll = consumer.nextSequence();
        final long producerDropped = producer.counter(PRODUCER_DROPPED);
        final long consumerDropped = consumer.counter(CONSUMER_DROPPED);
        if (released > cursor || cursor > published || published - cursor > slots ||
            released != consumer.released() || published != producer.published() ||
            producer.nextSequence() != published || nextPoll < released || nextPoll > cursor ||
            heldCount != nextPoll - released)
        {
            auditErrors |= INVARIANT;
        }
        if (Long.bitCount(received) + consumerDropped != nextPoll || producerDropped - consumerDropped != cursor - nextPoll)
        {
            auditErrors |= ACCOUNTING;
        }

        // 3. Drain: release the held frames, oldest first, then take and release everything left.
        for (int i = 0; i < slots; i++)
        {
            final Frame frame = held[(int)(released + i) & mask];
            if (frame != null)
            {
                release(frame.sequence());
            }
        }
        long sequence;
        while ((sequence = poll()) >= 0)
        {
            release(sequence);
        }
        final long drained = header.getLongVolatile(PUBLISHED);
        if (sequence != ShmConsumer.EMPTY || consumer.released() != drained ||
            header.getLongVolatile(RELEASED) != drained || header.getLongVolatile(READ_CURSOR) != drained)
        {
            auditErrors |= STUCK;
        }
        final long dropped = producer.counter(PRODUCER_DROPPED);
        if (dropped != consumer.counter(CONSUMER_DROPPED) || Long.bitCount(received) + dropped != drained)
        {
            auditErrors |= ACCOUNTING;
        }

        // 4. The ring still works: `slots` claims fit without dropping, two more each drop the
        // oldest unread frame, and the consumer gets exactly the survivors.
        for (int i = 0; i < slots + 2; i++)
        {
            if (publish() != drained + i)
            {
                auditErrors |= STUCK;
                return;
            }
        }
        if (producer.counter(PRODUCER_DROPPED) != dropped + 2)
        {
            auditErrors |= STUCK;
        }
        final long end = drained + slots + 2;
        for (long expected = drained + 2; expected < end; expected++)
        {
            sequence = poll();
            if (sequence != expected)
            {
                auditErrors |= STUCK;
                return;
            }
            release(sequence);
        }
        if (poll() != ShmConsumer.EMPTY || consumer.released() != end || header.getLongVolatile(READ_CURSOR) != end ||
            consumer.counter(CONSUMER_DROPPED) != dropped + 2)
        {
            auditErrors |= STUCK;
        }
    }
}
