package dev.shmstreams.transport.reliability;

import dev.shmstreams.transport.ChannelSettings;
import dev.shmstreams.transport.WaitStrategy;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What the reliability suite's child main classes share (the same rules as the it package's
 * ChildSupport): {@code key=value} arguments, one protocol line per event on standard output,
 * halting when the test JVM dies (its end of our standard input closes) or after
 * {@code maxSeconds}, so no child ever outlives its test.
 */
final class Child
{
    static final int EXIT_ORPHANED = 97;
    static final int EXIT_TOO_LONG = 98;
    /** A result the child was told not to accept (wrong frame, an untyped exception). */
    static final int EXIT_FAILED = 2;

    private final Map<String, String> args = new HashMap<>();

    private Child(final String[] argv)
    {
        for (final String arg : argv)
        {
            final int eq = arg.indexOf('=');
            if (eq <= 0)
            {
                throw new IllegalArgumentException("argument '" + arg + "' is not key=value");
            }
            args.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
    }

    static Child init(final String[] argv)
    {
        final Child child = new Child(argv);
        daemon("parent-death-watch", () ->
        {
            try
            {
                while (System.in.read() >= 0)
                {
                    // the parent writes nothing; end of file means it is gone
                }
            }
            catch (final IOException ignore)
            {
                // same as end of file
            }
            Runtime.getRuntime().halt(EXIT_ORPHANED);
        });
        final long maxSeconds = child.longArg("maxSeconds", 300);
        daemon("lifetime-limit", () ->
        {
            try
            {
                TimeUnit.SECONDS.sleep(maxSeconds);
            }
            catch (final InterruptedException ignore)
            {
                // not interrupted in practice
            }
            line("TIMEOUT maxSeconds=" + maxSeconds);
            Runtime.getRuntime().halt(EXIT_TOO_LONG);
        });
        return child;
    }

    private static void daemon(final String name, final Runnable body)
    {
        final Thread thread = new Thread(body, name);
        thread.setDaemon(true);
        thread.start();
    }

    static synchronized void line(final String text)
    {
        System.out.println(text);
        System.out.flush();
    }

    static void failAndExit(final String why)
    {
        line("FAILURE " + why.replace('\n', ' '));
        System.exit(EXIT_FAILED);
    }

    static void sleepForever()
    {
        while (true)
        {
            try
            {
                TimeUnit.HOURS.sleep(1);
            }
            catch (final InterruptedException ignore)
            {
                // only a signal ends this process
            }
        }
    }

    static void sleepMillis(final long millis)
    {
        try
        {
            TimeUnit.MILLISECONDS.sleep(millis);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    /** @return "Class: message" on one line, for protocol lines. */
    static String describe(final Throwable error)
    {
        return (error.getClass().getName() + ": " + error.getMessage()).replace('\n', ' ');
    }

    String arg(final String key)
    {
        final String value = args.get(key);
        if (value == null)
        {
            throw new IllegalArgumentException("missing argument " + key + "=...; have " + args);
        }
        return value;
    }

    String stringArg(final String key, final String defaultValue)
    {
        return args.getOrDefault(key, defaultValue);
    }

    long longArg(final String key, final long defaultValue)
    {
        final String value = args.get(key);
        return value == null ? defaultValue : Long.parseLong(value);
    }

    int intArg(final String key, final int defaultValue)
    {
        return Math.toIntExact(longArg(key, defaultValue));
    }

    /** Channel settings from dir, channel, slots, slotSize, wait (BLOCKING), livenessMs, stallMs, attachTimeoutMs. */
    ChannelSettings settings()
    {
        return ChannelSettings.create(arg("channel"))
            .withDirectory(Path.of(arg("dir")))
            .withSlotCount(intArg("slots", 16))
            .withSlotSize(intArg("slotSize", 4096))
            .withWaitStrategy(WaitStrategy.valueOf(stringArg("wait", WaitStrategy.BLOCKING.name())))
            .withLivenessInterval(Duration.ofMillis(longArg("livenessMs", 100)))
            .withStallTimeout(Duration.ofMillis(longArg("stallMs", 3000)))
            .withAttachTimeout(Duration.ofMillis(longArg("attachTimeoutMs", 60_000)));
    }
}
