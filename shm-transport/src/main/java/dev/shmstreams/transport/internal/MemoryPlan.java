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
 *   <li>Huge pages requested on a tmpfs that allows them: 2 MiB alignment and
 *       {@code madvise(MADV_HUGEPAGE)} before the pages are faulted in.</li>
 *   <li>Otherwise 4 KiB pages, with the reason when huge pages were asked for.</li>
 * </ul>
 *
 * Whether a tmpfs file gets transparent huge pages is decided by that mount's {@code huge=}
 * option ({@code never} when absent, as for a default /dev/shm), not by
 * {@code /sys/kernel/mm/transparent_hugepage/shmem_enabled}: that file governs the kernel's
 * internal mount (SysV shm, memfd, shared anonymous memory), and only its {@code force} and
 * {@code deny} override every mount. With {@code huge=advise} a page is huge only if it is
 * faulted through a mapping marked {@code MADV_HUGEPAGE}, which is why the advice must come
 * before the pages are allocated.
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
        final Mount mount = mountOf(directory);
        if ("hugetlbfs".equals(mount.type))
        {
            notes.add("explicit huge pages: " + directory + " is a hugetlbfs mount");
            return new MemoryPlan(HugePages.HUGETLBFS, notes);
        }
        if (!hugePagesRequested)
        {
            return new MemoryPlan(HugePages.NONE, notes);
        }

        final String shmemThp = activeSetting(SHMEM_THP);
        final String huge = "tmpfs".equals(mount.type) ? mount.option("huge", "never") : null;
        if (huge != null && !"deny".equals(shmemThp) &&
            ("force".equals(shmemThp) || "always".equals(huge) || "within_size".equals(huge) || "advise".equals(huge)))
        {
            notes.add("transparent huge pages: madvise(MADV_HUGEPAGE), " + mount.point + " is a tmpfs mounted huge=" + huge +
                ("force".equals(shmemThp) ? " and shmem_enabled is 'force'" : ""));
            return new MemoryPlan(HugePages.TRANSPARENT, notes);
        }
        final String hugetlbfs = hugetlbfsMount();
        final String why;
        if (huge == null)
        {
            why = directory + " is " + mount.type + ", not tmpfs or hugetlbfs";
        }
        else if ("deny".equals(shmemThp))
        {
            why = "shmem transparent huge pages are 'deny' (" + SHMEM_THP + ")";
        }
        else
        {
            why = "the tmpfs at " + mount.point + " is mounted huge=" + huge + " (as root: mount -o remount,huge=advise " +
                mount.point + ")";
        }
        notes.add("huge pages requested but not available, using 4 KiB pages: " + why +
            (hugetlbfs == null ? "; no hugetlbfs is mounted" :
            "; a hugetlbfs is mounted at " + hugetlbfs + ": use it as the channel directory for explicit huge pages"));
        return new MemoryPlan(HugePages.NONE, notes);
    }

    public HugePages hugePages()
    {
        return hugePages;
    }

    /** @return the alignment of the slots of a segment for frames of at most {@code maxFrameLength} bytes. */
    public int slotAlignment(final int maxFrameLength)
    {
        return SegmentLayout.slotAlignmentFor(maxFrameLength, hugePages != HugePages.NONE);
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
        return mountOf(directory).type;
    }

    /** The mount (from /proc/self/mounts) holding a directory: the longest matching mount point. */
    static Mount mountOf(final Path directory)
    {
        Mount best = new Mount("?", "unknown", "");
        try
        {
            final String real = directory.toRealPath().toString();
            boolean found = false;
            for (final String line : Files.readAllLines(MOUNTS))
            {
                final String[] fields = line.split(" ");
                if (fields.length < 4)
                {
                    continue;
                }
                final String mountPoint = fields[1].replace("\\040", " ");
                final boolean contains = real.equals(mountPoint) ||
                    real.startsWith(mountPoint.endsWith("/") ? mountPoint : mountPoint + "/");
                if (contains && (!found || mountPoint.length() >= best.point.length()))
                {
                    best = new Mount(mountPoint, fields[2], fields[3]);
                    found = true;
                }
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            // no mount table: unknown
        }
        return best;
    }

    static final class Mount
    {
        final String point;
        final String type;
        final String options;

        Mount(final String point, final String type, final String options)
        {
            this.point = point;
            this.type = type;
            this.options = options;
        }

        /** @return the value of {@code name=value} in the mount options, or {@code absent}. */
        String option(final String name, final String absent)
        {
            for (final String option : options.split(","))
            {
                if (option.startsWith(name + "="))
                {
                    return option.substring(name.length() + 1);
                }
            }
            return absent;
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
