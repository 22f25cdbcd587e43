package dev.shmstreams.transport.internal;

import com.sun.jna.Memory;
import dev.shmstreams.transport.ChannelInUseException;
import dev.shmstreams.transport.ForeignSegmentException;
import dev.shmstreams.transport.InsufficientSpaceException;
import dev.shmstreams.transport.SegmentPermissionException;
import dev.shmstreams.transport.ShmIOException;
import dev.shmstreams.transport.layout.HeaderDescriptor;
import dev.shmstreams.transport.layout.ParticipantDescriptor;
import dev.shmstreams.transport.layout.SegmentLayout;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.regex.Pattern;

import static dev.shmstreams.transport.internal.LibC.*;

/**
 * One open, mapped segment file: its descriptor, its mapping, its identity (device and inode) and
 * the OFD byte locks held on it.
 *
 * <h2>Creation</h2>
 * The file is created under a hidden temporary name with {@code O_CREAT|O_EXCL|O_NOFOLLOW},
 * given its mode with {@code fchmod} (so the umask cannot widen or narrow it), sized, allocated
 * with {@code posix_fallocate} (a full tmpfs fails here with ENOSPC, not with SIGBUS later),
 * mapped with {@code MAP_POPULATE}, initialised, locked for the producer role and only then
 * published at its real name with {@code link(2)}, which fails if the name exists. So a reader
 * never sees a half-initialised segment at the channel's path, and of two producers racing for
 * one name exactly one wins.
 *
 * <h2>Stale segments</h2>
 * When the name exists, its producer lock decides: held means a live producer
 * ({@link ChannelInUseException}); free means the producer is gone and the file is swept, but only
 * while holding that lock and only if the path still names the same inode. A file without our
 * magic, a symlink, or a file owned by another user is never touched.
 *
 * <h2>Detaching</h2>
 * The last participant out unlinks. Closers serialise on {@link ParticipantDescriptor#CLEANUP_LOCK_BYTE}
 * (a blocking lock): each drops its role lock, then unlinks if no other role lock is held.
 */
public final class SegmentFile
{
    private static final System.Logger LOG = System.getLogger("dev.shmstreams.transport");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,199}");
    private static final AtomicLong TMP_COUNTER = new AtomicLong();
    private static final int S_IFMT = 0170000;
    private static final int S_IFREG = 0100000;
    private static final int ROLE_LOCK_BYTES = 1 + HeaderDescriptor.MAX_CONSUMERS;
    private static final long CLEANUP_LOCK_TIMEOUT_NS = 2_000_000_000L;

    private final Path path;
    private final String pathString;
    private final int fd;
    private final long address;
    private final long length;
    private final long device;
    private final long inode;
    private final Memory flock = new Memory(32);
    private final List<String> notes;
    private boolean closed;
    private boolean defused;

    private SegmentFile(
        final Path path, final int fd, final long address, final long length, final Map<String, Object> attributes,
        final List<String> notes)
    {
        this.path = path;
        this.pathString = path.toString();
        this.fd = fd;
        this.address = address;
        this.length = length;
        this.device = ((Number)attributes.get("dev")).longValue();
        this.inode = ((Number)attributes.get("ino")).longValue();
        this.notes = notes;
    }

    /**
     * Create, initialise and publish a new segment; sweep a stale one at the same path first.
     *
     * @param directory   where the segment lives.
     * @param name        channel name: letters, digits, '.', '_', '-'; not starting with '.' or '-'.
     * @param layout      geometry.
     * @param mode        file mode: owner read-write, optionally group bits, never other bits.
     * @param plan        memory backing.
     * @param mlock       whether to try to lock the pages in memory.
     * @param initializer writes the header; must write the layout version last.
     * @return the mapped segment, holding the producer role lock.
     */
    public static SegmentFile create(
        final Path directory,
        final String name,
        final SegmentLayout layout,
        final int mode,
        final MemoryPlan plan,
        final boolean mlock,
        final Consumer<SegmentFile> initializer)
    {
        checkName(name);
        checkCreationMode(mode);
        final Path path = directory.resolve(name);
        checkFreeSpace(directory, layout.segmentLength(), path, plan.hugePages() == MemoryPlan.HugePages.HUGETLBFS);

        final long pid = ProcessHandle.current().pid();
        final Path tmp = directory.resolve("." + name + "." + pid + "." + TMP_COUNTER.incrementAndGet() + ".creating");
        final String tmpString = tmp.toString();
        final int fd = LibC.open(tmpString, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
        if (fd < 0)
        {
            final int errno = errno();
            if (errno == EACCES || errno == EPERM)
            {
                throw new SegmentPermissionException("cannot create " + tmp + ": " + describe(errno));
            }
            throw new ShmIOException("open(" + tmp + ", O_CREAT|O_EXCL) failed: " + describe(errno) +
                (errno == ENOENT ? " (does the directory " + directory + " exist?)" : ""));
        }

        long address = MAP_FAILED;
        final long length = layout.segmentLength();
        try
        {
            // the producer role lock before anything is written: another process's stale-segment
            // sweep takes the magic of an unlocked temporary for a dead creator's and unlinks it
            if (!FileLocks.tryLock(fd, ParticipantDescriptor.PRODUCER_LOCK_BYTE, new Memory(32)))
            {
                throw new ShmIOException("could not lock the freshly created " + tmp);
            }
            check(fchmod(fd, mode), "fchmod", tmp);
            check(ftruncate(fd, length), "ftruncate", tmp);
            final List<String> notes = new ArrayList<>(plan.notes());
            if (plan.hugePages() == MemoryPlan.HugePages.TRANSPARENT)
            {
                address = mapTransparentHuge(fd, length, path, directory, notes);
            }
            if (address == MAP_FAILED)
            {
                allocate(fd, length, path, directory, notes);
                address = mmap(0, length, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
                if (address == MAP_FAILED)
                {
                    throw new ShmIOException("mmap of " + mib(length) + " for " + path + " failed: " + describe(errno()));
                }
            }
            if (mlock)
            {
                notes.add(lockPages(address, length));
            }
            for (final String note : notes)
            {
                LOG.log(System.Logger.Level.INFO, "channel " + name + ": " + note);
            }

            final SegmentFile segment = new SegmentFile(path, fd, address, length, attributes(fd, tmp), notes);
            initializer.accept(segment);
            if (!segment.tryLock(ParticipantDescriptor.PRODUCER_LOCK_BYTE))
            {
                throw new ShmIOException("could not lock the freshly created " + tmp);
            }
            publish(tmp, path, name);
            return segment;
        }
        catch (final RuntimeException ex)
        {
            if (address != MAP_FAILED)
            {
                munmap(address, length);
            }
            LibC.close(fd);
            throw ex;
        }
        finally
        {
            unlink(tmpString);
        }
    }

    private static void publish(final Path tmp, final Path path, final String name)
    {
        for (int attempt = 0; attempt < 3; attempt++)
        {
            if (link(tmp.toString(), path.toString()) == 0)
            {
                return;
            }
            final int errno = errno();
            if (errno != EEXIST)
            {
                throw new ShmIOException("link(" + tmp + ", " + path + ") failed: " + describe(errno));
            }
            sweepIfStale(path, name);
        }
        throw new ChannelInUseException("channel '" + name + "' at " + path +
            " was re-created by another producer while this one was creating it");
    }

    /**
     * Remove the segment at {@code path} if its producer is gone; otherwise say why not.
     *
     * @throws ChannelInUseException       a live producer holds it.
     * @throws ForeignSegmentException     it is not a shm-streams segment.
     * @throws SegmentPermissionException  it is a symlink or belongs to another user.
     */
    private static void sweepIfStale(final Path path, final String name)
    {
        final int existing = LibC.open(path.toString(), O_RDWR | O_NOFOLLOW | O_CLOEXEC, 0);
        if (existing < 0)
        {
            final int errno = errno();
            if (errno == ENOENT)
            {
                return;
            }
            throw openFailure(path, errno);
        }
        try
        {
            final Map<String, Object> attributes = attributes(existing, path);
            checkAccess(path, attributes, Set.of());
            final byte[] control = new byte[HeaderDescriptor.CONTROL_BLOCK_LENGTH + 1024];
            final long read = pread(existing, control, control.length, 0);
            final UnsafeBuffer header = new UnsafeBuffer(control);
            if (read < 8 || header.getLong(HeaderDescriptor.MAGIC_OFFSET) != HeaderDescriptor.MAGIC)
            {
                throw new ForeignSegmentException("a file that is not a shm-streams segment exists at " + path +
                    "; it is left untouched: remove it or choose another channel name");
            }
            final long producerPid = header.getLong(HeaderDescriptor.PRODUCER_BLOCK_OFFSET + ParticipantDescriptor.PID_OFFSET);
            if (!FileLocks.tryLock(existing, ParticipantDescriptor.PRODUCER_LOCK_BYTE, new Memory(32)))
            {
                throw new ChannelInUseException("channel '" + name + "' at " + path +
                    " already has a live producer (pid " + producerPid + ")");
            }
            if (sameFile(path, attributes) && unlink(path.toString()) == 0)
            {
                final int state = header.getInt(HeaderDescriptor.PRODUCER_BLOCK_OFFSET + ParticipantDescriptor.STATE_OFFSET);
                LOG.log(System.Logger.Level.INFO, "swept stale segment " + path + " (producer pid " + producerPid +
                    " gone, state " + ParticipantDescriptor.stateName(state) + ")");
            }
        }
        finally
        {
            LibC.close(existing);
        }
    }

    /**
     * Remove every segment in {@code directory} that no live process holds — no producer lock and
     * no consumer lock — and leftover creation temporaries of dead creators. Only regular files of
     * this uid with the segment magic are considered; everything else is left alone.
     *
     * @param directory where segments live.
     * @return the paths removed.
     */
    public static List<Path> sweepStale(final Path directory)
    {
        final List<Path> removed = new ArrayList<>();
        final List<Path> candidates;
        try (java.util.stream.Stream<Path> list = Files.list(directory))
        {
            candidates = list.collect(java.util.stream.Collectors.toList());
        }
        catch (final IOException ex)
        {
            return removed;
        }
        final Memory flock = new Memory(32);
        for (final Path path : candidates)
        {
            final String name = path.getFileName().toString();
            if (name.startsWith(".") && !name.endsWith(".creating"))
            {
                continue;
            }
            final int fd = LibC.open(path.toString(), O_RDWR | O_NOFOLLOW | O_CLOEXEC, 0);
            if (fd < 0)
            {
                continue;
            }
            try
            {
                final Map<String, Object> attributes = attributes(fd, path);
                final int mode = (Integer)attributes.get("mode");
                if ((mode & S_IFMT) != S_IFREG || (Integer)attributes.get("uid") != geteuid())
                {
                    continue;
                }
                final byte[] magic = new byte[8];
                if (pread(fd, magic, 8, 0) != 8 ||
                    new UnsafeBuffer(magic).getLong(0) != HeaderDescriptor.MAGIC ||
                    !FileLocks.tryLock(fd, ParticipantDescriptor.PRODUCER_LOCK_BYTE, flock))
                {
                    continue;
                }
                boolean attached = false;
                for (long lockByte = 1; lockByte < ROLE_LOCK_BYTES; lockByte++)
                {
                    attached |= FileLocks.isLocked(fd, lockByte, flock);
                }
                if (!attached && sameFile(path, attributes) && unlink(path.toString()) == 0)
                {
                    removed.add(path);
                    LOG.log(System.Logger.Level.INFO, "swept stale segment " + path + " (no live producer or consumer)");
                }
            }
            catch (final RuntimeException ex)
            {
                LOG.log(System.Logger.Level.DEBUG, "not sweeping " + path + ": " + ex);
            }
            finally
            {
                LibC.close(fd);
            }
        }
        return removed;
    }

    /**
     * Open and map an existing segment.
     *
     * @param directory      where the segment lives.
     * @param name           channel name.
     * @param trustedOwners  user ids trusted besides this process's effective uid.
     * @param writable       map the header writable (participants) or read-only (tools).
     * @return the mapping, or null if no file exists at the path yet.
     */
    public static Opened open(
        final Path directory, final String name, final Set<Integer> trustedOwners, final boolean writable)
    {
        checkName(name);
        final Path path = directory.resolve(name);
        final int fd = LibC.open(path.toString(), (writable ? O_RDWR : O_RDONLY) | O_NOFOLLOW | O_CLOEXEC, 0);
        if (fd < 0)
        {
            final int errno = errno();
            if (errno == ENOENT)
            {
                return null;
            }
            throw openFailure(path, errno);
        }
        long address = MAP_FAILED;
        long length = 0;
        try
        {
            final Map<String, Object> attributes = attributes(fd, path);
            final long fileLength = ((Number)attributes.get("size")).longValue();
            final byte[] control = new byte[HeaderDescriptor.CONTROL_BLOCK_LENGTH];
            final long read = pread(fd, control, control.length, 0);
            final UnsafeBuffer header = new UnsafeBuffer(control);
            final long magic = read >= 8 ? header.getLong(HeaderDescriptor.MAGIC_OFFSET) : 0;
            if (magic != HeaderDescriptor.MAGIC && magic != Long.reverseBytes(HeaderDescriptor.MAGIC))
            {
                throw new ForeignSegmentException("file " + path + " is not a shm-streams segment: expected magic 0x" +
                    Long.toHexString(HeaderDescriptor.MAGIC) + " (\"SHMSTRM1\"), found " +
                    (read >= 8 ? "0x" + Long.toHexString(magic) : "a file of " + fileLength + " bytes"));
            }
            checkAccess(path, attributes, trustedOwners);
            final SegmentLayout layout = SegmentLayout.fromHeader(header, fileLength, path.toString());

            length = layout.segmentLength();
            // the creator's huge pages are mapped huge here only through a mapping advised before it is faulted
            final boolean adviseHuge = layout.slotAlignment() == SegmentLayout.HUGE_PAGE_SIZE &&
                "tmpfs".equals(MemoryPlan.fileSystemType(directory));
            address = mmap(0, length, writable ? PROT_READ | PROT_WRITE : PROT_READ,
                adviseHuge ? MAP_SHARED : MAP_SHARED | MAP_POPULATE, fd, 0);
            if (address == MAP_FAILED)
            {
                throw new ShmIOException("mmap of " + mib(length) + " for " + path + " failed: " + describe(errno()));
            }
            if (adviseHuge)
            {
                // best effort: without the advice, or on a kernel without MADV_POPULATE_*, pages are
                // faulted in (4 KiB mappings of the same memory) on first access instead
                madvise(address, length, MADV_HUGEPAGE);
                madvise(address, length, writable ? MADV_POPULATE_WRITE : MADV_POPULATE_READ);
            }
            return new Opened(new SegmentFile(path, fd, address, length, attributes, List.of()), layout);
        }
        catch (final RuntimeException ex)
        {
            if (address != MAP_FAILED)
            {
                munmap(address, length);
            }
            LibC.close(fd);
            throw ex;
        }
    }

    /** A segment opened by {@link #open}, with the layout read from it. */
    public static final class Opened
    {
        private final SegmentFile file;
        private final SegmentLayout layout;

        Opened(final SegmentFile file, final SegmentLayout layout)
        {
            this.file = file;
            this.layout = layout;
        }

        public SegmentFile file()
        {
            return file;
        }

        public SegmentLayout layout()
        {
            return layout;
        }
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

    /** What the memory setup did and every fallback, with its reason. */
    public List<String> notes()
    {
        return Collections.unmodifiableList(notes);
    }

    /**
     * Make a range of the mapping read-only (consumers map the slots read-only).
     *
     * @param offset page-aligned offset.
     * @param rangeLength bytes.
     */
    public void protectReadOnly(final long offset, final long rangeLength)
    {
        check(mprotect(address + offset, rangeLength, PROT_READ), "mprotect", path);
    }

    /**
     * @return the file's length now (another process may have truncated or extended it since it
     * was mapped), or -1 once closed.
     */
    public synchronized long currentLength()
    {
        return closed ? -1 : lseek(fd, 0, SEEK_END);
    }

    /**
     * Replace the whole mapping, in place, with private zero-filled memory: after a peer truncated
     * the file, touching a page past its end raises SIGBUS, which HotSpot does not always survive
     * (docs/reliability.md). From now on every access through this mapping reads zeros or writes
     * to memory nobody else sees, so the protocol's checks fail with typed errors instead. The
     * descriptor, and with it the role lock, stays open until {@link #detach}.
     *
     * @return true if the mapping was replaced by this call.
     */
    public synchronized boolean defuse()
    {
        if (closed || defused)
        {
            return false;
        }
        final long replaced = mmap(address, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
        if (replaced != address)
        {
            LOG.log(System.Logger.Level.ERROR, "could not replace the mapping of truncated segment " + path + ": " +
                describe(errno()));
            return false;
        }
        defused = true;
        return true;
    }

    public synchronized boolean tryLock(final long lockByte)
    {
        return FileLocks.tryLock(fd, lockByte, flock);
    }

    /**
     * @param lockByte a role byte.
     * @return true if an open file description other than this one holds a lock on it.
     */
    public synchronized boolean isLockedByOther(final long lockByte)
    {
        return !closed && FileLocks.isLocked(fd, lockByte, flock);
    }

    /**
     * @return whether the path still names this file (not unlinked, not replaced).
     */
    public boolean isPathCurrent()
    {
        try
        {
            final Map<String, Object> now = Files.readAttributes(path, "unix:dev,ino", LinkOption.NOFOLLOW_LINKS);
            return ((Number)now.get("dev")).longValue() == device && ((Number)now.get("ino")).longValue() == inode;
        }
        catch (final IOException | RuntimeException ex)
        {
            return false;
        }
    }

    /** @return true if the path named this file and was unlinked by this call. */
    public boolean unlinkIfCurrent()
    {
        return isPathCurrent() && unlink(pathString) == 0;
    }

    /**
     * Drop the role lock; unlink the file if no other role is held; unmap and close.
     * Callers must have stopped every access to the mapping.
     *
     * @param ownLockByte the role byte this side holds.
     * @return true if this call unlinked the file.
     */
    public synchronized boolean detach(final long ownLockByte)
    {
        return detach(ownLockByte, false);
    }

    /**
     * @param ownLockByte the role byte this side holds.
     * @param keepMapping close the descriptor but leave the mapping in place for good (for an owner
     *                    that cannot prove every reader of it is gone).
     * @return true if this call unlinked the file.
     */
    public synchronized boolean detach(final long ownLockByte, final boolean keepMapping)
    {
        if (closed)
        {
            return false;
        }
        boolean unlinked = false;
        try
        {
            // bounded: a peer stopped (SIGSTOP) in the middle of its own detach must not hang ours;
            // without the lock the unlink decision is skipped and the stale sweep removes the file
            if (!FileLocks.lockWithin(fd, ParticipantDescriptor.CLEANUP_LOCK_BYTE, flock, CLEANUP_LOCK_TIMEOUT_NS))
            {
                LOG.log(System.Logger.Level.WARNING, "detaching from " + path + ": another participant holds the " +
                    "cleanup lock (stopped?); leaving the file for the stale-segment sweep");
                FileLocks.unlock(fd, ownLockByte, flock);
                return false;
            }
            try
            {
                FileLocks.unlock(fd, ownLockByte, flock);
                boolean othersAttached = false;
                for (long lockByte = 0; lockByte < ROLE_LOCK_BYTES; lockByte++)
                {
                    othersAttached |= lockByte != ownLockByte && FileLocks.isLocked(fd, lockByte, flock);
                }
                if (!othersAttached && isPathCurrent())
                {
                    unlinked = unlink(pathString) == 0;
                }
            }
            finally
            {
                FileLocks.unlock(fd, ParticipantDescriptor.CLEANUP_LOCK_BYTE, flock);
            }
        }
        finally
        {
            if (keepMapping)
            {
                closed = true;
                LibC.close(fd);
            }
            else
            {
                closeQuietly();
            }
        }
        return unlinked;
    }

    /** Unmap and close without touching locks' meaning beyond what closing the descriptor does. */
    public synchronized void closeQuietly()
    {
        if (!closed)
        {
            closed = true;
            munmap(address, length);
            LibC.close(fd);
        }
    }

    public synchronized boolean isClosed()
    {
        return closed;
    }

    /**
     * @param path    a path.
     * @param opened  dev and ino of an open file.
     * @return whether the path (not following links) names that file now.
     */
    private static boolean sameFile(final Path path, final Map<String, Object> opened)
    {
        try
        {
            final Map<String, Object> now = Files.readAttributes(path, "unix:dev,ino", LinkOption.NOFOLLOW_LINKS);
            return now.get("dev").equals(opened.get("dev")) && now.get("ino").equals(opened.get("ino"));
        }
        catch (final IOException | RuntimeException ex)
        {
            return false;
        }
    }

    /** Attributes of the open file itself (via /proc/self/fd, so no race with the path). */
    static Map<String, Object> attributes(final int fd, final Path forMessages)
    {
        try
        {
            return Files.readAttributes(Path.of("/proc/self/fd/" + fd), "unix:uid,mode,size,dev,ino");
        }
        catch (final IOException ex)
        {
            throw new ShmIOException("fstat of " + forMessages + " failed: " + ex, ex);
        }
    }

    static void checkAccess(final Path path, final Map<String, Object> attributes, final Set<Integer> trustedOwners)
    {
        final int mode = (Integer)attributes.get("mode");
        final int uid = (Integer)attributes.get("uid");
        if ((mode & S_IFMT) != S_IFREG)
        {
            throw new SegmentPermissionException(path + " is not a regular file (mode " + octal(mode & S_IFMT) + ")");
        }
        final int self = geteuid();
        if (uid != self && !trustedOwners.contains(uid))
        {
            throw new SegmentPermissionException("segment " + path + " is owned by uid " + uid +
                ", expected this process's uid " + self + (trustedOwners.isEmpty() ? "" : " or one of " + trustedOwners) +
                ": refusing a segment another user could have prepared");
        }
        if ((mode & 0007) != 0)
        {
            throw new SegmentPermissionException("segment " + path + " has mode " + octal(mode & 0777) +
                ": other users can access it; shm-streams refuses world-accessible segments (expected 0600 or 06x0)");
        }
    }

    static void checkCreationMode(final int mode)
    {
        if ((mode & ~0660) != 0 || (mode & 0600) != 0600)
        {
            throw new SegmentPermissionException("mode " + octal(mode) +
                " refused: a segment is created 0600 (default), 0640 or 0660; never executable, never world-accessible");
        }
    }

    public static void checkName(final String name)
    {
        if (name == null || !NAME.matcher(name).matches())
        {
            throw new IllegalArgumentException("channel name '" + name + "' must be 1-200 characters of " +
                "[A-Za-z0-9._-], not starting with '.' or '-'");
        }
    }

    /** Reserve every page of the file now, so that a full file system is an error here and never a SIGBUS later. */
    private static void allocate(
        final int fd, final long length, final Path path, final Path directory, final List<String> notes)
    {
        final int fallocate = posix_fallocate(fd, 0, length);
        if (fallocate == ENOSPC)
        {
            throw new InsufficientSpaceException("no space for channel " + path + ": " + mib(length) +
                " could not be allocated on " + directory + " (posix_fallocate: ENOSPC); free space or enlarge " +
                "the mount (mount -o remount,size=... " + directory + ")");
        }
        if (fallocate != 0)
        {
            notes.add("posix_fallocate unsupported (" + describe(fallocate) + "): pages are faulted by MAP_POPULATE");
        }
    }

    /**
     * On a tmpfs mounted {@code huge=advise} a page is huge only when it is first faulted through a
     * mapping advised {@code MADV_HUGEPAGE}: posix_fallocate or MAP_POPULATE before the advice would
     * allocate 4 KiB pages for good. So: map, advise, then fault every page in with
     * {@code MADV_POPULATE_WRITE}, which reserves the memory like posix_fallocate and reports a full
     * file system as an error instead of a SIGBUS.
     *
     * @return the mapping, or MAP_FAILED (with a note) when the kernel refused: fall back to 4 KiB pages.
     */
    private static long mapTransparentHuge(
        final int fd, final long length, final Path path, final Path directory, final List<String> notes)
    {
        final long address = mmap(0, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (address == MAP_FAILED)
        {
            throw new ShmIOException("mmap of " + mib(length) + " for " + path + " failed: " + describe(errno()));
        }
        if (madvise(address, length, MADV_HUGEPAGE) != 0)
        {
            notes.add("madvise(MADV_HUGEPAGE) refused (" + describe(errno()) + "): using 4 KiB pages");
            munmap(address, length);
            return MAP_FAILED;
        }
        if (madvise(address, length, MADV_POPULATE_WRITE) != 0)
        {
            final int errno = errno();
            munmap(address, length);
            if (errno == EINVAL)
            {
                notes.add("madvise(MADV_POPULATE_WRITE) unsupported (Linux < 5.14): pages pre-allocated by " +
                    "posix_fallocate, 4 KiB pages");
                return MAP_FAILED;
            }
            throw new InsufficientSpaceException("no space for channel " + path + ": " + mib(length) +
                " could not be faulted in on " + directory + " (madvise(MADV_POPULATE_WRITE): " + describe(errno) +
                "); free space or enlarge the mount (mount -o remount,size=... " + directory + ")");
        }
        return address;
    }

    /**
     * A hugetlbfs mount without {@code size=} reports no free blocks: what limits it is the pool of
     * reserved huge pages, free and not yet promised to another mapping.
     */
    private static long freeHugePages()
    {
        long free = 0;
        long reserved = 0;
        long pageSize = 0;
        try
        {
            for (final String line : Files.readAllLines(Path.of("/proc/meminfo")))
            {
                final String[] fields = line.split("\\s+");
                if (fields.length < 2)
                {
                    continue;
                }
                switch (fields[0])
                {
                    case "HugePages_Free:": free = Long.parseLong(fields[1]); break;
                    case "HugePages_Rsvd:": reserved = Long.parseLong(fields[1]); break;
                    case "Hugepagesize:": pageSize = Long.parseLong(fields[1]) * 1024; break;
                    default: break;
                }
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            return 0;
        }
        return Math.max(0, free - reserved) * pageSize;
    }

    private static void checkFreeSpace(final Path directory, final long needed, final Path path, final boolean hugetlbfs)
    {
        long usable;
        try
        {
            usable = Files.getFileStore(directory).getUsableSpace();
            if (hugetlbfs)
            {
                final long pool = freeHugePages();
                usable = usable > 0 ? Math.min(usable, pool) : pool;
            }
        }
        catch (final IOException ex)
        {
            throw new ShmIOException("cannot create channel " + path + ": directory " + directory +
                " is not usable (" + ex + ")", ex);
        }
        if (usable < needed)
        {
            throw new InsufficientSpaceException("no space for channel " + path + ": it needs " + mib(needed) +
                " but " + directory + " has " + mib(usable) + " free; use fewer or smaller slots, free space, or " +
                (hugetlbfs ? "reserve more huge pages (/proc/sys/vm/nr_hugepages)" :
                "enlarge the mount (mount -o remount,size=... " + directory + ")"));
        }
    }

    private static String lockPages(final long address, final long length)
    {
        if (LibC.mlock(address, length) == 0)
        {
            return "mlock: " + mib(length) + " locked in memory";
        }
        final int errno = errno();
        return "mlock of " + mib(length) + " refused (" + describe(errno) + "), pages stay unlocked: " +
            memlockLimit() + " and the process lacks CAP_IPC_LOCK";
    }

    private static String memlockLimit()
    {
        try
        {
            for (final String line : Files.readAllLines(Path.of("/proc/self/limits")))
            {
                if (line.startsWith("Max locked memory"))
                {
                    final String soft = line.substring("Max locked memory".length()).trim().split("\\s+")[0];
                    return "RLIMIT_MEMLOCK is " + ("unlimited".equals(soft) ? soft : mib(Long.parseLong(soft)));
                }
            }
        }
        catch (final IOException | RuntimeException ignore)
        {
            // fall through
        }
        return "RLIMIT_MEMLOCK is unknown";
    }

    private static RuntimeException openFailure(final Path path, final int errno)
    {
        if (errno == ELOOP)
        {
            return new SegmentPermissionException("refusing to follow a symlink at " + path +
                ": a segment must be a regular file (O_NOFOLLOW)");
        }
        if (errno == EACCES || errno == EPERM)
        {
            return new SegmentPermissionException("cannot open " + path + ": " + describe(errno));
        }
        return new ShmIOException("open(" + path + ") failed: " + describe(errno));
    }

    private static void check(final int result, final String call, final Path path)
    {
        if (result != 0)
        {
            throw new ShmIOException(call + " on " + path + " failed: " + describe(errno()));
        }
    }

    static String octal(final int mode)
    {
        return "0" + Integer.toOctalString(mode);
    }

    public static String mib(final long bytes)
    {
        return bytes >= 1 << 20 ? String.format("%.1f MiB", bytes / 1048576.0) : bytes + " B";
    }

    @Override
    public String toString()
    {
        return "SegmentFile{" + path + ", " + mib(length) + (closed ? ", closed" : "") + '}';
    }
}
