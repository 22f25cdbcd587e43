package dev.shmstreams.transport.reliability;

import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A soak child's memory, sampled the same way at the start and at the end: the heap in use right
 * after a full GC, the process's anonymous resident memory (heap, metaspace, thread stacks, malloc:
 * everything but the shared segment, which counts as RssShmem), and the JVM's own native memory
 * account (NMT "committed" total, when started with -XX:NativeMemoryTracking=summary).
 */
final class SoakMemory
{
    private static final Pattern NMT_TOTAL = Pattern.compile("Total: reserved=(\\d+)KB, committed=(\\d+)KB");

    private SoakMemory()
    {
    }

    /** @return {@code heapAfterGc=bytes rssAnonKb=N nmtCommittedKb=N} (-1 where unknown). */
    static String sample()
    {
        System.gc();
        final long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        return "heapAfterGc=" + heap + " rssAnonKb=" + rssAnonKb() + " nmtCommittedKb=" + nmtCommittedKb();
    }

    private static long rssAnonKb()
    {
        try
        {
            for (final String line : Files.readAllLines(Path.of("/proc/self/status")))
            {
                if (line.startsWith("RssAnon:"))
                {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        }
        catch (final Exception ignore)
        {
            // reported as unknown
        }
        return -1;
    }

    private static long nmtCommittedKb()
    {
        try
        {
            final Object text = ManagementFactory.getPlatformMBeanServer().invoke(
                new ObjectName("com.sun.management:type=DiagnosticCommand"), "vmNativeMemory",
                new Object[] { new String[] { "summary" } }, new String[] { String[].class.getName() });
            final Matcher matcher = NMT_TOTAL.matcher(String.valueOf(text));
            return matcher.find() ? Long.parseLong(matcher.group(2)) : -1;
        }
        catch (final Exception ex)
        {
            return -1;
        }
    }
}
