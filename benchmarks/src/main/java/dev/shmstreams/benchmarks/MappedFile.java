package dev.shmstreams.benchmarks;

import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.MappedByteBuffer;
import java.nio.file.Path;

/**
 * A peer's file in the harness directory, created and zero-filled by the harness before the children
 * start, and mapped MAP_SHARED by each child: the same kind of memory as the ring's segment.
 */
public final class MappedFile implements AutoCloseable
{
    private final MappedByteBuffer mapped;
    private final UnsafeBuffer buffer;

    public MappedFile(final Path path)
    {
        mapped = IoUtil.mapExistingFile(path.toFile(), path.getFileName().toString());
        buffer = new UnsafeBuffer(mapped);
    }

    public UnsafeBuffer buffer()
    {
        return buffer;
    }

    /** @return the address of the first byte, for futex calls. */
    public long address()
    {
        return buffer.addressOffset();
    }

    @Override
    public void close()
    {
        IoUtil.unmap(mapped);
    }
}
