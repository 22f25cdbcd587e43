package dev.shmstreams.benchmarks;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;

/**
 * libc calls the harness needs, bound the way the transport binds its own (JNA direct mapping:
 * one registered native method per call, no proxy, no argument boxing). {@link InterfaceLibC}
 * binds the same calls through an interface proxy, to measure what direct mapping saves.
 */
public final class DirectLibC
{
    static
    {
        Native.register(DirectLibC.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
    }

    private DirectLibC()
    {
    }

    public static native int getpid();

    /** A libc function that makes no system call: what is left is the binding's own cost. */
    public static native int abs(int value);

    /** {@code ts} receives tv_sec, tv_nsec. */
    public static native int clock_gettime(int clockId, long[] ts);

    public static native long syscall(long number, long a1, long a2, long a3, long a4, long a5, long a6);

    /** pid 0 is the calling thread; mask is a cpu_set_t of {@code size} bytes. */
    public static native int sched_setaffinity(int pid, long size, long[] mask);

    /** pid 0 is the calling thread; param is a struct sched_param (one int, the priority). */
    public static native int sched_setscheduler(int pid, int policy, int[] param);

    /** @return the calling thread's (pid 0) scheduling policy, or -1. */
    public static native int sched_getscheduler(int pid);
}
