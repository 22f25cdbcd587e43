package dev.shmstreams.gst.impl;

import dev.shmstreams.gst.GstProtocolException;
import dev.shmstreams.transport.SegmentPermissionException;
import dev.shmstreams.transport.ShmIOException;
import dev.shmstreams.transport.internal.LibC;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.util.Map;

import static dev.shmstreams.transport.internal.LibC.*;

/**
 * INTERNAL API. One shm area announced by a shmsink, mapped read-only. Never unlinked here: the
 * writer owns the name.
 *
 * <p>Checked before mapping, because a mapping that outlives its file's end raises SIGBUS (a JVM
 * crash, not an exception) at the first read past it: the name resolves to a regular file in
 * /dev/shm without following a symlink, owned by the user at the other end of the socket
 * (SO_PEERCRED), not writable by others (anyone could truncate it), at least as long as the size
 * announced. The writer itself could still truncate it; GStreamer never does.
 *
 * <p>The reference count and the closed flag are guarded by the client's lock.
 */
final class ReaderArea
{
    private static final int S_IFMT = 0170000;
    private static final int S_IFREG = 0100000;

    final int id;
    final String name;
    final long address;
    final long size;
    /** Frames of this area received and not yet released. */
    int refs;
    /** The writer sent CLOSE_SHM_AREA: unmap once refs reaches 0. */
    boolean closedByPeer;
    private boolean unmapped;

    private ReaderArea(final int id, final String name, final long address, final long size)
    {
        this.id = id;
        this.name = name;
        this.address = address;
        this.size = size;
    }

    /**
     * @param id       the area id announced.
     * @param name     the validated shm name, '/' included.
     * @param size     the area size announced, at least 1.
     * @param peerUser the user of the process at the other end of the socket.
     * @return the mapped area.
     */
    static ReaderArea open(final int id, final String name, final long size, final String peerUser)
    {
        final Path path = Path.of(ShmPipeCommand.SHM_DIRECTORY + name);
        final int fd = LibC.open(path.toString(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC, 0);
        if (fd < 0)
        {
            final int errno = errno();
            if (errno == ENOENT)
            {
                throw new GstProtocolException("the shm area " + path + " announced by the shmsink does not exist");
            }
            if (errno == ELOOP || errno == EACCES || errno == EPERM)
            {
                throw new SegmentPermissionException("cannot open the shm area " + path + ": " + describe(errno) +
                    (errno == ELOOP ? " (a symlink: refused)" : ""));
            }
            throw new ShmIOException("open(" + path + ", O_RDONLY) failed: " + describe(errno));
        }
        try
        {
            final Map<String, Object> attributes;
            try
            {
                attributes = Files.readAttributes(Path.of("/proc/self/fd/" + fd), "unix:mode,size,owner");
            }
            catch (final IOException ex)
            {
                throw new ShmIOException("fstat of " + path + " failed: " + ex, ex);
            }
            final int mode = (Integer)attributes.get("mode");
            final long fileSize = (Long)attributes.get("size");
            final String owner = ((UserPrincipal)attributes.get("owner")).getName();
            if ((mode & S_IFMT) != S_IFREG)
            {
                throw new SegmentPermissionException("the shm area " + path + " is not a regular file");
            }
            if (!owner.equals(peerUser))
            {
                throw new SegmentPermissionException("the shm area " + path + " belongs to " + owner +
                    ", but the shmsink runs as " + peerUser + ": refusing a file the peer did not create");
            }
            if ((mode & 0002) != 0)
            {
                throw new SegmentPermissionException("the shm area " + path + " is writable by every user (mode 0" +
                    Integer.toOctalString(mode & 07777) + "): anyone could truncate it under the mapping");
            }
            if (fileSize < size)
            {
                throw new GstProtocolException("NEW_SHM_AREA announced " + size + " bytes but " + path + " has " +
                    fileSize + ": mapping past its end would crash the reader");
            }
            final long address = mmap(0, size, PROT_READ, MAP_SHARED | MAP_POPULATE, fd, 0);
            if (address == MAP_FAILED)
            {
                throw new ShmIOException("mmap of " + size + " bytes of " + path + " failed: " + describe(errno()));
            }
            return new ReaderArea(id, name, address, size);
        }
        finally
        {
            LibC.close(fd); // the mapping keeps the file
        }
    }

    /** Idempotent; only once no frame of the area is held. */
    void unmap()
    {
        if (!unmapped)
        {
            unmapped = true;
            munmap(address, size);
        }
    }

    @Override
    public String toString()
    {
        return "ReaderArea{" + id + ", " + name + ", " + size + " bytes, refs=" + refs +
            (closedByPeer ? ", closed" : "") + '}';
    }
}
