package dev.shmstreams.transport.internal;

import dev.shmstreams.transport.layout.HeaderDescriptor;
import dev.shmstreams.transport.layout.SegmentLayout;
import dev.shmstreams.transport.test.ShmTestDirectory;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A stale-segment sweep that runs while a segment is being created — in another process, or in
 * another thread as here (an OFD lock belongs to its open file description, not to the process) —
 * must leave the creation temporary alone: its magic is written before it is published.
 */
@ExtendWith(ShmTestDirectory.class)
class SegmentCreationSweepTest
{
    @Test
    void aSweepDuringCreationLeavesTheTemporaryAndTheCreationSucceeds(final Path dir) throws IOException
    {
        final SegmentLayout layout = SegmentLayout.forCreation(4, 4096, SegmentLayout.PAGE_SIZE);
        final List<Path> swept = new ArrayList<>();
        final List<String> seen = new ArrayList<>();
        final SegmentFile file = SegmentFile.create(dir, "racing", layout, 0600, MemoryPlan.decide(dir, false), false,
            segment ->
            {
                new UnsafeBuffer(segment.address(), HeaderDescriptor.CONTROL_BLOCK_LENGTH)
                    .putLong(HeaderDescriptor.MAGIC_OFFSET, HeaderDescriptor.MAGIC);
                seen.addAll(names(dir));
                swept.addAll(SegmentFile.sweepStale(dir));
            });
        try
        {
            assertEquals(1, seen.size(), "the creation temporary exists during initialisation: " + seen);
            assertTrue(seen.get(0).endsWith(".creating"), seen.toString());
            assertEquals(List.of(), swept, "the sweep removed a temporary under creation");
            assertEquals(List.of("racing"), names(dir), "published under its name");
            assertTrue(file.isPathCurrent());
        }
        finally
        {
            file.closeQuietly();
            Files.deleteIfExists(dir.resolve("racing"));
        }
    }

    private static List<String> names(final Path dir)
    {
        try (Stream<Path> list = Files.list(dir))
        {
            return list.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
        catch (final IOException ex)
        {
            throw new AssertionError(ex);
        }
    }
}
