package dev.shmstreams.dma;

import org.agrona.BufferUtil;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The static pool of {@code N} blocks of {@code B} bytes and the ring of block references: the
 * seed's {@code mem_pool[N][B]} and {@code buffer[N]}, allocated once, here as one 64-byte-aligned
 * direct buffer. Nothing is allocated per block except the consumer's {@link DmaBlock} handle.
 *
 * <h2>Block states</h2>
 * <pre>
 *   FREE --acquire (ISR)--> DMA --push (ISR)--> READY --poll--> HELD(sequence) --release (any thread)--> FREE
 * </pre>
 * Each block's state is one slot of an {@link AtomicLongArray}: {@code FREE}, {@code DMA},
 * {@code READY}, or the delivery sequence while a consumer holds it. Acquire, push and poll run on
 * the emulator's thread (on the MCU: the ISR and the main loop, which the seed serialises by
 * disabling interrupts; here one thread does both). Release runs on whatever thread the consumer
 * is on: a compare-and-set from that block's held sequence to {@code FREE}, a release store that
 * the ISR's volatile read of the state acquires, so the consumer's reads of the block happen
 * before the DMA overwrites it. That replaces the seed's unprotected shared index.
 *
 * <h2>Re-targeting</h2>
 * The ISR re-targets the channel to the next FREE block after the last one it acquired, in ring
 * order. The seed computes the next target as {@code tail + 1} after pushing, one past the block
 * the ring's tail now names, so its channel writes a block the consumer is about to read; here the
 * target is found by state, never by index arithmetic.
 */
public final class BlockPool implements DmaMemory
{
    /** The pool's alignment: a cache line, and more than any DMA transfer width needs. */
    public static final int ALIGNMENT = 64;
    /** Descriptor bytes per block (8 longs: one cache line). */
    public static final int DESCRIPTOR_BYTES = 64;

    static final long FREE = -1;
    static final long DMA = -2;
    static final long READY = -3;

    private static final int PERIOD = 0;
    private static final int FIRST_UNIT = 1;
    private static final int LOST_BEFORE = 2;
    private static final int HALF_NANOS = 3;
    private static final int COMPLETE_NANOS = 4;
    private static final int LENGTH_EVENT = 5;
    private static final int HELD_PERIOD = 6;
    private static final int HELD_NANOS = 7;
    private static final int DESCRIPTOR_LONGS = DESCRIPTOR_BYTES / Long.BYTES;
    private static final DmaEvent[] EVENTS = DmaEvent.values();

    private final int blockCount;
    private final int blockSize;
    private final ByteBuffer memory;
    private final UnsafeBuffer[] targets;
    private final AtomicLongArray owner;
    private final int[] ring;
    private final long[] descriptors;
    private final AtomicLong released = new AtomicLong();
    private final AtomicReference<Runnable> releaseWakeup = new AtomicReference<>();
    private long pushed;
    private long popped;
    private int lastAcquired = -1;

    /**
     * @param blockCount N, 2 .. 65536.
     * @param blockSize  B, a multiple of 8.
     */
    public BlockPool(final int blockCount, final int blockSize)
    {
        if (blockCount < 2 || blockCount > 65536)
        {
            throw new IllegalArgumentException("a pool has 2 .. 65536 blocks, not " + blockCount);
        }
        if (blockSize < 8 || blockSize % 8 != 0 || (long)blockCount * blockSize > Integer.MAX_VALUE - ALIGNMENT)
        {
            throw new IllegalArgumentException("block size must be a positive multiple of 8 and the pool under 2 GiB, " +
                "was " + blockCount + " x " + blockSize);
        }
        this.blockCount = blockCount;
        this.blockSize = blockSize;
        this.memory = BufferUtil.allocateDirectAligned(blockCount * blockSize, ALIGNMENT);
        this.targets = new UnsafeBuffer[blockCount];
        this.owner = new AtomicLongArray(blockCount);
        this.ring = new int[blockCount];
        this.descriptors = new long[blockCount * DESCRIPTOR_LONGS];
        for (int i = 0; i < blockCount; i++)
        {
            targets[i] = new UnsafeBuffer(memory, i * blockSize, blockSize);
            owner.set(i, FREE);
        }
    }

    @Override
    public long acquire()
    {
        for (int n = 1; n <= blockCount; n++)
        {
            int index = lastAcquired + n;
            if (index >= blockCount)
            {
                index -= blockCount;
            }
            // volatile read: acquires the consumer's release of this block
            if (owner.get(index) == FREE)
            {
                owner.lazySet(index, DMA);
                lastAcquired = index;
                return index;
            }
        }
        return NO_BLOCK;
    }

    @Override
    public MutableDirectBuffer target(final long block)
    {
        return targets[(int)block];
    }

    @Override
    public void push(
        final long block,
        final int length,
        final long period,
        final long firstUnit,
        final long lostPeriodsBefore,
        final long halfTransferNanos,
        final long completeNanos,
        final DmaEvent event)
    {
        final int index = (int)block;
        if (owner.get(index) != DMA)
        {
            throw new IllegalStateException("block " + index + " pushed but not targeted by the channel: " +
                stateName(owner.get(index)));
        }
        final int d = index * DESCRIPTOR_LONGS;
        descriptors[d + PERIOD] = period;
        descriptors[d + FIRST_UNIT] = firstUnit;
        descriptors[d + LOST_BEFORE] = lostPeriodsBefore;
        descriptors[d + HALF_NANOS] = halfTransferNanos;
        descriptors[d + COMPLETE_NANOS] = completeNanos;
        descriptors[d + LENGTH_EVENT] = ((long)event.ordinal() << 32) | length;
        owner.lazySet(index, READY);
        ring[(int)(pushed % blockCount)] = index;
        pushed++;
    }

    @Override
    public int blockSize()
    {
        return blockSize;
    }

    /**
     * Pop the oldest pushed block and hand it to the caller: the seed's {@code queue_pop}.
     *
     * @param nowPeriod the emulator's current DMA period, for leak ageing.
     * @param nowNanos  the emulated instant.
     * @param unitBytes the peripheral's unit size, carried on the handle.
     * @return a handle that must be released, or null if the ring is empty.
     */
    public DmaBlock poll(final long nowPeriod, final long nowNanos, final int unitBytes)
    {
        if (popped == pushed)
        {
            return null;
        }
        final int index = ring[(int)(popped % blockCount)];
        final long sequence = popped++;
        final int d = index * DESCRIPTOR_LONGS;
        descriptors[d + HELD_PERIOD] = nowPeriod;
        descriptors[d + HELD_NANOS] = nowNanos;
        final long lengthEvent = descriptors[d + LENGTH_EVENT];
        owner.set(index, sequence);
        return new DmaBlock(this, memory, index, index * blockSize, (int)lengthEvent, sequence, descriptors[d + PERIOD],
            descriptors[d + FIRST_UNIT], unitBytes, descriptors[d + LOST_BEFORE], descriptors[d + HALF_NANOS],
            descriptors[d + COMPLETE_NANOS], EVENTS[(int)(lengthEvent >>> 32)]);
    }

    /** Called by {@link DmaBlock#release()}: exactly once per delivery, from any thread. */
    void release(final int index, final long sequence)
    {
        if (!owner.compareAndSet(index, sequence, FREE))
        {
            throw new IllegalStateException("block " + index + " is not held under sequence " + sequence + ": " +
                stateName(owner.get(index)));
        }
        released.incrementAndGet();
        final Runnable wakeup = releaseWakeup.getAndSet(null);
        if (wakeup != null)
        {
            wakeup.run();
        }
    }

    /**
     * Run {@code wakeup} once, on the releasing thread, at the next release. For a driver that
     * waits for a free block (backpressure): arm, then check {@link #freeCount()} again, so a release
     * between the check and the arming is not missed.
     *
     * @param wakeup non-blocking; typically an Akka async callback.
     */
    public void armReleaseWakeup(final Runnable wakeup)
    {
        releaseWakeup.set(wakeup);
    }

    /** Disarm a wakeup armed with {@link #armReleaseWakeup}. */
    public void disarmReleaseWakeup()
    {
        releaseWakeup.set(null);
    }

    /**
     * Report held blocks older than the threshold (emulator's thread).
     *
     * @param nowPeriod        current DMA period.
     * @param nowNanos         current emulated instant.
     * @param thresholdPeriods held for more than this many periods is a leak.
     * @param report           receives each leak.
     * @return leaks found.
     */
    public int scanLeaks(final long nowPeriod, final long nowNanos, final long thresholdPeriods,
        final Consumer<BlockLeak> report)
    {
        int found = 0;
        for (int i = 0; i < blockCount; i++)
        {
            final long state = owner.get(i);
            if (state >= 0)
            {
                final int d = i * DESCRIPTOR_LONGS;
                final long age = nowPeriod - descriptors[d + HELD_PERIOD];
                if (age > thresholdPeriods)
                {
                    found++;
                    report.accept(new BlockLeak(i, state, descriptors[d + PERIOD], age,
                        nowNanos - descriptors[d + HELD_NANOS]));
                }
            }
        }
        return found;
    }

    /** @return blocks held by consumers now (any thread; a racy but consistent-per-block count). */
    public int heldCount()
    {
        return count(s -> s >= 0);
    }

    /** @return blocks free for the channel (any thread). */
    public int freeCount()
    {
        return count(s -> s == FREE);
    }

    /** @return blocks pushed and not yet polled (emulator's thread). */
    public int readyCount()
    {
        return (int)(pushed - popped);
    }

    /** @return blocks handed to consumers so far (emulator's thread). */
    public long delivered()
    {
        return popped;
    }

    /** @return blocks released so far (any thread). */
    public long released()
    {
        return released.get();
    }

    public int blockCount()
    {
        return blockCount;
    }

    /** @return the pool's base address: 64-byte aligned. */
    public long address()
    {
        return BufferUtil.address(memory);
    }

    private int count(final java.util.function.LongPredicate predicate)
    {
        int n = 0;
        for (int i = 0; i < blockCount; i++)
        {
            if (predicate.test(owner.get(i)))
            {
                n++;
            }
        }
        return n;
    }

    /** @return the pool's RAM table. */
    public Footprint footprint()
    {
        return footprintOf(blockCount, blockSize);
    }

    /**
     * @param blockCount N.
     * @param blockSize  B.
     * @return the RAM table of a pool of that geometry: array payloads on the JVM (object headers
     * and the per-block view objects, about 60 bytes each, not counted), and the same structures on
     * an STM32F1 (32-bit block pointers, 16-bit head/tail, a 4-byte descriptor of length and state).
     */
    public static Footprint footprintOf(final int blockCount, final int blockSize)
    {
        return new Footprint(List.of(
            new Footprint.Row("block pool (" + ALIGNMENT + "-byte aligned)", blockCount, blockSize,
                (long)blockCount * blockSize),
            new Footprint.Row("reference ring", blockCount, Integer.BYTES, blockCount * 4L),
            new Footprint.Row("ring head/tail", 2, Long.BYTES, 2 * 2),
            new Footprint.Row("block descriptors", blockCount, DESCRIPTOR_BYTES, blockCount * 4L),
            new Footprint.Row("block states", blockCount, Long.BYTES, blockCount)));
    }

    private static String stateName(final long state)
    {
        return state == FREE ? "FREE" : state == DMA ? "DMA" : state == READY ? "READY" : "HELD(" + state + ")";
    }

    @Override
    public String toString()
    {
        return "BlockPool{" + blockCount + " x " + blockSize + " B, pushed=" + pushed + ", delivered=" + popped +
            ", released=" + released.get() + '}';
    }
}
