package dev.shmstreams.benchmarks;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The one directory under /dev/shm a harness run puts every file in (ring segments, peers' files),
 * named after the harness pid so that runs never collide and a leftover can be attributed.
 *
 * <p>Removed three ways: at the end of the run, by a shutdown hook when the run fails or is
 * interrupted (SIGINT/SIGTERM), and, after a kill -9, by the next run's {@link #sweep}, which
 * removes every such directory whose pid is no longer alive.
 */
public final class BenchDirectory implements AutoCloseable
{
    public static final Path ROOT = Path.of("/dev/shm");
    public static final String PREFIX = "shm-streams-bench-";

    private final Path path;

    private BenchDirectory(final Path path)
    {
        this.path = path;
    }

    /**
     * @return a fresh directory for this process; the caller removes it with {@link #close()}, also
     * from its shutdown hook.
     */
    public static BenchDirectory create()
    {
        final Path path = ROOT.resolve(PREFIX + ProcessHandle.current().pid());
        try
        {
            deleteRecursively(path);
            Files.createDirectory(path);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot create " + path, ex);
        }
        return new BenchDirectory(path);
    }

    /**
     * What a harness does before it measures: remove the previous run's results from its output
     * directory (they would mix with this run's) and sweep the directories of dead runs, printing
     * what the sweep did.
     *
     * @param output  the result directory, created if missing.
     * @param results a glob of the files a run writes there.
     */
    public static void prepare(final Path output, final String results) throws IOException
    {
        Files.createDirectories(output);
        try (DirectoryStream<Path> old = Files.newDirectoryStream(output, results))
        {
            for (final Path file : old)
            {
                Files.delete(file);
            }
        }
        for (final String note : sweep())
        {
            System.out.println(note);
        }
    }

    /**
     * @return {@link #create()}, with a shutdown hook that kills the run's children and removes the
     * directory when the harness fails or is interrupted.
     */
    public static BenchDirectory createForRun()
    {
        final BenchDirectory directory = create();
        Runtime.getRuntime().addShutdownHook(new Thread(() ->
        {
            ChildLauncher.killAll();
            directory.close();
        }, "bench-cleanup"));
        return directory;
    }

    /**
     * Remove the directories of runs whose harness process is gone.
     *
     * @return what was removed, and warnings about runs still alive (they would disturb this one).
     */
    public static List<String> sweep()
    {
        final List<String> notes = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(ROOT, PREFIX + "*"))
        {
            for (final Path entry : entries)
            {
                final String suffix = entry.getFileName().toString().substring(PREFIX.length());
                long pid;
                try
                {
                    pid = Long.parseLong(suffix);
                }
                catch (final NumberFormatException ex)
                {
                    continue;
                }
                if (pid == ProcessHandle.current().pid())
                {
                    continue;
                }
                if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
                {
                    notes.add("another benchmark run (pid " + pid + ") is alive: its load disturbs this run");
                }
                else
                {
                    deleteRecursively(entry);
                    notes.add("swept " + entry + " left by a dead run");
                }
            }
        }
        catch (final IOException ex)
        {
            notes.add("could not sweep " + ROOT + ": " + ex);
        }
        return notes;
    }

    public Path path()
    {
        return path;
    }

    /**
     * Create a zero-filled file the children map (a peer's ring or control block).
     *
     * @param name   file name in this directory.
     * @param length bytes.
     * @return its name.
     */
    public String createFile(final String name, final long length)
    {
        try (RandomAccessFile file = new RandomAccessFile(path.resolve(name).toFile(), "rw"))
        {
            file.setLength(length);
            return name;
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot create " + name + " in " + path, ex);
        }
    }

    /**
     * Zero a file created by {@link #createFile} (a peer's ring or control block), keeping its length,
     * so a scenario run again starts from the same state as the first time.
     *
     * @param name file name in this directory.
     */
    public void resetFile(final String name)
    {
        try (RandomAccessFile file = new RandomAccessFile(path.resolve(name).toFile(), "rw"))
        {
            final long length = file.length();
            file.setLength(0);
            file.setLength(length);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot reset " + name + " in " + path, ex);
        }
    }

    /** @return names of the files now in the directory (should be none between scenarios). */
    public List<String> leftovers()
    {
        final List<String> names = new ArrayList<>();
        try (Stream<Path> files = Files.list(path))
        {
            files.forEach(file -> names.add(file.getFileName().toString()));
        }
        catch (final IOException ex)
        {
            names.add("(cannot list: " + ex + ")");
        }
        return names;
    }

    public void deleteFile(final String name)
    {
        try
        {
            Files.deleteIfExists(path.resolve(name));
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    @Override
    public void close()
    {
        try
        {
            deleteRecursively(path);
        }
        catch (final IOException ex)
        {
            System.err.println("could not remove " + path + ": " + ex);
        }
    }

    public static void deleteRecursively(final Path root) throws IOException
    {
        if (!Files.exists(root))
        {
            return;
        }
        try (Stream<Path> walk = Files.walk(root))
        {
            for (final Path p : (Iterable<Path>)walk.sorted(Comparator.reverseOrder())::iterator)
            {
                Files.deleteIfExists(p);
            }
        }
    }
}
