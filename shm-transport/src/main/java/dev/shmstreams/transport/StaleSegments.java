package dev.shmstreams.transport;

import dev.shmstreams.transport.internal.SegmentFile;

import java.nio.file.Path;
import java.util.List;

/**
 * Finds and removes segments left behind by processes that died (kill -9, OOM killer, power cut of
 * a container): a segment no live process holds a role lock on is stale. Files of other users,
 * symlinks and files without the segment magic are never touched.
 */
public final class StaleSegments
{
    private StaleSegments()
    {
    }

    /**
     * @param directory where segments live, e.g. /dev/shm.
     * @return the paths removed.
     */
    public static List<Path> sweep(final Path directory)
    {
        return SegmentFile.sweepStale(directory);
    }
}
