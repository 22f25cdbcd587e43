package dev.shmstreams.transport.it;

import dev.shmstreams.transport.ChannelSettings;
import dev.shmstreams.transport.ShmProducer;
import dev.shmstreams.transport.WaitStrategy;
import dev.shmstreams.transport.test.ShmTestDirectory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * What the cross-process tests share: one description of a channel for both the test JVM and the
 * children's arguments, a sender for a producer living in the test JVM, and the cleanup assertions.
 *
 * <p>Timeouts are generous on purpose: these tests run on two cores shared with other builds, and
 * a child JVM may take seconds to start. They bound how long a broken test hangs; they never
 * assert speed.
 */
final class Peers
{
    /** Starting a child JVM and reaching its first line. */
    static final Duration STARTUP = Duration.ofSeconds(60);
    /** Moving 100,000 frames between two processes, or draining what is left after a kill. */
    static final Duration TRANSFER = Duration.ofSeconds(90);
    /** A side noticing its peer died: the liveness interval plus a generous margin. */
    static final Duration DETECTION = Duration.ofSeconds(20);
    /** How often each side checks its peer's lock while waiting; short so detection is quick. */
    static final Duration LIVENESS_INTERVAL = Duration.ofMillis(200);

    private Peers()
    {
    }

    /**
     * @return settings for a test JVM side, and what {@link #args} passes to a child.
     */
    static ChannelSettings settings(final Path dir, final String channel, final int slots, final int slotSize)
    {
        return ChannelSettings.create(channel)
            .withDirectory(dir)
            .withSlotCount(slots)
            .withSlotSize(slotSize)
            .withWaitStrategy(WaitStrategy.BLOCKING)
            .withLivenessInterval(LIVENESS_INTERVAL)
            .withAttachTimeout(STARTUP);
    }

    /**
     * @param settings the channel, as {@link #settings} made it.
     * @param seed     the frame pattern's seed.
     * @param extra    further {@code key=value} arguments.
     * @return arguments for {@link ProducerProcess} or {@link ConsumerProcess}.
     */
    static List<String> args(final ChannelSettings settings, final long seed, final String... extra)
    {
        final List<String> args = new ArrayList<>(List.of(
            "dir=" + settings.directory(),
            "channel=" + settings.name(),
            "slots=" + settings.slotCount(),
            "slotSize=" + settings.slotSize(),
            "wait=" + settings.waitStrategy(),
            "livenessMs=" + settings.livenessInterval().toMillis(),
            "attachTimeoutMs=" + settings.attachTimeout().toMillis(),
            "seed=" + seed));
        args.addAll(List.of(extra));
        return args;
    }

    /** @return a child name unique to the test: class, test and role, for messages and log files. */
    static String childName(final Class<?> test, final String testName, final String role)
    {
        return test.getSimpleName() + "." + testName + "." + role;
    }

    /**
     * Send {@link FramePattern} frames from a producer in the test JVM until {@code end} was
     * claimed and committed, waiting (blocking strategy) whenever the ring is full.
     */
    static void sendUntil(final ShmProducer producer, final long seed, final long end, final Duration timeout)
    {
        final int maxLength = producer.settings().slotSize();
        final CRC32C crc = new CRC32C();
        final byte[] scratch = new byte[maxLength];
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (producer.nextSequence() < end)
        {
            final long sequence = producer.tryClaim();
            if (sequence >= 0)
            {
                producer.commit(sequence, FramePattern.write(producer.frame(sequence), seed, maxLength, crc, scratch));
            }
            else if (sequence == ShmProducer.RING_FULL)
            {
                if (System.nanoTime() - deadline >= 0)
                {
                    fail("ring still full after " + timeout.toMillis() + " ms: published " + producer.published() +
                        " of " + end + ", consumer " + producer.consumerState());
                }
                producer.awaitSpace(TimeUnit.MILLISECONDS.toNanos(200));
            }
            else
            {
                fail("tryClaim returned " + sequence + " at " + producer.nextSequence() + ", consumer " +
                    producer.consumerState());
            }
        }
    }

    /** @return the inode the path names now (not following links): tells a re-created segment from the old one. */
    static Object inode(final Path path)
    {
        try
        {
            return Files.getAttribute(path, "unix:ino", LinkOption.NOFOLLOW_LINKS);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("no file at " + path, ex);
        }
    }

    /** The library removed the segment, and nothing else (no creation temporary) is left in the directory. */
    static void assertSegmentRemoved(final ChannelSettings settings)
    {
        assertFalse(Files.exists(settings.path()), "segment " + settings.path() + " is still there after both " +
            "sides are gone: the last one out must unlink it");
        assertEquals(List.of(), ShmTestDirectory.leftovers(settings.directory()), "files left in the test directory");
    }
}
