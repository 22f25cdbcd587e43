package dev.shmstreams.transport;

import java.nio.file.Path;

/**
 * Child JVM for {@link JvmEnvironmentTest}: creates a channel in the given directory with the
 * requested memory options, prints its memory notes, sends one frame through it and exits 0;
 * any exception is printed and exits 1.
 */
public final class EnvironmentChild
{
    private EnvironmentChild()
    {
    }

    public static void main(final String[] args)
    {
        try
        {
            final ChannelSettings settings = ChannelSettings.create("env").withDirectory(Path.of(args[0]))
                .withSlotCount(4).withSlotSize(Integer.parseInt(args[1])).withMlock(Boolean.parseBoolean(args[2]));
            try (ShmProducer producer = ShmProducer.create(settings);
                 ShmConsumer consumer = ShmConsumer.attach(settings))
            {
                producer.memoryNotes().forEach(note -> System.out.println("NOTE " + note));
                final long seq = producer.tryClaim();
                producer.frame(seq).buffer().putLong(0, 42);
                producer.commit(seq, 8);
                final long got = consumer.poll();
                System.out.println("GOT " + consumer.frame(got).buffer().getLong(0));
                consumer.release(got);
                producer.complete();
            }
            System.exit(0);
        }
        catch (final Throwable t)
        {
            t.printStackTrace(System.out);
            System.exit(1);
        }
    }
}
