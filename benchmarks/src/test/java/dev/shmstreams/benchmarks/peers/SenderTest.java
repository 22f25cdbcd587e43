package dev.shmstreams.benchmarks.peers;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fixed-rate schedule: small messages warm up at {@link Sender#WARMUP_SPEEDUP}x the rate and
 * then go on at the rate; a producer that fell behind in the fast part is not charged its debt;
 * large frames never run fast. Asserts on the due times the sender computes, not on how punctual
 * the machine was.
 */
class SenderTest
{
    private static final long MILLI = 1_000_000;

    /** @return the due times of the next n messages. */
    private static List<Long> dues(final Sender sender, final int n)
    {
        final List<Long> dues = new ArrayList<>();
        for (int i = 0; i < n; i++)
        {
            dues.add(sender.awaitDue());
            sender.sequence++;
        }
        return dues;
    }

    @Test
    void smallMessagesWarmUpFastThenKeepTheRate()
    {
        // warm-up 1,100 ms: 100 ms at 20,000/s (2,000 messages), then 1,000/s
        final Sender sender = new Sender(new Phase("t", 64, 1_000, Sender.SETTLE_MILLIS + 100, 1_000, "spin"), null, 0);
        final List<Long> dues = dues(sender, 2_000 + 5);
        final long fast = MILLI / Sender.WARMUP_SPEEDUP;
        int switches = 0;
        for (int i = 1; i < dues.size(); i++)
        {
            final long gap = dues.get(i) - dues.get(i - 1);
            if (gap != fast)
            {
                switches++;
                assertTrue(gap >= MILLI, "the first due time at the rate is at least a period after the last fast one");
                for (int j = i + 1; j < dues.size(); j++)
                {
                    assertEquals(MILLI, dues.get(j) - dues.get(j - 1), "after the fast part, one message per period");
                }
                break;
            }
        }
        assertEquals(1, switches, "the fast part ends once, within the messages taken");
    }

    @Test
    void aProducerBehindInTheFastPartIsNotChargedItsDebt() throws InterruptedException
    {
        final Sender sender = new Sender(new Phase("t", 64, 1_000, Sender.SETTLE_MILLIS + 50, 1_000, "spin"), null, 0);
        dues(sender, 3);
        Thread.sleep(200);   // held up past the end of the fast part, thousands of messages behind
        final long before = System.nanoTime();
        final List<Long> dues = dues(sender, 3);
        assertTrue(dues.get(0) - before > 0, "the rate starts from now, not from the fast schedule's past");
        assertEquals(MILLI, dues.get(1) - dues.get(0));
        assertEquals(MILLI, dues.get(2) - dues.get(1));
    }

    @Test
    void largeFramesNeverRunFast()
    {
        final Sender sender = new Sender(new Phase("t", 8 * 1024, 200, 5_000, 1_000, "blocking"), null, 0);
        final List<Long> dues = dues(sender, 4);
        for (int i = 1; i < dues.size(); i++)
        {
            assertEquals(5 * MILLI, dues.get(i) - dues.get(i - 1));
        }
    }

    @Test
    void saturationHasNoDueTimes()
    {
        final Sender sender = new Sender(new Phase("t", 64, 0, 5_000, 1_000, "spin"), null, 0);
        assertEquals(0, sender.awaitDue());
    }
}
