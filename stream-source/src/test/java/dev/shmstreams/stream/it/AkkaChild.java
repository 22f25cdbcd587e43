package dev.shmstreams.stream.it;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * What the Akka child processes share: key=value arguments, one line per event on stdout, and
 * halting when the test JVM dies (its end of our stdin closes), so no child outlives a test.
 */
final class AkkaChild
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

    static AkkaChild start(final String[] argv)
    {
        return new AkkaChild(argv);
    }

    String string(final String key, final String defaultValue)
    {
        return args.getOrDefault(key, defaultValue);
    }

    long number(final String key, final long defaultValue)
    {
        final String value = args.get(key);
        return value == null ? defaultValue : Long.parseLong(value);
    }

    static synchronized void line(final String text)
    {
        System.out.println(text);
        System.out.flush();
    }

    static String describe(final Throwable failure)
    {
        Throwable cause = failure;
        while (cause instanceof java.util.concurrent.CompletionException && cause.getCause() != null)
        {
            cause = cause.getCause();
        }
        return cause.getClass().getName() + " " + String.valueOf(cause.getMessage()).replace('\n', ' ');
    }
}
