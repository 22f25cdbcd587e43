package dev.shmstreams.transport.internal;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * Turns Agrona 2.x's bare {@link IllegalAccessError} into a message that names the missing flag.
 *
 * <p>shm-streams is built against Agrona 1.23, which reaches {@code sun.misc.Unsafe} and needs no
 * JVM flag. Agrona 2.x, which an application may pull in (Aeron does), reaches
 * {@code jdk.internal.misc.Unsafe} and fails on first use unless the JVM was started with
 * {@value #FLAG}. The API this library uses exists in both, so the fix is the flag, not a rebuild.
 */
public final class AgronaGuard
{
    public static final String FLAG = "--add-exports java.base/jdk.internal.misc=ALL-UNNAMED";

    private static volatile boolean checked;

    private AgronaGuard()
    {
    }

    /**
     * @throws IllegalStateException naming {@link #FLAG} if Agrona cannot reach its Unsafe.
     */
    public static void ensureUsable()
    {
        if (checked)
        {
            return;
        }
        try
        {
            new UnsafeBuffer(new byte[8]).putLongVolatile(0, 1);
            checked = true;
        }
        catch (final LinkageError error)
        {
            final Package agrona = UnsafeBuffer.class.getPackage();
            final String version = agrona == null || agrona.getImplementationVersion() == null ?
                "on the class path" : agrona.getImplementationVersion();
            throw new IllegalStateException("Agrona " + version + " cannot reach jdk.internal.misc.Unsafe: start the " +
                "JVM with " + FLAG + " (on the java command line, in JDK_JAVA_OPTIONS, or in the surefire/exec " +
                "argLine), or depend on Agrona 1.23.x, which shm-streams is built against and which needs no flag. " +
                "Cause: " + error, error);
        }
    }
}
