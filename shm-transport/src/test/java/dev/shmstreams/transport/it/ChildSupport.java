package dev.shmstreams.transport.it;

import dev.shmstreams.transport.ChannelSettings;
import dev.shmstreams.transport.WaitStrategy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What both child main classes need: {@code key=value} arguments, the channel settings they
 * describe, protocol lines on standard output, and the guarantees that a child never outlives
 * its test.
 */
final class ChildSupport
{
    /** Exit code of a child whose parent died (its standard input reached end-of-file). */
    static final int EXIT_ORPHANED = 97;
    /** Exit code of a child that outlived its {@code maxSeconds}. */
    static final int EXIT_TOO_LONG = 98;
    /** Exit code of a child that found a frame or a transport result it did not expect. */
    static final int EXIT_VERIFICATION_FAILED = 2;

    private final Map<String, String> args;

    private ChildSupport(final Map<String, String> args)
    {
        this.args = args;
    }

    /**
     * Parse the arguments and arm both watchdogs: the parent-death watch and the lifetime limit
     * ({@code maxSeconds}, default 300).
     *
     * @param argv {@code key=value} arguments.
     * @return the parsed arguments.
     */
    static ChildSupport init(final String[] argv)
    {
        final Map<String, String> args = new HashMap<>();
        for (final String arg : argv)
        {
            final int eq = arg.indexOf('=');
            if (eq <= 0)
            {
                throw new IllegalArgumentException("argument '" + arg + "' is not key=value");
            }
            args.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
        final ChildSupport support = new ChildSupport(args);
        exitWhenParentDies();
        haltAfter(support.longArg("maxSeconds", 300));
        return support;
    }

    /**
     * The test JVM holds the write end of our standard input for as long as it lives; the kernel
     * closes it when that JVM dies, however it dies. End-of-file therefore means "orphaned": halt
     * at once, without running shutdown hooks, exactly like the kill -9 the test did not get to send.
     */
    static void exitWhenParentDies()
    {
        final Thread watch = new Thread(() ->
        {
            try
            {
                final InputStream in = System.in;
                while (in.read() >= 0)
                {
                    // the parent writes nothing; any byte is ignored
                }
            }
            catch (final IOException ignore)
            {
                // same as end-of-file
            }
            Runtime.getRuntime().halt(EXIT_ORPHANED);
        }, "parent-death-watch");
        watch.setDaemon(true);
        watch.start();
    }

    private static void haltAfter(final long seconds)
    {
        final Thread limit = new Thread(() ->
        {
            try
            {
                TimeUnit.SECONDS.sleep(seconds);
                line("TIMEOUT maxSeconds=" + seconds);
                Runtime.getRuntime().halt(EXIT_TOO_LONG);
            }
            catch (final InterruptedException ignore)
            {
                // not interrupted in practice
            }
        }, "lifetime-limit");
        limit.setDaemon(true);
        limit.start();
    }

    /** Print one protocol line; {@link System#out} flushes on every println. */
    static void line(final String text)
    {
        System.out.println(text);
    }

    /** Print a FAILURE line and exit with {@link #EXIT_VERIFICATION_FAILED}, without closing anything. */
    static void failAndExit(final String why)
    {
        line("FAILURE " + why.replace('\n', ' '));
        System.exit(EXIT_VERIFICATION_FAILED);
    }

    /** Sleep until killed (or orphaned, or past {@code maxSeconds}). */
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
                // keep sleeping: only a signal ends this process
            }
        }
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

    /**
     * Channel settings from {@code dir}, {@code channel}, {@code slots}, {@code slotSize},
     * {@code wait} (default BLOCKING: two busy-spinning processes on a 2-core machine starve
     * everything else), {@code livenessMs} and {@code attachTimeoutMs}.
     *
     * @return the settings both sides of a test must agree on.
     */
    ChannelSettings settings()
    {
        return ChannelSettings.create(arg("channel"))
            .withDirectory(Path.of(arg("dir")))
            .withSlotCount(intArg("slots", 16))
            .withSlotSize(intArg("slotSize", 4096))
            .withWaitStrategy(WaitStrategy.valueOf(args.getOrDefault("wait", WaitStrategy.BLOCKING.name())))
            .withLivenessInterval(Duration.ofMillis(longArg("livenessMs", 100)))
            .withAttachTimeout(Duration.ofMillis(longArg("attachTimeoutMs", 60_000)));
    }
}
