package dev.shmstreams.benchmarks;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;

/**
 * The same libc calls as {@link DirectLibC}, through JNA interface mapping (a dynamic proxy that
 * boxes arguments into an Object[] and converts them per call): the binding style the transport
 * deliberately avoids on its hot and wait paths.
 */
public interface InterfaceLibC extends Library
{
    InterfaceLibC INSTANCE = Native.load(Platform.C_LIBRARY_NAME, InterfaceLibC.class);

    int getpid();

    int abs(int value);

    long syscall(long number, long a1, long a2, long a3, long a4, long a5, long a6);
}
