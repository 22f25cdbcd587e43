package dev.shmstreams.benchmarks;

import dev.shmstreams.transport.ChannelSettings;
import dev.shmstreams.transport.Frame;
import dev.shmstreams.transport.FrameHandler;
import dev.shmstreams.transport.ShmConsumer;
import dev.shmstreams.transport.ShmProducer;
import dev.shmstreams.transport.WaitStrategy;
import dev.shmstreams.transport.WritableFrame;
import org.agrona.BufferUtil;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.util.concurrent.TimeUnit;

/**
 * The instructions and fences of one 64-byte frame's trip through each transport, with both ends
 * on one thread: no cache line ever leaves the core, so what is measured is the code path alone
 * (claim, fill, commit, poll, read, release), the part of cross-process latency and throughput that
 * is not cache-line transfer. Run with {@code -prof gc} to see bytes allocated per operation.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
public class RingPathBenchmark
{
    static final int LENGTH = 64;
    static final int BATCH = 64;

    private BenchDirectory directory;
    private ShmProducer producer;
    private ShmConsumer consumer;
    private OneToOneRingBuffer agrona;
    private final UnsafeBuffer spin = new UnsafeBuffer(BufferUtil.allocateDirectAligned(256, 128));
    private final Sum ringSum = new Sum();
    private final Sum agronaSum = new Sum();
    private long pattern;

    /** Reads every byte, like the cross-process consumers. */
    static final class Sum implements FrameHandler, MessageHandler
    {
        long sum;

        @Override
        public void onFrame(final Frame frame)
        {
            sum += Payload.sum(frame.buffer(), 0, frame.length());
        }

        @Override
        public void onMessage(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
        {
            sum += Payload.sum(buffer, index, length);
        }
    }

    @Setup(Level.Trial)
    public void setup()
    {
        directory = BenchDirectory.create();
        final ChannelSettings settings = ChannelSettings.create("path").withDirectory(directory.path())
            .withSlotCount(1024).withSlotSize(LENGTH).withWaitStrategy(WaitStrategy.BUSY_SPIN);
        producer = ShmProducer.create(settings);
        consumer = ShmConsumer.attach(settings);
        agrona = new OneToOneRingBuffer(new UnsafeBuffer(BufferUtil.allocateDirectAligned(
            128 * 1024 + RingBufferDescriptor.TRAILER_LENGTH, 4096)));
    }

    @TearDown(Level.Trial)
    public void tearDown()
    {
        consumer.close();
        producer.close();
        directory.close();
    }

    /** One frame: claim, fill, commit; poll, read, release. */
    @Benchmark
    public long ringOneFrame()
    {
        final long sequence = producer.tryClaim();
        Payload.fill(producer.frame(sequence).buffer(), 0, LENGTH, pattern++);
        producer.commit(sequence, LENGTH);
        final long polled = consumer.poll();
        final Frame frame = consumer.frame(polled);
        final long sum = Payload.sum(frame.buffer(), 0, frame.length());
        consumer.release(polled);
        return sum;
    }

    /** A batch: tryClaim(64), fill each, commitUpTo; drain(64). Per frame. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long ringBatch()
    {
        final long first = producer.tryClaim(BATCH);
        for (long sequence = first; sequence < first + BATCH; sequence++)
        {
            final WritableFrame frame = producer.frame(sequence);
            Payload.fill(frame.buffer(), 0, LENGTH, sequence);
            frame.length(LENGTH);
        }
        producer.commitUpTo(first + BATCH - 1);
        consumer.drain(ringSum, BATCH);
        return ringSum.sum;
    }

    /** Agrona, one message: tryClaim, fill, commit; read(1) (again after a padding record). */
    @Benchmark
    public long agronaOneFrame()
    {
        final int index = agrona.tryClaim(1, LENGTH);
        Payload.fill(agrona.buffer(), index, LENGTH, pattern++);
        agrona.commit(index);
        while (agrona.read(agronaSum, 1) == 0)
        {
            // a padding record at the buffer's end is read without counting as a message
        }
        return agronaSum.sum;
    }

    /** Agrona, a batch of 64 claims and commits, then read(64). Per message. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long agronaBatch()
    {
        for (int i = 0; i < BATCH; i++)
        {
            final int index = agrona.tryClaim(1, LENGTH);
            Payload.fill(agrona.buffer(), index, LENGTH, pattern++);
            agrona.commit(index);
        }
        int read = 0;
        while (read < BATCH)
        {
            read += agrona.read(agronaSum, BATCH - read);
        }
        return agronaSum.sum;
    }

    /** What the ring's commit pays for its default timestamp (vDSO clock_gettime; dear in some VMs). */
    @Benchmark
    public long clockNanoTime()
    {
        return System.nanoTime();
    }

    /** The bare spin's work: a release store and a volatile load of one long. */
    @Benchmark
    public long spinOneLong()
    {
        spin.putLongOrdered(0, ++pattern);
        return spin.getLongVolatile(0);
    }
}
