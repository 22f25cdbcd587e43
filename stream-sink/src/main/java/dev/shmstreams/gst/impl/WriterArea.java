package dev.shmstreams.gst.impl;

import dev.shmstreams.transport.InsufficientSpaceException;
import dev.shmstreams.transport.SegmentPermissionException;
import dev.shmstreams.transport.ShmIOException;
import dev.shmstreams.transport.internal.LibC;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static dev.shmstreams.transport.internal.LibC.*;

/**
 * INTERNAL API. The shared-memory area the sink writes frames into and GStreamer's shmsrc maps
 * read-only: a POSIX shm object (a file in /dev/shm, which is where glibc's shm_open looks) named
 * {@code /shmstreams-gst.<pid>.<n>}.
 *
 * <p>Created like GStreamer's writer does it ({@code O_CREAT|O_EXCL}, sized, mapped shared) with
 * what the transport does on top: {@code O_NOFOLLOW}, the mode set with fchmod so the umask can
 * neither widen nor narrow it, {@code posix_fallocate} so a full /dev/shm fails here and not with
 * SIGBUS at the first frame, pages populated at map time. The creator unlinks the name when it
 * closes; clients keep their mappings. Areas of this naming scheme whose process is dead (a
 * crashed JVM) are removed before a new one is created.
 */
public final class WriterArea implements AutoCloseable
{
    private static final System.Logger LOG = System.getLogger("dev.shmstreams.gst");
    static final String PREFIX = "shmstreams-gst.";
    private static final AtomicInteger COUNTER = new AtomicInteger();

    private final String name;
    private final Path path;
    private final int fd;
    private final long address;
    private final long length;
    private final Object inode;
    private boolean unlinked;
    private boolean closed;

    private WriterArea(final String name, final Path path, final int fd, final long address, final long length,
        final Object inode)
    {
        this.name = name;
        this.path = path;
        this.fd = fd;
        this.address = address;
        this.length = length;
        this.inode = inode;
    }

    /**
     * @param length bytes.
     * @param mode   0600 or 0640: shmsrc only reads, so no mode gives anyone else write access.
     * @return the mapped area, read-write.
     */
    public static WriterArea create(final long length, final int mode)
    {
        if (mode != 0600 && mode != 0640)
        {
            throw new SegmentPermissionException("shm area mode must be 0600 or 0640, was 0" +
                Integer.toOctalString(mode));
        }
        sweepStale();
        final Path directory = Path.of(ShmPipeCommand.SHM_DIRECTORY);
        checkFreeSpace(directory, length);
        final long pid = ProcessHandle.current().pid();
        for (int attempt = 0; ; attempt++)
        {
            final String fileName = PREFIX + pid + "." + COUNTER.incrementAndGet();
            final Path path = directory.resolve(fileName);
            final int fd = LibC.open(path.toString(), O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
            if (fd < 0)
            {
                final int errno = errno();
                if (errno == EEXIST && attempt < 100)
                {
                    continue;
                }
                if (errno == EACCES || errno == EPERM)
                {
                    throw new SegmentPermissionException("cannot create shm area " + path + ": " + describe(errno));
                }
                throw new ShmIOException("open(" + path + ", O_CREAT|O_EXCL) failed: " + describe(errno));
            }
            return map("/" + fileName, path, fd, length, mode);
        }
    }

    private static WriterArea map(final String name, final Path path, final int fd, final long length, final int mode)
    {
        long address = MAP_FAILED;
        try
        {
            check(fchmod(fd, mode), "fchmod", path);
            check(ftruncate(fd, length), "ftruncate", path);
            final int fallocate = posix_fallocate(fd, 0, length);
            if (fallocate == ENOSPC)
            {
                throw new InsufficientSpaceException("no space for shm area " + path + ": " + length +
                    " bytes could not be allocated (posix_fallocate: ENOSPC); use fewer or smaller slots or " +
                    "enlarge /dev/shm");
            }
            address = mmap(0, length, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
            if (address == MAP_FAILED)
            {
                throw new ShmIOException("mmap of " + length + " bytes of " + path + " failed: " + describe(errno()));
            }
            final Object inode = Files.readAttributes(Path.of("/proc/self/fd/" + fd), "unix:ino").get("ino");
            return new WriterArea(name, path, fd, address, length, inode);
        }
        catch (final IOException | RuntimeException ex)
        {
            if (address != MAP_FAILED)
            {
                munmap(address, length);
            }
            LibC.close(fd);
            LibC.unlink(path.toString());
            if (ex instanceof RuntimeException)
            {
                throw (RuntimeException)ex;
            }
            throw new ShmIOException("fstat of " + path + " failed: " + ex, ex);
        }
    }

    private static void check(final int result, final String call, final Path path)
    {
        if (result != 0)
        {
            throw new ShmIOException(call + " on " + path + " failed: " + describe(errno()));
        }
    }

    private static void checkFreeSpace(final Path directory, final long needed)
    {
        try
        {
            final long usable = Files.getFileStore(directory).getUsableSpace();
            if (usable < needed)
            {
                throw new InsufficientSpaceException("no space for a shm area of " + needed + " bytes: " + directory +
                    " has " + usable + " bytes free; use fewer or smaller slots or enlarge the mount");
            }
        }
        catch (final IOException ex)
        {
            throw new ShmIOException(directory + " is not usable: " + ex, ex);
        }
    }

    /**
     * Remove areas named {@code shmstreams-gst.<pid>.<n>} that belong to this user and whose process
     * no longer exists (a JVM killed while its sink was open). A live process's areas, other users'
     * files and anything else in /dev/shm are left alone.
     */
    static void sweepStale()
    {
        final Path directory = Path.of(ShmPipeCommand.SHM_DIRECTORY);
        try (Stream<Path> list = Files.list(directory))
        {
            list.filter(path -> path.getFileName().toString().startsWith(PREFIX)).forEach(WriterArea::sweepIfStale);
        }
        catch (final IOException ex)
        {
            LOG.log(System.Logger.Level.DEBUG, "cannot list " + directory + ": " + ex);
        }
    }

    private static void sweepIfStale(final Path path)
    {
        final String fileName = path.getFileName().toString();
        final int dot = fileName.indexOf('.', PREFIX.length());
        if (dot < 0)
        {
            return;
        }
        try
        {
            final long pid = Long.parseLong(fileName.substring(PREFIX.length(), dot));
            final Map<String, Object> attributes = Files.readAttributes(path, "unix:uid,mode", LinkOption.NOFOLLOW_LINKS);
            final boolean regular = ((Integer)attributes.get("mode") & 0170000) == 0100000;
            if (regular && (Integer)attributes.get("uid") == geteuid() && ProcessHandle.of(pid).isEmpty() &&
                Files.deleteIfExists(path))
            {
                LOG.log(System.Logger.Level.INFO, "removed stale shm area " + path + " (process " + pid + " is gone)");
            }
        }
        catch (final NumberFormatException | IOException ex)
        {
            LOG.log(System.Logger.Level.DEBUG, "not sweeping " + path + ": " + ex);
        }
    }

    /** @return the name sent to clients: '/' and the file name in /dev/shm. */
    public String name()
    {
        return name;
    }

    public Path path()
    {
        return path;
    }

    public long address()
    {
        return address;
    }

    public long length()
    {
        return length;
    }

    /**
     * Remove the name if it still names this area; mappings (ours and the clients') stay valid.
     *
     * @return true if this call removed it.
     */
    public synchronized boolean unlink()
    {
        if (unlinked)
        {
            return false;
        }
        unlinked = true;
        try
        {
            final Object current = Files.readAttributes(path, "unix:ino", LinkOption.NOFOLLOW_LINKS).get("ino");
            return inode.equals(current) && LibC.unlink(path.toString()) == 0;
        }
        catch (final IOException ex)
        {
            return false;
        }
    }

    /** Unlink and unmap. Only when no thread writes into the area any more. */
    @Override
    public synchronized void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        unlink();
        munmap(address, length);
        LibC.close(fd);
    }

    @Override
    public String toString()
    {
        return "WriterArea{" + name + ", " + length + " bytes" + (closed ? ", closed" : "") + '}';
    }
}
