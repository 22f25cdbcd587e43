package dev.shmstreams.transport.reliability;

import dev.shmstreams.transport.ChannelSettings;
import dev.shmstreams.transport.Frame;
import dev.shmstreams.transport.ShmConsumer;
import dev.shmstreams.transport.ShmException;
import dev.shmstreams.transport.ShmProducer;
import dev.shmstreams.transport.WaitStrategy;
import dev.shmstreams.transport.layout.HeaderDescriptor;
import dev.shmstreams.transport.layout.ParticipantDescriptor;
import dev.shmstreams.transport.layout.SlotDescriptor;
import dev.shmstreams.transport.test.ShmTestDirectory;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AfterContainer;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Fuzzing what a hostile (or broken) peer can write into a live channel: a third mapping of the
 * segment file writes generated values into the header's control block, the participant blocks,
 * the published and released sequences, the read cursor, the futex words and waiter counts, the
 * counters and the slot descriptors, between the steps of a normal producer and consumer loop
 * (claims, commits, batches, aborts, polls, in- and out-of-order releases, drains, waits, state
 * and counter reads, close).
 *
 * <p>The property: every call returns a normal result or throws a {@link ShmException} subclass,
 * and close() never throws and removes the segment. Never an IndexOutOfBoundsException (every
 * access of the library goes through a view sized by the layout it validated at attach, with
 * Agrona's bounds checks on, so such an exception is what a read outside the mapping would have
 * been), never an IllegalStateException the harness did not cause, never anything else. A JVM
 * crash would take the surefire fork with it and fail the build.
 *
 * <p>Seeded (the {@code seed} below), so CI runs the same inputs every time; jqwik shrinks a
 * failing list of writes to a minimal one. {@code -Djqwik.tries.default=N} for a longer run
 * (default 300 tries, set in junit-platform.properties); change the seed to explore elsewhere.
 */
class HostilePeerFuzzTest
{
    static final int SLOTS = 8;
    static final int SLOT_SIZE = 4096;
    private static final AtomicLong TRIES = new AtomicLong();
    private static final AtomicLong WRITES = new AtomicLong();
    private static final AtomicLong CALLS = new AtomicLong();
    private static final AtomicLong TYPED = new AtomicLong();

    /** Where a hostile write lands; each region of the header the protocol reads. */
    enum Region
    {
        CONTROL_BLOCK(0, HeaderDescriptor.CONTROL_BLOCK_LENGTH),
        METADATA(HeaderDescriptor.METADATA_LENGTH_OFFSET, 8),
        PRODUCER_IDENTITY(HeaderDescriptor.PRODUCER_BLOCK_OFFSET, 64),
        PRODUCER_CURSOR_AND_COUNTERS(HeaderDescriptor.PRODUCER_BLOCK_OFFSET + ParticipantDescriptor.CURSOR_OFFSET, 64),
        PRODUCER_ERROR(HeaderDescriptor.PRODUCER_BLOCK_OFFSET + ParticipantDescriptor.ERROR_LENGTH_OFFSET, 16),
        PUBLISHED_SEQUENCE(HeaderDescriptor.PUBLISHED_SEQUENCE_OFFSET, 8),
        PRODUCER_FUTEX(HeaderDescriptor.PRODUCER_FUTEX_OFFSET, 128),
        CONSUMER_FUTEX(HeaderDescriptor.CONSUMER_FUTEX_OFFSET, 128),
        CONSUMER_IDENTITY(HeaderDescriptor.consumerBlockOffset(0), 64),
        CONSUMER_CURSOR_AND_COUNTERS(HeaderDescriptor.consumerBlockOffset(0) + ParticipantDescriptor.CURSOR_OFFSET, 64),
        RELEASED_SEQUENCE(HeaderDescriptor.releasedSequenceOffset(0), 8),
        READ_CURSOR(HeaderDescriptor.readCursorOffset(0), 8),
        SLOT_DESCRIPTORS(SlotDescriptor.descriptorOffset(0), SLOTS * SlotDescriptor.LENGTH),
        DESCRIPTOR_SEQUENCES(SlotDescriptor.descriptorOffset(0), SLOTS * SlotDescriptor.LENGTH);

        final int offset;
        final int length;

        Region(final int offset, final int length)
        {
            this.offset = offset;
            this.length = length;
        }

        /** @return the offset of a write of {@code width} bytes at {@code position} in this region. */
        int at(final int position, final int width)
        {
            if (this == DESCRIPTOR_SEQUENCES)
            {
                // the sequence, length/flags or released mark of one descriptor: what poll() checks
                final int slot = position % SLOTS;
                final int field = (position / SLOTS) % 3;
                return offset + slot * SlotDescriptor.LENGTH +
                    (field == 0 ? SlotDescriptor.SEQUENCE_OFFSET : field == 1 ? SlotDescriptor.LENGTH_OFFSET :
                        SlotDescriptor.RELEASED_MARK_OFFSET);
            }
            return offset + Math.floorMod(position, Math.max(1, length - width + 1));
        }
    }

    /** One hostile write: {@code steps} normal steps first, then the write. */
    record Hit(Region region, int position, int width, long value, boolean relative, int steps)
    {
    }

    @Provide
    Arbitrary<List<Hit>> attacks()
    {
        final Arbitrary<Long> values = Arbitraries.oneOf(
            Arbitraries.longs(),
            Arbitraries.longs().between(-3, SLOTS * 3L),
            Arbitraries.of(Long.MAX_VALUE, Long.MIN_VALUE, (long)Integer.MAX_VALUE, (long)Integer.MIN_VALUE,
                0xFFFF_FFFFL, (long)SLOT_SIZE, SLOT_SIZE + 1L, 1L << 32));
        final Arbitrary<Hit> hit = Combinators.combine(
            Arbitraries.of(Region.class),
            Arbitraries.integers().between(0, 4095),
            Arbitraries.of(1, 4, 8),
            values,
            Arbitraries.of(false, false, true),
            Arbitraries.integers().between(0, 12)).as(Hit::new);
        return hit.list().ofMinSize(1).ofMaxSize(24);
    }

    @Property(seed = "20261123", shrinking = ShrinkingMode.BOUNDED)
    void aHostilePeerOnlyEverCausesTypedErrors(
        @ForAll("attacks") final List<Hit> attacks, @ForAll final boolean dropOldest, @ForAll final long stepSeed)
    {
        final Path dir = ShmTestDirectory.createDirectory();
        try
        {
            new Run(dir, dropOldest, stepSeed).attack(attacks);
        }
        finally
        {
            ShmTestDirectory.deleteRecursively(dir);
        }
        TRIES.incrementAndGet();
    }

    @AfterContainer
    static void report()
    {
        System.out.println("RELIABILITY HostilePeerFuzzTest tries=" + TRIES.get() + " hostileWrites=" + WRITES.get() +
            " calls=" + CALLS.get() + " typedErrors=" + TYPED.get());
    }

    /** One channel, both ends in this JVM, and the hostile third mapping. */
    static final class Run
    {
        private final Path dir;
        private final ShmProducer producer;
        private final ShmConsumer consumer;
        private final FileChannel channel;
        private final UnsafeBuffer hostile;
        private final SplittableRandom random;
        private final ArrayDeque<Long> held = new ArrayDeque<>();
        private final StringBuilder trace = new StringBuilder();

        Run(final Path dir, final boolean dropOldest, final long stepSeed)
        {
            this.dir = dir;
            final ChannelSettings settings = ChannelSettings.create("fuzz").withDirectory(dir).withSlotCount(SLOTS)
                .withSlotSize(SLOT_SIZE).withDropOldestUnread(dropOldest).withWaitStrategy(WaitStrategy.BLOCKING)
                .withLivenessInterval(Duration.ofMillis(1)).withAttachTimeout(Duration.ofSeconds(5));
            this.producer = ShmProducer.create(settings);
            this.consumer = ShmConsumer.attach(settings);
            try
            {
                this.channel = FileChannel.open(settings.path(), StandardOpenOption.READ, StandardOpenOption.WRITE);
                this.hostile = new UnsafeBuffer(channel.map(FileChannel.MapMode.READ_WRITE, 0, channel.size()));
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException(ex);
            }
            this.random = new SplittableRandom(stepSeed);
        }

        void attack(final List<Hit> hits)
        {
            try
            {
                for (final Hit hit : hits)
                {
                    for (int i = 0; i < hit.steps(); i++)
                    {
                        step();
                    }
                    write(hit);
                }
                for (int i = 0; i < 20; i++)
                {
                    step();
                }
            }
            finally
            {
                closeAll();
            }
        }

        private void write(final Hit hit)
        {
            final int offset = hit.region().at(hit.position(), hit.width());
            WRITES.incrementAndGet();
            trace.append("\n  write ").append(hit);
            switch (hit.width())
            {
                case 1:
                    hostile.putByte(offset, (byte)(hit.relative() ? hostile.getByte(offset) + hit.value() : hit.value()));
                    break;
                case 4:
                    hostile.putIntVolatile(offset, (int)(hit.relative() ? hostile.getInt(offset) + hit.value() : hit.value()));
                    break;
                default:
                    hostile.putLongVolatile(offset, hit.relative() ? hostile.getLong(offset) + hit.value() : hit.value());
            }
        }

        /** One step of a normal producer/consumer loop; only normal results and ShmExceptions may come out. */
        private void step()
        {
            final int op = random.nextInt(11);
            trace.append("\n  op ").append(op);
            CALLS.incrementAndGet();
            try
            {
                switch (op)
                {
                    case 0:
                    case 1:
                    {
                        final long sequence = producer.tryClaim();
                        if (sequence >= 0)
                        {
                            producer.frame(sequence).buffer().putLong(0, sequence);
                            producer.frame(sequence).metadata().putLong(0, ~sequence);
                            producer.commit(sequence, 8 + random.nextInt(SLOT_SIZE - 8));
                        }
                        break;
                    }
                    case 2:
                    {
                        final long first = producer.tryClaim(1 + random.nextInt(3));
                        if (first >= 0)
                        {
                            for (long s = first; s < producer.nextSequence(); s++)
                            {
                                producer.frame(s).length(random.nextInt(SLOT_SIZE + 1));
                            }
                            if (random.nextBoolean() || producer.nextSequence() - first == 1)
                            {
                                producer.commitUpTo(producer.nextSequence() - 1);
                            }
                            else
                            {
                                producer.abort(first);
                                producer.commitUpTo(producer.nextSequence() - 1);
                            }
                        }
                        break;
                    }
                    case 3:
                    case 4:
                    {
                        final long sequence = consumer.poll();
                        if (sequence >= 0)
                        {
                            final Frame frame = consumer.frame(sequence);
                            if (frame.length() >= 8)
                            {
                                frame.buffer().getLong(0);
                                frame.buffer().getByte(frame.length() - 1);
                            }
                            frame.metadata().getLong(SlotDescriptor.USER_METADATA_LENGTH - 8);
                            frame.frameId();
                            held.addLast(sequence);
                        }
                        break;
                    }
                    case 5:
                        if (!held.isEmpty())
                        {
                            consumer.release(random.nextBoolean() ? held.pollFirst() : held.pollLast());
                        }
                        break;
                    case 6:
                        consumer.drain(frame ->
                        {
                            if (frame.length() >= 8)
                            {
                                frame.buffer().getLong(frame.length() - 8);
                            }
                        }, 1 + random.nextInt(4));
                        break;
                    case 7:
                        consumer.awaitFrames(100_000);
                        break;
                    case 8:
                        producer.awaitSpace(100_000);
                        break;
                    case 9:
                        producer.consumerState();
                        consumer.producerState();
                        consumer.producerError();
                        consumer.available();
                        consumer.occupancy();
                        for (int i = 0; i < ParticipantDescriptor.COUNTER_COUNT; i++)
                        {
                            producer.counter(i);
                            consumer.counter(i);
                        }
                        break;
                    default:
                        producer.isConsumed();
                        producer.isConsumerCancelled();
                        producer.awaitConsumed(100_000);
                }
            }
            catch (final ShmException typed)
            {
                TYPED.incrementAndGet();
                trace.append(" -> ").append(typed.getClass().getSimpleName());
            }
            catch (final Throwable untyped)
            {
                throw new AssertionError("untyped " + untyped + " after:" + trace, untyped);
            }
        }

        private void closeAll()
        {
            try
            {
                consumer.close();
                producer.close();
                channel.close();
            }
            catch (final Throwable ex)
            {
                throw new AssertionError("close threw " + ex + " after:" + trace, ex);
            }
            if (!ShmTestDirectory.leftovers(dir).isEmpty())
            {
                throw new AssertionError("left in the directory: " + ShmTestDirectory.leftovers(dir) + " after:" + trace);
            }
        }
    }
}
