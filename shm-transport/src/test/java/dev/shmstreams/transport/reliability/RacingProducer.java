package dev.shmstreams.transport.reliability;

import dev.shmstreams.transport.ShmProducer;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One of two producer processes racing to create the same channel ({@link ProducerRaceIT}). Says
 * {@code READY}, spins (bounded) until the file {@code go} appears so both start within
 * microseconds, creates, says {@code WON} or {@code LOST type=.. message=..}; a winner keeps the
 * channel until the file {@code done} appears, then closes it.
 */
public final class RacingProducer
{
    private RacingProducer()
    {
    }

    public static void main(final String[] argv)
    {
        final Child args = Child.init(argv);
        final Path go = Path.of(args.arg("go"));
        final Path done = Path.of(args.arg("done"));
        Child.line("READY");
        final long deadline = System.nanoTime() + 30_000_000_000L;
        while (!Files.exists(go))
        {
            if (System.nanoTime() - deadline > 0)
            {
                Child.failAndExit("no go signal");
            }
            Thread.onSpinWait();
        }
        final ShmProducer producer;
        try
        {
            producer = ShmProducer.create(args.settings());
        }
        catch (final RuntimeException ex)
        {
            Child.line("LOST type=" + ex.getClass().getSimpleName() + " message=" +
                String.valueOf(ex.getMessage()).replace(' ', '_'));
            System.exit(0);
            return;
        }
        Child.line("WON");
        while (!Files.exists(done))
        {
            Child.sleepMillis(1);
        }
        producer.close();
        Child.line("CLOSED");
        System.exit(0);
    }
}
