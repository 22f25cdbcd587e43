package dev.shmstreams.transport;

import dev.shmstreams.transport.test.ShmTestDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static dev.shmstreams.transport.test.ShmTestDirectory.leftovers;
import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Creation, access rules and cleanup of segment files: who may create, open and remove them.
 */
@ExtendWith(ShmTestDirectory.class)
class SegmentHygieneTest
{
    private static ChannelSettings settings(final Path dir)
    {
        return ChannelSettings.create("hygiene").withDirectory(dir).withSlotCount(4).withSlotSize(4096)
            .withAttachTimeout(Duration.ofMillis(300));
    }

    @Test
    void aSegmentIsCreatedOwnerOnlyWithItsGeometryAndNoTemporaryLeft(final Path dir) throws IOException
    {
        try (ShmProducer producer = ShmProducer.create(settings(dir).withSlotSize(12_441_600).withMetadata("video/nv12")))
        {
            final Path file = dir.resolve("hygiene");
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
            assertEquals(List.of("hygiene"), leftovers(dir), "no creation temporary left");
            assertEquals(12_443_648, producer.layout().slotSize(), "slot rounded up to the page");
            assertEquals(0, producer.layout().dataOffset() % 4096, "slots page-aligned");
            assertEquals(producer.layout().segmentLength(), Files.size(file));
        }
        assertEquals(List.of(), leftovers(dir), "producer alone unlinks on close");
    }

    @Test
    void aGroupModeIsAnOptionAndWorldAccessIsRefusedAtCreation(final Path dir) throws IOException
    {
        try (ShmProducer ignored = ShmProducer.create(settings(dir).withMode(0640)))
        {
            assertEquals("rw-r-----",
                PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("hygiene"))));
        }
        for (final int mode : new int[] { 0666, 0644, 0604, 0700, 0400 })
        {
            final SegmentPermissionException error =
                assertThrows(SegmentPermissionException.class, () -> ShmProducer.create(settings(dir).withMode(mode)));
            assertTrue(error.getMessage().contains("0" + Integer.toOctalString(mode)), error.getMessage());
        }
        assertEquals(List.of(), leftovers(dir));
    }

    @Test
    void aSecondProducerGetsAClearErrorAndTheFirstKeepsItsChannel(final Path dir)
    {
        try (ShmProducer first = ShmProducer.create(settings(dir)))
        {
            final ChannelInUseException error =
                assertThrows(ChannelInUseException.class, () -> ShmProducer.create(settings(dir)));
            assertTrue(error.getMessage().contains("live producer (pid " + ProcessHandle.current().pid() + ")"),
                error.getMessage());
            assertTrue(first.tryClaim() >= 0, "the first producer is unaffected");
            assertEquals(List.of("hygiene"), leftovers(dir));
        }
    }

    @Test
    void exactlyOneOfManyRacingProducersWins(final Path dir) throws Exception
    {
        final int racers = 8;
        final ExecutorService pool = Executors.newFixedThreadPool(racers);
        final CountDownLatch start = new CountDownLatch(1);
        final List<Future<ShmProducer>> results = new ArrayList<>();
        for (int i = 0; i < racers; i++)
        {
            results.add(pool.submit(() ->
            {
                start.await();
                return ShmProducer.create(settings(dir));
            }));
        }
        start.countDown();
        final List<ShmProducer> winners = new ArrayList<>();
        int losers = 0;
        for (final Future<ShmProducer> result : results)
        {
            try
            {
                winners.add(result.get());
            }
            catch (final java.util.concurrent.ExecutionException ex)
            {
                assertInstanceOf(ChannelInUseException.class, ex.getCause());
                losers++;
            }
        }
        pool.shutdown();
        assertEquals(1, winners.size(), "exactly one producer wins");
        assertEquals(racers - 1, losers);
        assertEquals(List.of("hygiene"), leftovers(dir), "losers leave no temporaries");
        winners.get(0).close();
        assertEquals(List.of(), leftovers(dir));
    }

    @Test
    void aStaleSegmentOfAGoneProducerIsSweptWhileItsConsumerKeepsReading(final Path dir)
    {
        final ShmProducer old = ShmProducer.create(settings(dir));
        final ShmConsumer oldConsumer = ShmConsumer.attach(settings(dir));
        final long seq = old.tryClaim();
        old.frame(seq).buffer().putInt(0, 11);
        old.commit(seq, 4);
        old.complete();
        old.close();
        assertEquals(List.of("hygiene"), leftovers(dir), "a consumer is attached: the producer leaves the file");

        try (ShmProducer fresh = ShmProducer.create(settings(dir)))
        {
            assertEquals(0, fresh.nextSequence(), "a new segment");
            assertEquals(seq, oldConsumer.poll(), "the old consumer still reads its mapping");
            assertEquals(11, oldConsumer.frame(seq).buffer().getInt(0));
            oldConsumer.release(seq);
            assertEquals(ShmConsumer.END_OF_STREAM, oldConsumer.poll());
            oldConsumer.close();
            assertEquals(List.of("hygiene"), leftovers(dir), "the old consumer must not unlink the new segment");
        }
        assertEquals(List.of(), leftovers(dir));
    }

    @Test
    void theLastSideOutUnlinksWhicheverItIs(final Path dir)
    {
        ShmProducer producer = ShmProducer.create(settings(dir));
        ShmConsumer consumer = ShmConsumer.attach(settings(dir));
        consumer.close();
        assertEquals(List.of("hygiene"), leftovers(dir));
        producer.close();
        assertEquals(List.of(), leftovers(dir));

        producer = ShmProducer.create(settings(dir));
        consumer = ShmConsumer.attach(settings(dir));
        producer.complete();
        producer.close();
        assertEquals(List.of("hygiene"), leftovers(dir));
        assertEquals(ShmConsumer.END_OF_STREAM, consumer.poll());
        consumer.close();
        assertEquals(List.of(), leftovers(dir));
    }

    @Test
    void aSymlinkAtThePathIsRefusedByBothSidesAndLeftAlone(final Path dir) throws IOException
    {
        final Path target = dir.resolve("victim");
        Files.writeString(target, "do not touch");
        Files.createSymbolicLink(dir.resolve("hygiene"), target);

        final SegmentPermissionException producerError =
            assertThrows(SegmentPermissionException.class, () -> ShmProducer.create(settings(dir)));
        assertTrue(producerError.getMessage().contains("symlink"), producerError.getMessage());
        final SegmentPermissionException consumerError =
            assertThrows(SegmentPermissionException.class, () -> ShmConsumer.attach(settings(dir)));
        assertTrue(consumerError.getMessage().contains("symlink"), consumerError.getMessage());

        assertTrue(Files.isSymbolicLink(dir.resolve("hygiene")));
        assertEquals("do not touch", Files.readString(target));
        assertEquals(List.of("hygiene", "victim"), leftovers(dir));
    }

    @Test
    void aForeignFileIsNeitherAttachedNorReplaced(final Path dir) throws IOException
    {
        final Path file = dir.resolve("hygiene");
        Files.write(file, new byte[8192]);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));

        final ForeignSegmentException consumerError =
            assertThrows(ForeignSegmentException.class, () -> ShmConsumer.attach(settings(dir)));
        assertTrue(consumerError.getMessage().contains("expected magic"), consumerError.getMessage());
        final ForeignSegmentException producerError =
            assertThrows(ForeignSegmentException.class, () -> ShmProducer.create(settings(dir)));
        assertTrue(producerError.getMessage().contains("left untouched"), producerError.getMessage());
        assertEquals(8192, Files.size(file));
        assertEquals(List.of("hygiene"), leftovers(dir));
    }

    @Test
    void aWorldAccessibleSegmentIsRefused(final Path dir) throws IOException
    {
        try (ShmProducer ignored = ShmProducer.create(settings(dir)))
        {
            Files.setPosixFilePermissions(dir.resolve("hygiene"), PosixFilePermissions.fromString("rw-rw-rw-"));
            final SegmentPermissionException error =
                assertThrows(SegmentPermissionException.class, () -> ShmConsumer.attach(settings(dir)));
            assertTrue(error.getMessage().contains("0666"), error.getMessage());
        }
    }

    @Test
    void aSegmentOwnedByAnotherUserIsRefusedUnlessTrusted(final Path dir) throws IOException
    {
        assumeTrue("root".equals(System.getProperty("user.name")), "chown needs root");
        try (ShmProducer ignored = ShmProducer.create(settings(dir)))
        {
            final Path file = dir.resolve("hygiene");
            final UserPrincipal nobody = file.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
            Files.setOwner(file, nobody);
            final int uid = (Integer)Files.getAttribute(file, "unix:uid", LinkOption.NOFOLLOW_LINKS);

            final SegmentPermissionException error =
                assertThrows(SegmentPermissionException.class, () -> ShmConsumer.attach(settings(dir)));
            assertTrue(error.getMessage().contains("owned by uid " + uid), error.getMessage());
            assertThrows(SegmentPermissionException.class, () -> ShmProducer.create(settings(dir).withName("hygiene")),
                "a producer does not sweep another user's file either");

            try (ShmConsumer trusted = ShmConsumer.attach(settings(dir).withTrustedOwners(java.util.Set.of(uid))))
            {
                assertEquals(ShmConsumer.EMPTY, trusted.poll());
            }
        }
    }

    @Test
    void aSegmentLargerThanTheFreeSpaceFailsAtCreationAndLeavesNothing(final Path dir) throws java.io.IOException
    {
        // at least twice the free space, whatever this host's /dev/shm holds: 1 GiB slots, a power of two of them
        final long freeGiB = Files.getFileStore(dir).getUsableSpace() >> 30;
        final int slots = Integer.highestOneBit((int)Math.min(freeGiB + 1, 1 << 15)) * 2;
        final InsufficientSpaceException error = assertThrows(InsufficientSpaceException.class,
            () -> ShmProducer.create(settings(dir).withSlotCount(slots).withSlotSize(1 << 30)));
        assertTrue(error.getMessage().contains("no space for channel"), error.getMessage());
        assertTrue(error.getMessage().contains("free"), error.getMessage());
        assertEquals(List.of(), leftovers(dir));
    }

    @Test
    void aMissingChannelTimesOutWithAClearError(final Path dir)
    {
        final ChannelNotFoundException error =
            assertThrows(ChannelNotFoundException.class, () -> ShmConsumer.attach(settings(dir)));
        assertTrue(error.getMessage().contains("hygiene") && error.getMessage().contains("300 ms"), error.getMessage());
    }

    @Test
    void aSecondConsumerIsRefusedWhileTheFirstIsAttached(final Path dir)
    {
        try (ShmProducer ignored = ShmProducer.create(settings(dir));
             ShmConsumer first = ShmConsumer.attach(settings(dir)))
        {
            final ChannelInUseException error =
                assertThrows(ChannelInUseException.class, () -> ShmConsumer.attach(settings(dir)));
            assertTrue(error.getMessage().contains("live consumer"), error.getMessage());
            assertEquals(ShmConsumer.EMPTY, first.poll());
        }
    }

    /** A participant stopped in the middle of its own detach holds the cleanup lock: ours gives up, bounded. */
    @Test
    void detachingDoesNotHangOnAHeldCleanupLock(final Path dir) throws Exception
    {
        final ShmProducer producer = ShmProducer.create(settings(dir));
        try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(dir.resolve("hygiene"),
                java.nio.file.StandardOpenOption.READ, java.nio.file.StandardOpenOption.WRITE);
             java.nio.channels.FileLock cleanup = channel.lock(63, 1, false))
        {
            final long start = System.nanoTime();
            producer.close();
            final long tookMs = (System.nanoTime() - start) / 1_000_000;
            assertTrue(tookMs < 30_000, "close returned (after " + tookMs + " ms)");
            assertTrue(cleanup.isValid());
            assertEquals(List.of("hygiene"), leftovers(dir), "without the cleanup lock the file is left");
        }
        assertEquals(List.of(dir.resolve("hygiene")), StaleSegments.sweep(dir), "and the sweep removes it");
        assertEquals(List.of(), leftovers(dir));
    }

    @Test
    void staleSegmentsAreSweptAndNothingElse(final Path dir) throws IOException
    {
        try (ShmProducer live = ShmProducer.create(settings(dir)))
        {
            final Path segment = dir.resolve("hygiene");
            Files.copy(segment, dir.resolve("stale"));                       // a copy: nobody holds its locks
            Files.copy(segment, dir.resolve(".crashed.123.1.creating"));     // a dead creator's temporary
            Files.write(dir.resolve("foreign"), new byte[8192]);
            Files.setPosixFilePermissions(dir.resolve("foreign"), PosixFilePermissions.fromString("rw-------"));
            Files.createSymbolicLink(dir.resolve("link"), segment);

            final List<Path> removed = StaleSegments.sweep(dir);
            assertEquals(List.of(dir.resolve(".crashed.123.1.creating"), dir.resolve("stale")),
                removed.stream().sorted().collect(java.util.stream.Collectors.toList()));
            assertEquals(List.of("foreign", "hygiene", "link"), leftovers(dir));
            assertTrue(live.tryClaim() >= 0, "the live segment is untouched");
        }
    }

    @Test
    void badNamesAreRejectedBeforeTouchingTheFileSystem()
    {
        for (final String name : new String[] { "", ".hidden", "-x", "a/b", "../etc", "a b", "x".repeat(201) })
        {
            assertThrows(IllegalArgumentException.class, () -> ChannelSettings.create(name), name);
        }
    }

    @Test
    void hugePagesFallBackWithAReasonWhenTheSystemHasNone(final Path dir)
    {
        try (ShmProducer producer = ShmProducer.create(settings(dir).withHugePages(true).withMlock(true)))
        {
            final String notes = String.join("\n", producer.memoryNotes());
            final boolean thpAvailable = !notes.contains("not available");
            if (!thpAvailable)
            {
                assertTrue(notes.contains("huge=") || notes.contains("shmem transparent huge pages"), notes);
                assertEquals(4096, producer.layout().slotAlignment(), "fell back to 4 KiB alignment");
            }
            assertTrue(notes.contains("mlock"), "mlock outcome reported: " + notes);
            final long seq = producer.tryClaim();
            producer.commit(seq, 1);
        }
    }
}
