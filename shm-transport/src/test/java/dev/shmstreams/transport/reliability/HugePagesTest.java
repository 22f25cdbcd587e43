package dev.shmstreams.transport.reliability;

import dev.shmstreams.transport.ChannelSettings;
import dev.shmstreams.transport.Frame;
import dev.shmstreams.transport.ShmConsumer;
import dev.shmstreams.transport.ShmProducer;
import dev.shmstreams.transport.WritableFrame;
import dev.shmstreams.transport.layout.SegmentLayout;
import dev.shmstreams.transport.test.ShmTestDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The huge-page paths for real, not only their fallback: this machine has neither a hugetlbfs
 * mount nor a tmpfs that allows huge pages, so as root the test makes them inside the test
 * directory — reserves a few 2 MiB pages and mounts a hugetlbfs, or mounts a tmpfs with
 * {@code huge=advise} — and asserts, from {@code /proc/self/smaps}, that both ends' mappings of the
 * segment are backed by 2 MiB pages while frames go through. The huge-page reservation is restored
 * afterwards.
 */
@ExtendWith(ShmTestDirectory.class)
class HugePagesTest
{
    private static final boolean ROOT = "root".equals(System.getProperty("user.name"));
    private static final Path NR_HUGEPAGES = Path.of("/proc/sys/vm/nr_hugepages");
    private static final Path SHMEM_THP = Path.of("/sys/kernel/mm/transparent_hugepage/shmem_enabled");
    private static final int SLOT_SIZE = 3 * 1024 * 1024;

    @Test
    void aHugetlbfsDirectoryGivesExplicitHugePagesToBothEnds(final Path dir) throws Exception
    {
        assumeTrue(ROOT && Files.isWritable(NR_HUGEPAGES), "reserving huge pages needs root");
        final long before = readLong(NR_HUGEPAGES);
        final Path mount = Files.createDirectory(dir.resolve("huge"));
        try
        {
            Files.writeString(NR_HUGEPAGES, Long.toString(before + 16));
            final long reserved = readLong(NR_HUGEPAGES);
            assumeTrue(reserved >= before + 8, "the kernel could not reserve 2 MiB pages: " + before + " -> " + reserved);
            final String output = run("mount", "-t", "hugetlbfs", "-o", "pagesize=2M,mode=0700", "none", mount.toString());
            assumeTrue(output.startsWith("0"), "hugetlbfs mount refused here: " + output);

            final ChannelSettings settings = ChannelSettings.create("huge").withDirectory(mount).withSlotCount(2)
                .withSlotSize(SLOT_SIZE);
            try (ShmProducer producer = ShmProducer.create(settings);
                 ShmConsumer consumer = ShmConsumer.attach(settings))
            {
                assertTrue(String.join("\n", producer.memoryNotes()).contains("explicit huge pages"),
                    producer.memoryNotes().toString());
                assertEquals(SegmentLayout.HUGE_PAGE_SIZE, producer.layout().slotAlignment());
                transfer(producer, consumer, 6);
                final List<String> mappings = mappingsOf(settings.path());
                assertFalse(mappings.isEmpty());
                long mapped = 0;
                for (final String mapping : mappings)
                {
                    assertEquals(2048, field(mapping, "KernelPageSize"), mapping);
                    mapped += field(mapping, "Size");
                }
                assertEquals(2 * producer.layout().segmentLength() / 1024, mapped, "both ends map all of it");
            }
            assertEquals(List.of(), ShmTestDirectory.leftovers(mount), "the last one out removed the file");
        }
        finally
        {
            if (!run("umount", mount.toString()).startsWith("0"))
            {
                run("umount", "-l", mount.toString());
            }
            Files.writeString(NR_HUGEPAGES, Long.toString(before));
        }
    }

    @Test
    void aTmpfsMountedHugeAdviseGivesTransparentHugePagesToBothEnds(final Path dir) throws Exception
    {
        assumeTrue(ROOT, "mounting a tmpfs needs root");
        assumeTrue(!"deny".equals(activeSetting(SHMEM_THP)), "shmem THP denied by the kernel setting");
        final Path mount = Files.createDirectory(dir.resolve("thp"));
        final String output = run("mount", "-t", "tmpfs", "-o", "size=64m,huge=advise,mode=0700", "tmpfs",
            mount.toString());
        assumeTrue(output.startsWith("0"), "tmpfs huge=advise mount refused here: " + output);
        try
        {
            final ChannelSettings settings = ChannelSettings.create("thp").withDirectory(mount).withSlotCount(2)
                .withSlotSize(SLOT_SIZE).withHugePages(true);
            try (ShmProducer producer = ShmProducer.create(settings);
                 ShmConsumer consumer = ShmConsumer.attach(settings))
            {
                final String notes = String.join("\n", producer.memoryNotes());
                assertTrue(notes.contains("transparent huge pages") && notes.contains("huge=advise"), notes);
                assertEquals(SegmentLayout.HUGE_PAGE_SIZE, producer.layout().slotAlignment());
                transfer(producer, consumer, 6);
                // a mapping shows as several areas (the consumer's slots are read-only): add them up
                final List<String> mappings = mappingsOf(settings.path());
                long pmdMapped = 0;
                for (final String mapping : mappings)
                {
                    pmdMapped += field(mapping, "ShmemPmdMapped");
                }
                final long slotBytes = (long)producer.layout().slotCount() * producer.layout().slotSize();
                assertTrue(pmdMapped * 1024 >= 2 * slotBytes,
                    "both ends map every slot with 2 MiB pages: " + pmdMapped + " kB\n" + String.join("\n", mappings));
            }
            assertEquals(List.of(), ShmTestDirectory.leftovers(mount), "the last one out removed the file");
        }
        finally
        {
            if (!run("umount", mount.toString()).startsWith("0"))
            {
                run("umount", "-l", mount.toString());
            }
        }
    }

    @Test
    void aDefaultTmpfsFallsBackToSmallPagesAndSaysWhichMountOptionIsMissing(final Path dir)
    {
        assumeTrue(!"force".equals(activeSetting(SHMEM_THP)), "shmem THP forced by the kernel setting");
        final ChannelSettings settings = ChannelSettings.create("small").withDirectory(dir).withSlotCount(2)
            .withSlotSize(SLOT_SIZE).withHugePages(true);
        try (ShmProducer producer = ShmProducer.create(settings))
        {
            final String notes = String.join("\n", producer.memoryNotes());
            if (notes.contains("not available"))
            {
                assertTrue(notes.contains("huge=never") || notes.contains("'deny'"), notes);
                assertEquals(4096, producer.layout().slotAlignment());
            }
            else
            {
                assertTrue(notes.contains("transparent huge pages"), "this host's tmpfs allows them: " + notes);
            }
        }
    }

    private static String activeSetting(final Path file)
    {
        try
        {
            final String text = Files.readString(file);
            return text.substring(text.indexOf('[') + 1, text.indexOf(']'));
        }
        catch (final IOException | RuntimeException ex)
        {
            return "unsupported";
        }
    }

    private static void transfer(final ShmProducer producer, final ShmConsumer consumer, final int frames)
    {
        for (int i = 0; i < frames; i++)
        {
            final long seq = producer.tryClaim();
            assertTrue(seq >= 0, "a slot is free");
            final WritableFrame frame = producer.frame(seq);
            for (int offset = 0; offset < SLOT_SIZE; offset += 8)
            {
                frame.buffer().putLong(offset, seq * 31 + offset);
            }
            producer.commit(seq, SLOT_SIZE);
            final long got = consumer.poll();
            assertEquals(seq, got);
            try (Frame read = consumer.frame(got))
            {
                for (int offset = 0; offset < SLOT_SIZE; offset += 8)
                {
                    if (read.buffer().getLong(offset) != seq * 31 + offset)
                    {
                        fail("frame " + seq + " differs at byte " + offset);
                    }
                }
            }
        }
    }

    /**
     * @return the smaps entries (header line and fields) of every mapping of a file in {@code path}'s
     * directory in this process: the producer's shows the creation temporary's name (unlinked once
     * the segment was published under its own), the consumer's the segment's.
     */
    private static List<String> mappingsOf(final Path path) throws IOException
    {
        final String smaps = Files.readString(Path.of("/proc/self/smaps"));
        final List<String> entries = new java.util.ArrayList<>();
        final String[] lines = smaps.split("\n");
        for (int i = 0; i < lines.length; i++)
        {
            if (lines[i].contains(" " + path.getParent() + "/"))
            {
                final StringBuilder entry = new StringBuilder(lines[i]);
                for (int j = i + 1; j < lines.length && lines[j].contains(":") && !lines[j].matches("^[0-9a-f]+-.*");
                    j++)
                {
                    entry.append('\n').append(lines[j]);
                }
                entries.add(entry.toString());
            }
        }
        return entries;
    }

    /** @return the kB value of an smaps field. */
    private static long field(final String mapping, final String name)
    {
        for (final String line : mapping.split("\n"))
        {
            if (line.startsWith(name + ":"))
            {
                return Long.parseLong(line.substring(name.length() + 1).replace("kB", "").trim());
            }
        }
        throw new AssertionError("no " + name + " in " + mapping);
    }

    /** Files.readString stops after the first byte of a procfs file (it reports size 0): read lines. */
    private static long readLong(final Path file) throws IOException
    {
        return Long.parseLong(Files.readAllLines(file).get(0).trim());
    }

    private static String run(final String... command) throws IOException, InterruptedException
    {
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertTrue(process.waitFor(30, TimeUnit.SECONDS));
        return process.exitValue() + " " + output;
    }
}
