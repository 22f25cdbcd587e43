package dev.shmstreams.transport.internal;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;

/**
 * Shared (not process-private) futex wait and wake on a 32-bit word of a MAP_SHARED mapping: the
 * kernel keys such a futex by inode and offset, so processes mapping the same file meet on it.
 *
 * <p>One instance per waiting thread: it owns the native {@code struct timespec} the wait passes,
 * so waiting allocates nothing.
 */
public final class Futex
{
    /** The wait returned because the word was woken (or spuriously). */
    public static final int WOKEN = 0;

    private final Memory timespec = new Memory(16);
    private final long timespecAddress = Pointer.nativeValue(timespec);

    /**
     * Sleep while the word at {@code address} still holds {@code expected}.
     *
     * @param address      of a 4-byte aligned int in a shared mapping.
     * @param expected     the value read before deciding to sleep.
     * @param timeoutNanos relative timeout, > 0.
     * @return {@link #WOKEN}, or {@link LibC#EAGAIN} (the word had changed), {@link LibC#ETIMEDOUT},
     * {@link LibC#EINTR}.
     */
    public int await(final long address, final int expected, final long timeoutNanos)
    {
        timespec.setLong(0, timeoutNanos / 1_000_000_000L);
        timespec.setLong(8, timeoutNanos % 1_000_000_000L);
        final long result = LibC.syscall(
            LibC.SYS_FUTEX, address, LibC.FUTEX_WAIT, expected & 0xFFFF_FFFFL, timespecAddress, 0, 0);
        return result == 0 ? WOKEN : LibC.errno();
    }

    /**
     * Wake every thread, in any process, sleeping on the word at {@code address}.
     *
     * @param address of the futex word.
     * @return the number of waiters woken.
     */
    public static int wakeAll(final long address)
    {
        return (int)LibC.syscall(LibC.SYS_FUTEX, address, LibC.FUTEX_WAKE, Integer.MAX_VALUE, 0, 0, 0);
    }
}
