package dev.shmstreams.examples;

import java.io.IOException;

/**
 * Makes a child process of a demo exit when its parent dies, however the parent dies: the parent
 * never writes to the child's standard input, so end-of-file there means the parent is gone.
 * {@code System.exit} runs the shutdown hooks (Akka's CoordinatedShutdown closes the channel and the
 * last side out removes the segment); a child that does not manage within 15 s is halted.
 */
public final class ParentWatch
{
    private ParentWatch()
    {
    }

    /** Start watching, on a daemon thread. */
    public static void start()
    {
        final Thread watch = new Thread(() ->
        {
            try
            {
                while (System.in.read() >= 0)
                {
                    // the parent never writes
                }
            }
            catch (final IOException ignore)
            {
                // treat like end of file
            }
            final Thread halt = new Thread(() ->
            {
                try
                {
                    Thread.sleep(15_000);
                }
                catch (final InterruptedException ignore)
                {
                    // halt now
                }
                Runtime.getRuntime().halt(3);
            }, "parent-watch-halt");
            halt.setDaemon(true);
            halt.start();
            System.exit(3);
        }, "parent-watch");
        watch.setDaemon(true);
        watch.start();
    }
}
