package dev.shmstreams.benchmarks;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import dev.shmstreams.transport.internal.Futex;
import dev.shmstreams.transport.internal.LibC;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.util.concurrent.TimeUnit;

/**
 * Cost per native call of JNA direct mapping (what the transport uses: {@link LibC}, {@link Futex})
 * against interface mapping: {@code abs} (no system call: the binding's cost alone), {@code getpid}
 * (the cheapest system call) and a FUTEX_WAKE on a word nobody waits on (the call a producer would
 * make per frame if it woke unconditionally). The difference is the binding's overhead.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
public class JnaCallBenchmark
{
    private Memory word;
    private long wordAddress;

    @Setup
    public void setup()
    {
        word = new Memory(64);
        word.clear();
        wordAddress = Pointer.nativeValue(word);
    }

    private int value = -42;

    @Benchmark
    public int absDirect()
    {
        return DirectLibC.abs(value);
    }

    @Benchmark
    public int absInterface()
    {
        return InterfaceLibC.INSTANCE.abs(value);
    }

    @Benchmark
    public int getpidDirect()
    {
        return DirectLibC.getpid();
    }

    @Benchmark
    public int getpidInterface()
    {
        return InterfaceLibC.INSTANCE.getpid();
    }

    @Benchmark
    public int futexWakeDirect()
    {
        return Futex.wakeAll(wordAddress);
    }

    @Benchmark
    public long futexWakeInterface()
    {
        return InterfaceLibC.INSTANCE.syscall(
            LibC.SYS_FUTEX, wordAddress, LibC.FUTEX_WAKE, Integer.MAX_VALUE, 0, 0, 0);
    }
}
