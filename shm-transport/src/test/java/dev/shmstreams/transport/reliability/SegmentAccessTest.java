package dev.shmstreams.transport.reliability;

import dev.shmstreams.transport.ChannelSettings;
import dev.shmstreams.transport.InsufficientSpaceException;
import dev.shmstreams.transport.SegmentPermissionException;
import dev.shmstreams.transport.ShmConsumer;
import dev.shmstreams.transport.ShmProducer;
import dev.shmstreams.transport.WritableFrame;
import dev.shmstreams.transport.test.ShmTestDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Segment access from the outside, beyond SegmentHygieneTest: what another (non-root) user can do
 * to a default segment, symlinks that point at a real segment or at nothing, and a tmpfs that
 * fills up while segments are being created.
 */
@ExtendWith(ShmTestDirectory.class)
class SegmentAccessTest
{
    private static final boolean ROOT = "root".equals(System.getProperty("user.name"));

    private static ChannelSettings settings(final Path dir)
    {
        return ChannelSettings.create("access").withDirectory(dir).withSlotCount(4).withSlotSize(4096)
            .withAttachTimeout(Duration.ofMillis(300));
    }

    /** Runs a shell command as the unprivileged user nobody; returns its exit code and output. */
    private static String asNobody(final String command) throws IOException, InterruptedException
    {
        final Process process = new ProcessBuilder("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--",
            "/bin/sh", "-c", command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertTrue(process.waitFor(30, TimeUnit.SECONDS));
        return process.exitValue() + " " + output;
    }

    @Test
    void anotherUserCanNeitherReadNorWriteNorTruncateADefaultSegment(final Path dir) throws Exception
    {
        assumeTrue(ROOT && Files.isExecutable(Path.of("/usr/bin/setpriv")), "needs root and setpriv to act as nobody");
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        try (ShmProducer producer = ShmProducer.create(settings(dir)))
        {
            final Path segment = dir.resolve("access");
            final long size = Files.size(segment);
            assertTrue(asNobody("id -u").startsWith("0 65534"), "really runs as nobody");
            for (final String attempt : new String[] {
                "cat '" + segment + "' > /dev/null", "printf x >> '" + segment + "'", "truncate -s 0 '" + segment + "'",
                "rm -f '" + segment + "'" })
            {
                final String result = asNobody(attempt);
                assertFalse(result.startsWith("0 "), "as nobody, '" + attempt + "' must fail: " + result);
                assertTrue(result.contains("ermission denied"), attempt + ": " + result);
            }
            assertEquals(size, Files.size(segment), "untouched");
            final long sequence = producer.tryClaim();
            producer.commit(sequence, 8);
        }
    }

    @Test
    void aSymlinkToAGenuineSegmentOrToNothingIsRefusedByBothSides(final Path dir) throws IOException
    {
        final Path elsewhere = Files.createDirectory(dir.resolve("elsewhere"));
        try (ShmProducer genuine = ShmProducer.create(settings(elsewhere)))
        {
            Files.createSymbolicLink(dir.resolve("access"), elsewhere.resolve("access"));
            final SegmentPermissionException consumer =
                assertThrows(SegmentPermissionException.class, () -> ShmConsumer.attach(settings(dir)));
            assertTrue(consumer.getMessage().contains("symlink"), consumer.getMessage());
            final SegmentPermissionException producer =
                assertThrows(SegmentPermissionException.class, () -> ShmProducer.create(settings(dir)));
            assertTrue(producer.getMessage().contains("symlink"), producer.getMessage());
            assertTrue(genuine.tryClaim() >= 0, "the genuine segment is untouched");
        }
        Files.delete(dir.resolve("access"));
        Files.createSymbolicLink(dir.resolve("access"), dir.resolve("nothing-here"));
        assertThrows(SegmentPermissionException.class, () -> ShmConsumer.attach(settings(dir)));
        assertThrows(SegmentPermissionException.class, () -> ShmProducer.create(settings(dir)));
        assertTrue(Files.isSymbolicLink(dir.resolve("access")), "a dangling symlink is left alone");
        assertFalse(Files.exists(dir.resolve("nothing-here")), "and nothing is created through it");
    }

    /**
     * A 4 MiB tmpfs and eight producers creating 1 MiB channels at once: each either gets a segment
     * whose every page is really there (written end to end: no SIGBUS later) or a clear
     * InsufficientSpaceException at creation, from the free-space check or from posix_fallocate when
     * another creator took the space in between; no temporary is left behind.
     */
    @Test
    void aFullTmpfsIsAClearErrorAtCreationNeverASigbusLater(final Path dir) throws Exception
    {
        assumeTrue(ROOT, "mounting a small tmpfs needs root");
        final Path mount = Files.createDirectory(dir.resolve("small"));
        final Process mounted = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=4m,mode=0700", "tmpfs",
            mount.toString()).redirectErrorStream(true).start();
        final String output = new String(mounted.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assumeTrue(mounted.waitFor() == 0, "mount refused here: " + output);
        final ExecutorService pool = Executors.newFixedThreadPool(8);
        final List<ShmProducer> created = new ArrayList<>();
        try
        {
            final CountDownLatch start = new CountDownLatch(1);
            final List<Future<ShmProducer>> results = new ArrayList<>();
            for (int i = 0; i < 8; i++)
            {
                final String name = "full-" + i;
                results.add(pool.submit(() ->
                {
                    start.await();
                    return ShmProducer.create(ChannelSettings.create(name).withDirectory(mount).withSlotCount(4)
                        .withSlotSize(256 * 1024));
                }));
            }
            start.countDown();
            int refused = 0;
            for (final Future<ShmProducer> result : results)
            {
                try
                {
                    created.add(result.get(60, TimeUnit.SECONDS));
                }
                catch (final java.util.concurrent.ExecutionException ex)
                {
                    assertInstanceOf(InsufficientSpaceException.class, ex.getCause());
                    assertTrue(ex.getCause().getMessage().contains("no space for channel"), ex.getCause().getMessage());
                    refused++;
                }
            }
            assertTrue(refused >= 5, "4 MiB hold at most three 1 MiB channels: " + created.size() + " created");
            assertFalse(created.isEmpty(), "the first ones fit");
            for (final ShmProducer producer : created)
            {
                for (int i = 0; i < 4; i++)
                {
                    final long sequence = producer.tryClaim();
                    final WritableFrame frame = producer.frame(sequence);
                    frame.buffer().setMemory(0, frame.capacity(), (byte)7);
                    producer.commit(sequence, frame.capacity());
                }
                producer.close();
            }
            assertEquals(List.of(), ShmTestDirectory.leftovers(mount), "no segment, no creation temporary left");
        }
        finally
        {
            // a failed assertion above must not leave the mount busy (and in /dev/shm): close what was
            // created, including producers a timed-out future delivers late, then unmount
            pool.shutdownNow();
            pool.awaitTermination(30, TimeUnit.SECONDS);
            created.forEach(ShmProducer::close);
            if (new ProcessBuilder("umount", mount.toString()).inheritIO().start().waitFor() != 0)
            {
                new ProcessBuilder("umount", "-l", mount.toString()).inheritIO().start().waitFor();
            }
        }
    }
}
