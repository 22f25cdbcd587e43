package dev.shmstreams.stream.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What the Akka child processes share: key=value arguments, one line per event on stdout, and
 * halting when the test JVM dies (its end of our stdin closes), so no child outlives a test.
 *
 * <p>A child started ahead of its turn (a test starting the next victim while the current one
 * runs, to overlap JVM and actor system start-up) gets {@code go=PATH}: it prints {@code READY}
 * and waits for the file, whose {@code key=value} words are arguments decided later.
 */
public final class AkkaChild
{
    private final Map<String, String> args = new HashMap<>();

    private AkkaChild(final String[] argv)
    {
        for (final String arg : argv)
        {
            final int eq = arg.indexOf('=');
            args.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
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
                // treat like end of file
            }
            Runtime.getRuntime().halt(3);
        }, "parent-watch");
        watch.setDaemon(true);
        watch.start();
    }

    public static AkkaChild start(final String[] argv)
    {
        return new AkkaChild(argv);
    }

    public String string(final String key, final String defaultValue)
    {
        return args.getOrDefault(key, defaultValue);
    }

    public long number(final String key, final long defaultValue)
    {
        final String value = args.get(key);
        return value == null ? defaultValue : Long.parseLong(value);
    }

    public static synchronized void line(final String text)
    {
        System.out.println(text);
        System.out.flush();
    }

    public static String describe(final Throwable failure)
    {
        Throwable cause = failure;
        while (cause instanceof java.util.concurrent.CompletionException && cause.getCause() != null)
        {
            cause = cause.getCause();
        }
        return cause.getClass().getName() + " " + String.valueOf(cause.getMessage()).replace('\n', ' ');
    }

    /**
     * With {@code go=PATH}: print {@code READY}, wait for the file (a look every 5 ms, for at most
     * five minutes; the parent writes it atomically) and add its {@code key=value} words to the
     * arguments. Without: return at once.
     */
    public void awaitGo()
    {
        final String go = args.get("go");
        if (go == null)
        {
            return;
        }
        line("READY");
        final Path path = Path.of(go);
        final long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        try
        {
            while (!Files.exists(path))
            {
                if (System.nanoTime() > deadline)
                {
                    line("FAILED no go file " + path);
                    Runtime.getRuntime().halt(4);
                }
                TimeUnit.MILLISECONDS.sleep(5);
            }
            for (final String word : Files.readString(path).trim().split("\\s+"))
            {
                final int eq = word.indexOf('=');
                if (eq > 0)
                {
                    args.put(word.substring(0, eq), word.substring(eq + 1));
                }
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * For the parent: let a child started with {@code go=path} begin, with these further arguments.
     *
     * @param path the child's go file.
     * @param args {@code key=value} words.
     */
    public static void go(final Path path, final String... args)
    {
        try
        {
            final Path tmp = path.resolveSibling(path.getFileName() + ".tmp");
            Files.writeString(tmp, String.join(" ", args));
            Files.move(tmp, path, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }
}
