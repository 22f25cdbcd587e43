package dev.shmstreams.jcstress;

import dev.shmstreams.transport.Frame;
import dev.shmstreams.transport.InMemoryRing;
import dev.shmstreams.transport.ShmConsumer;
import dev.shmstreams.transport.ShmProducer;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Out-of-order release: the released sequence advances only over the contiguous released prefix,
 * so the producer gets back only slots below it, never a slot whose frame is still held behind a
 * gap.
 *
 * <p>Four slots, full: frames 0..3 published and held by the consumer (set-up). The consumer
 * releases them in the order 2, 0, 3, 1, reading each frame in place just before releasing it.
 * The released prefix goes 0, 0, 1, 1, 4: only the release of 0 gives the producer one slot
 * (sequence 4, slot 0) and only the release of 1, last, gives it the other three. Meanwhile the
 * producer makes four claim attempts and overwrites every slot it gets. A released sequence that
 * jumped a gap (for instance to 3 after releasing 2 then 0, or to 4 after releasing 3) would let
 * the producer overwrite frame 1 before the consumer read it.
 *
 * <p>The consumer also stores to plain test fields just before the two releases that can move
 * the prefix, {@code releasing0} and {@code releasing1}. A claim is an acquire of the released
 * sequence, so right after its first successful claim the producer must see {@code releasing0},
 * and right after its second {@code releasing1}.
 *
 * <p>Result: r1 = bit per frame (0..3) whose in-place read saw overwritten payload or metadata,
 * r2 = claims that succeeded (0..4), r3 = bit 0: {@code releasing0} seen after the first claim,
 * bit 1: {@code releasing1} seen after the second.
 */
@JCStressTest
@Outcome(id = "0, 0, 0", expect = ACCEPTABLE, desc = "No claim: the release of 0 was not visible yet.")
@Outcome(id = "0, 1, 1", expect = ACCEPTABLE, desc = "One claim (slot 0): the release of 0 was visible, that of 1 not yet.")
@Outcome(id = "0, [2-4], 3", expect = ACCEPTABLE, desc = "Two to four claims: the release of 1, last, was visible.")
@Outcome(expect = FORBIDDEN, desc = "A held frame overwritten (r1), or a claim beyond the contiguous released prefix (r2 vs r3).")
@State
public class OutOfOrderReleaseTest
{
    private static final int SLOTS = 4;

    private final ShmProducer producer;
    private final ShmConsumer consumer;
    private final Frame[] held = new Frame[SLOTS];
    private int releasing0;
    private int releasing1;

    public OutOfOrderReleaseTest()
    {
        final InMemoryRing ring = TestFrames.ring(SLOTS);
        producer = ring.producer();
        consumer = ring.consumer();
        for (int i = 0; i < SLOTS; i++)
        {
            TestFrames.publish(producer);
        }
        for (int i = 0; i < SLOTS; i++)
        {
            held[i] = consumer.frame(TestFrames.take(consumer));
        }
    }

    @Actor
    public void consumer(final III_Result r)
    {
        int overwritten = readThenRelease(2);
        releasing0 = 1;
        overwritten |= readThenRelease(0);
        overwritten |= readThenRelease(3);
        releasing1 = 1;
        overwritten |= readThenRelease(1);
        r.r1 = overwritten;
    }

    private int readThenRelease(final int sequence)
    {
        final Frame frame = held[sequence];
        final int overwritten = TestFrames.staleContent(frame, sequence) != 0 ? 1 << sequence : 0;
        frame.release();
        return overwritten;
    }

    @Actor
    public void producer(final III_Result r)
    {
        int claims = 0;
        int seen = 0;
        for (int attempt = 0; attempt < SLOTS; attempt++)
        {
            final long sequence = producer.tryClaim();
            if (sequence >= 0)
            {
                if (claims == 0)
                {
                    seen = releasing0;
                }
                else if (claims == 1)
                {
                    seen |= releasing1 << 1;
                }
                TestFrames.write(producer, sequence);
                producer.commit(sequence, TestFrames.length(sequence));
                claims++;
            }
        }
        r.r2 = claims;
        r.r3 = seen;
    }
}
