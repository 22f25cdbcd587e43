package dev.shmstreams.stream.it;

import dev.shmstreams.transport.ChannelSettings;
import dev.shmstreams.transport.ShmConsumer;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A transport consumer process for the sink's peer-gone tests: attaches, polls {@code poll} frames,
 * releases the first {@code release} of them, prints {@code HOLDING next=N released=R}, and then
 * sleeps holding the rest until it is killed. Halts when the test JVM dies (its end of our standard
 * input closes) or after two minutes, so it never outlives its test.
 */
public final class HoldingConsumerMain
{
    private HoldingConsumerMain()
    {
    }

    public static void main(final String[] argv) throws Exception
    {
        watchParent();
        String dir = "/dev/shm";
        String channel = "sink";
        int poll = 1;
        int release = 0;
        for (final String arg : argv)
        {
            final String value = arg.substring(arg.indexOf('=') + 1);
            if (arg.startsWith("dir="))
            {
                dir = value;
            }
            else if (arg.startsWith("channel="))
            {
                channel = value;
            }
            else if (arg.startsWith("poll="))
            {
                poll = Integer.parseInt(value);
            }
            else if (arg.startsWith("release="))
            {
                release = Integer.parseInt(value);
            }
        }
        final ShmConsumer consumer = ShmConsumer.attach(ChannelSettings.create(channel).withDirectory(Path.of(dir))
            .withAttachTimeout(Duration.ofSeconds(60)));
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        for (int polled = 0; polled < poll; )
        {
            final long sequence = consumer.poll();
            if (sequence >= 0)
            {
                if (polled < release)
                {
                    consumer.release(sequence);
                }
                polled++;
            }
            else if (sequence == ShmConsumer.EMPTY && System.nanoTime() < deadline)
            {
                consumer.awaitFrames(TimeUnit.MILLISECONDS.toNanos(100));
            }
            else
            {
                System.out.println("FAILED poll returned " + sequence + " after " + polled + " frames");
                System.exit(2);
            }
        }
        System.out.println("HOLDING next=" + consumer.nextSequence() + " released=" + consumer.released());
        System.out.flush();
        TimeUnit.MINUTES.sleep(2);
        Runtime.getRuntime().halt(98);
    }

    private static void watchParent()
    {
        final Thread watch = new Thread(() ->
        {
            try
            {
                while (System.in.read() >= 0)
                {
                    // the parent never writes; end of file means it is gone
                }
            }
            catch (final IOException ignore)
            {
                // same as end of file
            }
            Runtime.getRuntime().halt(97);
        }, "parent-watch");
        watch.setDaemon(true);
        watch.start();
    }
}
