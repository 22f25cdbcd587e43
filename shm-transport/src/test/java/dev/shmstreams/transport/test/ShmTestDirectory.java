package dev.shmstreams.transport.test;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Gives each test its own directory under /dev/shm and removes it afterwards, whatever happened,
 * so the suite never leaves files in /dev/shm. A test that expects the library itself to have
 * cleaned up asserts {@link #leftovers(Path)} is empty before returning.
 *
 * <p>A JVM shutdown hook removes directories of tests that did not reach their after-each
 * callback (a killed fork still leaves nothing behind if it exits normally).
 */
public final class ShmTestDirectory implements BeforeEachCallback, AfterEachCallback, ParameterResolver
{
    public static final Path ROOT = Path.of("/dev/shm");
    public static final String PREFIX = "shm-streams-test-";
    private static final List<Path> LIVE = new ArrayList<>();

    static
    {
        Runtime.getRuntime().addShutdownHook(new Thread(() ->
        {
            synchronized (LIVE)
            {
                LIVE.forEach(ShmTestDirectory::deleteRecursively);
            }
        }, "shm-test-cleanup"));
    }

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(ShmTestDirectory.class);

    public static Path createDirectory()
    {
        try
        {
            final Path dir = Files.createDirectory(ROOT.resolve(PREFIX + UUID.randomUUID()));
            synchronized (LIVE)
            {
                LIVE.add(dir);
            }
            return dir;
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    @Override
    public void beforeEach(final ExtensionContext context)
    {
        context.getStore(NAMESPACE).put("dir", createDirectory());
    }

    @Override
    public void afterEach(final ExtensionContext context)
    {
        final Path dir = context.getStore(NAMESPACE).remove("dir", Path.class);
        if (dir != null)
        {
            deleteRecursively(dir);
            synchronized (LIVE)
            {
                LIVE.remove(dir);
            }
        }
    }

    @Override
    public boolean supportsParameter(final ParameterContext parameter, final ExtensionContext extension)
    {
        return parameter.getParameter().getType() == Path.class;
    }

    @Override
    public Object resolveParameter(final ParameterContext parameter, final ExtensionContext extension)
    {
        return extension.getStore(NAMESPACE).get("dir", Path.class);
    }

    /** @return the files in {@code dir} (hidden creation temporaries included). */
    public static List<String> leftovers(final Path dir)
    {
        try (Stream<Path> files = Files.list(dir))
        {
            return files.map(p -> p.getFileName().toString()).sorted().collect(java.util.stream.Collectors.toList());
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /**
     * Remove {@code dir} and everything in it. The library may be unlinking a segment at the same
     * moment (a stage finishing its close after the test returned): files vanishing under the walk
     * are expected, so this retries and never throws.
     */
    public static void deleteRecursively(final Path dir)
    {
        for (int attempt = 0; attempt < 10 && Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS); attempt++)
        {
            try (Stream<Path> walk = Files.walk(dir))
            {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
            catch (final IOException | UncheckedIOException vanished)
            {
                try
                {
                    Thread.sleep(20);
                }
                catch (final InterruptedException ex)
                {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }
}
