package dev.shmstreams.transport.it;

import dev.shmstreams.transport.ChannelSettings;
import dev.shmstreams.transport.PeerState;
import dev.shmstreams.transport.ShmConsumer;
import dev.shmstreams.transport.ShmProducer;
import dev.shmstreams.transport.layout.ParticipantDescriptor;
import dev.shmstreams.transport.test.SegmentProbe;
import dev.shmstreams.transport.test.ShmTestDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

import static dev.shmstreams.transport.it.Peers.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * kill -9 of a consumer asleep in its futex wait, the likeliest moment for an idle consumer to die.
 *
 * <p>A waiting side counts itself in the segment's waiter count around the futex sleep
 * ({@code Endpoint} / {@code WaitLoop}); a killed process never takes itself back out. The peer
 * would then see a "waiter" on every publish and make a {@code futex(FUTEX_WAKE)} syscall per
 * frame, which DESIGN §4 rules out on a busy channel. The consumer that re-attaches holds the
 * role lock, so it resets the count (commit e17b6fe): this test shows that across real processes.
 *
 * <p>Between the death and the re-attach the stale count still costs a syscall per publish; with
 * backpressure that is at most a ring's worth (nobody releases), so it is not asserted here.
 */
@ExtendWith(ShmTestDirectory.class)
class ConsumerKilledWhileWaitingIT
{
    private static final int SLOTS = 16;
    private static final int SLOT_SIZE = 4096;
    /** The child's futex sleeps last this long, so the kill lands inside one (the count is checked first). */
    private static final Duration CHILD_SLEEP = Duration.ofSeconds(60);

    @Test
    void aConsumerKilledInItsFutexWaitLeavesNoWaiterForTheNextOne(final Path dir)
    {
        final ChannelSettings settings = settings(dir, "killed-while-waiting", SLOTS, SLOT_SIZE);
        final long seed = 0xD1;
        try (ShmProducer producer = ShmProducer.create(settings);
            SegmentProbe probe = SegmentProbe.open(settings.path()))
        {
            try (ChildJvm idle = ChildJvm.start(childName(getClass(), "waiterCount", "idle-consumer"),
                ConsumerProcess.class, args(settings, seed,
                "livenessMs=" + CHILD_SLEEP.toMillis(), "awaitMs=" + CHILD_SLEEP.toMillis())))
            {
                idle.awaitLine("ATTACHED", STARTUP);
                sendUntil(producer, seed, 4, TRANSFER);
                assertTrue(producer.awaitConsumed(TRANSFER.toNanos()));
                awaitValue("consumer waiters", probe::consumerWaiters, 1);
                idle.kill9();
            }
            final long deadline = System.nanoTime() + DETECTION.toNanos();
            while (producer.consumerState() != PeerState.LOST)
            {
                assertTrue(System.nanoTime() - deadline < 0, "consumer " + producer.consumerState());
                Thread.onSpinWait();
            }

            assertEquals(1, probe.consumerWaiters(), "the kill landed in the futex wait: the dead one still counts");
            sendUntil(producer, seed, 4 + SLOTS / 2, TRANSFER);

            // a consumer that re-attaches and never waits: publishing to it must make no syscall
            final long wakesReattached;
            final int waitersReattached;
            try (ShmConsumer consumer = ShmConsumer.attach(settings))
            {
                final long before = producer.counter(ParticipantDescriptor.PRODUCER_WAKES);
                sendUntil(producer, seed, 4 + SLOTS, TRANSFER);
                wakesReattached = producer.counter(ParticipantDescriptor.PRODUCER_WAKES) - before;
                waitersReattached = probe.consumerWaiters();
                for (long s = consumer.poll(); s >= 0; s = consumer.poll())
                {
                    consumer.release(s);
                }
            }

            assertEquals(0, waitersReattached, "consumer waiters with a re-attached consumer that is not waiting");
            assertEquals(0, wakesReattached, "wake syscalls for " + SLOTS / 2 +
                " publishes while the re-attached consumer never waited");
        }
        assertSegmentRemoved(settings);
    }

    private static void awaitValue(final String what, final IntSupplier value, final int expected)
    {
        final long deadline = System.nanoTime() + STARTUP.toNanos();
        while (value.getAsInt() != expected)
        {
            assertTrue(System.nanoTime() - deadline < 0, what + " is " + value.getAsInt() + ", waited for " + expected);
            try
            {
                TimeUnit.MILLISECONDS.sleep(5);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                throw new AssertionError(ex);
            }
        }
    }
}
