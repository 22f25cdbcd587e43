package dev.shmstreams.transport.it;

import dev.shmstreams.transport.ChannelSettings;
import dev.shmstreams.transport.PeerState;
import dev.shmstreams.transport.ShmProducer;
import dev.shmstreams.transport.test.SegmentProbe;
import dev.shmstreams.transport.test.ShmTestDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Path;
import java.util.Map;

import static dev.shmstreams.transport.it.Peers.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * A consumer killed while holding frame K after releasing K+1..K+4 out of order: the next consumer
 * gets only K again (flagged redelivered), not the four frames the dead one had given back. The
 * released sequence can only say "everything before K"; each out-of-order release leaves a mark
 * in its slot descriptor ({@link dev.shmstreams.transport.layout.SlotDescriptor#RELEASED_MARK_OFFSET})
 * for a successor to read. (Found by this test; fixed in the transport.)
 */
@ExtendWith(ShmTestDirectory.class)
class RedeliveryAfterOutOfOrderReleaseIT
{
    private static final int SLOTS = 16;
    private static final int SLOT_SIZE = 4096;
    private static final int RELEASED_BEFORE_KILL = 500;
    private static final int HELD = 5;

    @Test
    void onlyTheFramesAKilledConsumerDidNotReleaseAreRedelivered(final Path dir)
    {
        final ChannelSettings settings = settings(dir, "out-of-order-redelivery", SLOTS, SLOT_SIZE);
        final long seed = 0xF1;
        try (ShmProducer producer = ShmProducer.create(settings);
            SegmentProbe probe = SegmentProbe.open(settings.path()))
        {
            try (ChildJvm holder = ChildJvm.start(childName(getClass(), "outOfOrder", "holding-consumer"),
                ConsumerProcess.class, args(settings, seed, "releaseFirst=" + RELEASED_BEFORE_KILL, "hold=" + HELD,
                "releaseHeldButFirst=1")))
            {
                sendUntil(producer, seed, RELEASED_BEFORE_KILL + SLOTS, TRANSFER);
                final ChildJvm.Line holding = holder.awaitLine("HOLDING", TRANSFER);
                assertEquals(RELEASED_BEFORE_KILL, holding.longField("first"), holding.text());
                assertEquals(1, holding.longField("unreleased"), holding.text());
                assertEquals(RELEASED_BEFORE_KILL, probe.releasedSequence(), "the prefix stops at the held frame");
                holder.kill9();
            }
            final long deadline = System.nanoTime() + LIVENESS_INTERVAL.plus(DETECTION).toNanos();
            while (producer.consumerState() != PeerState.LOST)
            {
                assertTrue(System.nanoTime() - deadline < 0, "consumer " + producer.consumerState());
                Thread.onSpinWait();
            }

            try (ChildJvm second = ChildJvm.start(childName(getClass(), "outOfOrder", "second-consumer"),
                ConsumerProcess.class, args(settings, seed,
                "gap=" + (RELEASED_BEFORE_KILL + 1) + "-" + (RELEASED_BEFORE_KILL + HELD))))
            {
                second.awaitLine("ATTACHED", STARTUP);
                producer.complete();
                assertTrue(producer.awaitConsumed(TRANSFER.toNanos()));
                final ChildJvm.Line result = second.awaitLine("RESULT", TRANSFER);
                final Map<String, String> fields = result.fields();
                assertEquals("END_OF_STREAM", fields.get("terminal"), result.text());
                assertEquals(String.valueOf(RELEASED_BEFORE_KILL + SLOTS), fields.get("next"),
                    "at least once: " + result.text());
                assertEquals(0, second.awaitExit(TRANSFER));
                assertEquals("1", fields.get("redelivered"), "only the held frame comes again; frames " +
                    (RELEASED_BEFORE_KILL + 1) + ".." + (RELEASED_BEFORE_KILL + HELD - 1) + " were released out of " +
                    "order by the killed consumer: " + result.text());
            }
        }
        assertSegmentRemoved(settings);
    }
}
