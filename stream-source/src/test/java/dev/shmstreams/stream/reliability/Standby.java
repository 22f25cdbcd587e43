package dev.shmstreams.stream.reliability;

import dev.shmstreams.stream.it.AkkaChild;
import dev.shmstreams.transport.it.ChildJvm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;

/**
 * Child JVMs started ahead of their turn: starting a JVM and an actor system takes seconds on a
 * loaded machine, more than a kill-loop iteration itself, so the next victims start while the
 * current one runs. Each waits ({@link AkkaChild#awaitGo()}) until {@link #next} hands it its last
 * arguments. Closing kills whatever was not used.
 */
final class Standby implements AutoCloseable
{
    private final Path goDirectory;
    private final BiFunction<Integer, String, ChildJvm> starter;
    private final int total;
    private final int ahead;
    private final ArrayDeque<Started> queue = new ArrayDeque<>();
    private int started;

    private record Started(ChildJvm child, Path go)
    {
    }

    /**
     * @param goDirectory where the go files go (not the segment directory, which is checked empty).
     * @param total       how many children the test needs in all.
     * @param ahead       how many to keep started ahead.
     * @param starter     starts child {@code i}; its second argument is the child's {@code go=PATH}.
     */
    Standby(final Path goDirectory, final int total, final int ahead, final BiFunction<Integer, String, ChildJvm> starter)
    {
        this.goDirectory = goDirectory;
        this.total = total;
        this.ahead = ahead;
        this.starter = starter;
        fill();
    }

    static Path goDirectory(final String test)
    {
        try
        {
            return Files.createTempDirectory(Files.createDirectories(Path.of("target", "reliability")), test + "-go-");
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    private void fill()
    {
        while (queue.size() < ahead && started < total)
        {
            final int index = started++;
            final Path go = goDirectory.resolve("go-" + index);
            queue.add(new Started(starter.apply(index, "go=" + go), go));
        }
    }

    /**
     * Take the next child, wait until it is ready, let it go with {@code args}, and start another
     * one ahead.
     */
    ChildJvm next(final Duration startup, final String... args)
    {
        final Started next = queue.remove();
        next.child().awaitLine("READY", startup);
        AkkaChild.go(next.go(), args);
        fill();
        return next.child();
    }

    @Override
    public void close()
    {
        final List<Started> left = new ArrayList<>(queue);
        queue.clear();
        left.forEach(started -> started.child().close());
    }
}
