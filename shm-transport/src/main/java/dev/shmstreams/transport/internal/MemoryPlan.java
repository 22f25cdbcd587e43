package dev.shmstreams.transport.internal;

import dev.shmstreams.transport.layout.SegmentLayout;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * How a new segment's memory will be backed, decided before its layout is computed because huge
 * pages change the slot alignment. Every fallback carries the reason it happened.
 *
 * <ul>
 *   <li>The directory is a hugetlbfs mount: explicit huge pages, slots aligned to 2 MiB.</li>
 *   <li>Huge pages requested on tmpfs and shmem THP allowed by the kernel
 *       ({@code /sys/kernel/mm/transparent_hugepage/shmem_enabled} not never/deny): 2 MiB
 *       alignment and {@code madvise(MADV_HUGEPAGE)}.</li>
 *   <li>Otherwise 4 KiB pages, with the reason when huge pages were asked for.</li>
 * </ul>
 */
public final class MemoryPlan
{
    public enum HugePages
    {
        NONE, TRANSPARENT, HUGETLBFS
    }

    static final Path SHMEM_THP = Path.of("/sys/kernel/mm/transparent_hugepage/shmem_enabled");
    private static final Path MOUNTS = Path.of("/proc/self/mounts");

    private final HugePages hugePages;
    private final List<String> notes;

    private MemoryPlan(final HugePages hugePages, final List<String> notes)
    {
        this.hugePages = hugePages;
        this.notes = notes;
    }

    public static MemoryPlan decide(final Path directory, final boolean hugePagesRequested)
    {
        final List<String> notes = new ArrayList<>();
        final String fsType = fileSystemType(directory);
        if ("hugetlbfs".equals(fsType))
        {
            notes.add("explicit huge pages: " + directory + " is a hugetlbfs mount");
            return new MemoryPlan(HugePages.HUGETLBFS, notes);
        }
        if (!hugePagesRequested)
        {
            return new MemoryPlan(HugePages.NONE, notes);
        }

        final String shmemThp = activeSetting(SHMEM_THP);
        if (shmemThp == null || "never".equals(shmemThp) || "deny".equals(shmemThp))
        {
            final String hugetlbfs = hugetlbfsMount();
            notes.add("huge pages requested but not available, using 4 KiB pages: " + directory + " is " + fsType +
                ", shmem transparent huge pages are '" + (shmemThp == null ? "unsupported" : shmemThp) + "' (" +
                SHMEM_THP + ")" + (hugetlbfs == null ? " and no hugetlbfs is mounted" :
                "; a hugetlbfs is mounted at " + hugetlbfs + ": use it as the channel directory for explicit huge pages"));
            return new MemoryPlan(HugePages.NONE, notes);
        }
        notes.add("transparent huge pages: madvise(MADV_HUGEPAGE), shmem_enabled is '" + shmemThp + "'");
        return new MemoryPlan(HugePages.TRANSPARENT, notes);
    }

    public HugePages hugePages()
    {
        return hugePages;
    }

    public int slotAlignment()
    {
        return hugePages == HugePages.NONE ? SegmentLayout.PAGE_SIZE : SegmentLayout.HUGE_PAGE_SIZE;
    }

    public List<String> notes()
    {
        return Collections.unmodifiableList(notes);
    }

    /**
     * @param file a sysfs file like "always within_size advise [never] deny force".
     * @return the bracketed choice, or null when the file is absent or unreadable.
     */
    static String activeSetting(final Path file)
    {
        try
        {
            final String text = Files.readString(file);
            final int open = text.indexOf('[');
            final int close = text.indexOf(']', open + 1);
            return open >= 0 && close > open ? text.substring(open + 1, close) : text.trim();
        }
        catch (final IOException | RuntimeException ex)
        {
            return null;
        }
    }

    /**
     * @param directory any directory.
     * @return the type of the file system holding it (longest matching mount point), or "unknown".
     */
    static String fileSystemType(final Path directory)
    {
        try
        {
            final String real = directory.toRealPath().toString();
            String best = null;
            String type = "unknown";
            for (final String line : Files.readAllLines(MOUNTS))
            {
                final String[] fields = line.split(" ");
                if (fields.length < 3)
                {
                    continue;
                }
                final String mountPoint = fields[1].replace("\\040", " ");
                final boolean contains = real.equals(mountPoint) ||
                    real.startsWith(mountPoint.endsWith("/") ? mountPoint : mountPoint + "/");
                if (contains && (best == null || mountPoint.length() >= best.length()))
                {
                    best = mountPoint;
                    type = fields[2];
                }
            }
            return type;
        }
        catch (final IOException | RuntimeException ex)
        {
            return "unknown";
        }
    }

    private static String hugetlbfsMount()
    {
        try
        {
            for (final String line : Files.readAllLines(MOUNTS))
            {
                final String[] fields = line.split(" ");
                if (fields.length >= 3 && "hugetlbfs".equals(fields[2]))
                {
                    return fields[1];
                }
            }
        }
        catch (final IOException | RuntimeException ignore)
        {
            // no mount table: report none
        }
        return null;
    }
}
