package dev.shmstreams.transport.internal;

import com.sun.jna.Memory;
import dev.shmstreams.transport.ShmIOException;

import java.util.concurrent.locks.LockSupport;

import static dev.shmstreams.transport.internal.LibC.*;

/**
 * Open-file-description locks ({@code F_OFD_SETLK}) on single bytes of a segment file.
 *
 * <p>Why OFD locks and not {@link java.nio.channels.FileChannel#tryLock}: classic POSIX record
 * locks belong to the process, so two roles opened by one JVM (tests, or a bridge) could not see
 * each other, and closing any descriptor of the file drops all of the process's locks. OFD
 * locks belong to the open file description: they conflict between two opens in one process and
 * are released by the kernel when the last descriptor closes, including when the process is
 * killed.
 *
 * <p>{@code struct flock} on x86_64 and aarch64: l_type (i16) @0, l_whence (i16) @2, l_start
 * (i64) @8, l_len (i64) @16, l_pid (i32) @24; 32 bytes. l_pid must be 0 for OFD locks.
 */
final class FileLocks
{
    private FileLocks()
    {
    }

    static boolean tryLock(final int fd, final long lockByte, final Memory flock)
    {
        fill(flock, F_WRLCK, lockByte);
        if (fcntl(fd, F_OFD_SETLK, flock) == 0)
        {
            return true;
        }
        final int errno = errno();
        if (errno == EAGAIN || errno == EACCES)
        {
            return false;
        }
        throw new ShmIOException("fcntl(F_OFD_SETLK) on byte " + lockByte + " failed: " + describe(errno));
    }

    /**
     * @param timeoutNanos how long to keep trying.
     * @return true if the lock was taken; false if another holder kept it (e.g. a stopped process).
     */
    static boolean lockWithin(final int fd, final long lockByte, final Memory flock, final long timeoutNanos)
    {
        final long deadline = System.nanoTime() + timeoutNanos;
        long pauseNanos = 10_000;
        while (!tryLock(fd, lockByte, flock))
        {
            if (System.nanoTime() - deadline >= 0)
            {
                return false;
            }
            LockSupport.parkNanos(pauseNanos);
            pauseNanos = Math.min(pauseNanos * 2, 10_000_000);
        }
        return true;
    }

    static void unlock(final int fd, final long lockByte, final Memory flock)
    {
        fill(flock, F_UNLCK, lockByte);
        fcntl(fd, F_OFD_SETLK, flock);
    }

    /**
     * @return true if another open file description holds a lock that conflicts with a write lock
     * on {@code lockByte}.
     */
    static boolean isLocked(final int fd, final long lockByte, final Memory flock)
    {
        fill(flock, F_WRLCK, lockByte);
        if (fcntl(fd, F_OFD_GETLK, flock) != 0)
        {
            throw new ShmIOException("fcntl(F_OFD_GETLK) on byte " + lockByte + " failed: " + describe(errno()));
        }
        return flock.getShort(0) != F_UNLCK;
    }

    private static void fill(final Memory flock, final short type, final long lockByte)
    {
        flock.clear();
        flock.setShort(0, type);
        flock.setShort(2, (short)0);
        flock.setLong(8, lockByte);
        flock.setLong(16, 1);
    }
}
