package dev.shmstreams.transport.internal;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;

/**
 * The libc calls the transport needs, bound by JNA direct mapping (a native method per call,
 * about 0.3 µs here, against about 1.8 µs through an interface proxy). Linux only, x86_64 and
 * aarch64: the constants that differ between them are picked at class initialisation.
 *
 * <p>{@code open}, {@code fcntl} and {@code syscall} are variadic in C; they are declared here
 * with fixed prototypes, which the x86_64 and AAPCS64 calling conventions pass identically for
 * integer and pointer arguments. errno is read with {@link Native#getLastError()} right after
 * the call (JNA preserves it per thread).
 */
public final class LibC
{
    public static final boolean X86_64;

    public static final int O_RDONLY = 0;
    public static final int O_RDWR = 2;
    public static final int O_CREAT = 0100;
    public static final int O_EXCL = 0200;
    public static final int O_NOFOLLOW;
    public static final int O_CLOEXEC = 02000000;

    public static final int PROT_NONE = 0;
    public static final int PROT_READ = 1;
    public static final int PROT_WRITE = 2;
    public static final int MAP_SHARED = 0x01;
    public static final int MAP_PRIVATE = 0x02;
    public static final int MAP_FIXED = 0x10;
    public static final int MAP_ANONYMOUS = 0x20;
    public static final int MAP_POPULATE = 0x8000;
    public static final long MAP_FAILED = -1L;

    public static final int MADV_HUGEPAGE = 14;
    /** Linux 5.14+: fault the range in now, returning an error (not SIGBUS) when it cannot be backed. */
    public static final int MADV_POPULATE_READ = 22;
    public static final int MADV_POPULATE_WRITE = 23;

    public static final int SEEK_END = 2;

    public static final int F_OFD_GETLK = 36;
    public static final int F_OFD_SETLK = 37;
    public static final int F_OFD_SETLKW = 38;
    public static final short F_RDLCK = 0;
    public static final short F_WRLCK = 1;
    public static final short F_UNLCK = 2;

    public static final long SYS_FUTEX;
    public static final int FUTEX_WAIT = 0;
    public static final int FUTEX_WAKE = 1;

    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int EINTR = 4;
    public static final int EAGAIN = 11;
    public static final int ENOMEM = 12;
    public static final int EFAULT = 14;
    public static final int EACCES = 13;
    public static final int EEXIST = 17;
    public static final int EINVAL = 22;
    public static final int ENOSPC = 28;
    public static final int ELOOP = 40;
    public static final int EOPNOTSUPP = 95;
    public static final int ETIMEDOUT = 110;

    static
    {
        if (!Platform.isLinux())
        {
            throw new UnsupportedOperationException(
                "shm-streams needs Linux (futex, OFD locks, /dev/shm); this is " + System.getProperty("os.name"));
        }
        final String arch = System.getProperty("os.arch");
        if ("amd64".equals(arch) || "x86_64".equals(arch))
        {
            X86_64 = true;
            O_NOFOLLOW = 0400000;
            SYS_FUTEX = 202;
        }
        else if ("aarch64".equals(arch))
        {
            X86_64 = false;
            O_NOFOLLOW = 0100000;
            SYS_FUTEX = 98;
        }
        else
        {
            throw new UnsupportedOperationException("shm-streams supports x86_64 and aarch64 Linux, not " + arch);
        }
        Native.register(LibC.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
    }

    private LibC()
    {
    }

    public static native int open(String path, int flags, int mode);

    public static native int close(int fd);

    public static native int fchmod(int fd, int mode);

    public static native int ftruncate(int fd, long length);

    /** Returns 0 or an error number; does not set errno. */
    public static native int posix_fallocate(int fd, long offset, long length);

    public static native long mmap(long address, long length, int prot, int flags, int fd, long offset);

    public static native int munmap(long address, long length);

    /** Used with {@link #SEEK_END} as a cheap fstat of the size: no struct, no allocation. */
    public static native long lseek(int fd, long offset, int whence);

    public static native int mprotect(long address, long length, int prot);

    public static native int madvise(long address, long length, int advice);

    public static native int mlock(long address, long length);

    public static native int munlock(long address, long length);

    public static native int fcntl(int fd, int command, Pointer flock);

    public static native long syscall(long number, long a1, long a2, long a3, long a4, long a5, long a6);

    public static native long pread(int fd, byte[] buffer, long count, long offset);

    public static native int link(String existing, String created);

    public static native int unlink(String path);

    public static native int geteuid();

    public static native String strerror(int errno);

    public static int errno()
    {
        return Native.getLastError();
    }

    /**
     * @param errno an error number.
     * @return e.g. "EEXIST (File exists)".
     */
    public static String describe(final int errno)
    {
        return Errno.name(errno) + " (" + strerror(errno) + ")";
    }

    static final class Errno
    {
        private Errno()
        {
        }

        static String name(final int errno)
        {
            switch (errno)
            {
                case EPERM: return "EPERM";
                case ENOENT: return "ENOENT";
                case EINTR: return "EINTR";
                case EAGAIN: return "EAGAIN";
                case ENOMEM: return "ENOMEM";
                case EFAULT: return "EFAULT";
                case EACCES: return "EACCES";
                case EEXIST: return "EEXIST";
                case EINVAL: return "EINVAL";
                case ENOSPC: return "ENOSPC";
                case ELOOP: return "ELOOP";
                case EOPNOTSUPP: return "EOPNOTSUPP";
                case ETIMEDOUT: return "ETIMEDOUT";
                default: return "errno " + errno;
            }
        }
    }
}
