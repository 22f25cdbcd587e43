package dev.shmstreams.transport.it;

import dev.shmstreams.transport.ChannelSettings;
import dev.shmstreams.transport.PeerState;
import dev.shmstreams.transport.ShmProducer;
import dev.shmstreams.transport.test.SegmentProbe;
import dev.shmstreams.transport.test.ShmTestDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static dev.shmstreams.transport.it.Peers.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * SIGSTOP of the consumer for several stall timeouts while the producer keeps sending (the
 * producer side of ProducerStoppedIT): the producer reports it {@link PeerState#STALLED}, never
 * {@link PeerState#LOST}, the ring stays full and nothing fails; after SIGCONT it is
 * {@link PeerState#ALIVE} again and every frame arrives once, in order, intact.
 */
@ExtendWith(ShmTestDirectory.class)
class ConsumerStoppedIT
{
    private static final int SLOTS = 16;
    private static final int SLOT_SIZE = 4096;
    private static final Duration STALL_TIMEOUT = Duration.ofSeconds(1);

    @Test
    void aStoppedConsumerIsAStallNotALossAndResumesWithoutLoss(final Path dir) throws Exception
    {
        final ChannelSettings settings = settings(dir, "consumer-stopped", SLOTS, SLOT_SIZE)
            .withStallTimeout(STALL_TIMEOUT);
        final long seed = 0x5709;
        try (ShmProducer producer = ShmProducer.create(settings);
            SegmentProbe probe = SegmentProbe.open(settings.path());
            ChildJvm consumer = ChildJvm.start(childName(getClass(), "stopped", "consumer"),
                FaultConsumerProcess.class, args(settings, seed, "point=end")))
        {
            final ConsumerKillLoopIT.Sender sender = new ConsumerKillLoopIT.Sender(producer, seed);
            sender.start();
            try
            {
                consumer.awaitLine("ATTACHED", STARTUP);
                awaitState(producer, PeerState.ALIVE);
                consumer.signal("STOP");
                final long stoppedAt = System.nanoTime();
                awaitState(producer, PeerState.STALLED);
                final long releasedWhileStopped = probe.releasedSequence();
                // stay stopped for three stall timeouts: a stall, however long, is never a loss
                while (System.nanoTime() - stoppedAt < 3 * STALL_TIMEOUT.toNanos())
                {
                    final PeerState state = producer.consumerState();
                    assertTrue(state == PeerState.STALLED || state == PeerState.ALIVE, "consumer " + state);
                    TimeUnit.MILLISECONDS.sleep(20);
                }
                assertEquals(PeerState.STALLED, producer.consumerState());
                assertEquals(releasedWhileStopped, probe.releasedSequence(), "a stopped consumer releases nothing");
                assertEquals(releasedWhileStopped + SLOTS, probe.publishedSequence(), "the ring is full, not overrun");
                assertNull(sender.problem, sender.problem);

                consumer.signal("CONT");
                awaitState(producer, PeerState.ALIVE);
                final long target = probe.publishedSequence() + 10L * SLOTS;
                while (probe.releasedSequence() < target)
                {
                    TimeUnit.MILLISECONDS.sleep(2);
                }
            }
            finally
            {
                sender.stopped = true;
                sender.join(TRANSFER.toMillis());
            }
            assertNull(sender.problem, sender.problem);
            producer.complete();
            final Map<String, String> result = consumer.awaitLine("RESULT", TRANSFER).fields();
            assertEquals("END_OF_STREAM", result.get("terminal"), result.toString());
            assertEquals(String.valueOf(producer.published()), result.get("next"), result.toString());
            assertEquals(String.valueOf(producer.published()), result.get("received"), "each once: " + result);
            assertEquals("0", result.get("redelivered"), result.toString());
            assertEquals(0, consumer.awaitExit(TRANSFER));
            ReliabilityReport.record("ConsumerStoppedIT", "stops=1 stalledNotLost=1 framesChecked=" + producer.published());
        }
        assertSegmentRemoved(settings);
    }

    private static void awaitState(final ShmProducer producer, final PeerState expected) throws InterruptedException
    {
        final long deadline = System.nanoTime() + STALL_TIMEOUT.plus(DETECTION).toNanos();
        PeerState state;
        while ((state = producer.consumerState()) != expected)
        {
            assertNotEquals(PeerState.LOST, state, "a stopped consumer holds its lock: never LOST");
            assertTrue(System.nanoTime() - deadline < 0, "consumer state " + state + ", expected " + expected);
            TimeUnit.MILLISECONDS.sleep(10);
        }
    }
}
