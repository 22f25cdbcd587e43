package dev.shmstreams.transport;

import dev.shmstreams.transport.internal.SegmentFile;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;

/**
 * Immutable settings of one channel end. Every {@code withX} returns a copy.
 *
 * <p>Producer-only: slot count and size, mode, metadata, mlock, huge pages. Consumer-only:
 * attach timeout, expected geometry, trusted owners. Both: directory, name, wait strategy and
 * the liveness timings.
 */
public final class ChannelSettings
{
    public static final Path DEFAULT_DIRECTORY = Path.of("/dev/shm");

    private final String name;
    private final Path directory;
    private final int slotCount;
    private final int slotSize;
    private final int mode;
    private final String metadata;
    private final WaitStrategy waitStrategy;
    private final int spinsBeforeBlocking;
    private final boolean mlock;
    private final boolean hugePages;
    private final Duration heartbeatInterval;
    private final Duration stallTimeout;
    private final Duration livenessInterval;
    private final Duration attachTimeout;
    private final int expectedSlotCount;
    private final int expectedSlotSize;
    private final Set<Integer> trustedOwners;
    private final boolean dropOldestUnread;

    private ChannelSettings(
        final String name,
        final Path directory,
        final int slotCount,
        final int slotSize,
        final int mode,
        final String metadata,
        final WaitStrategy waitStrategy,
        final int spinsBeforeBlocking,
        final boolean mlock,
        final boolean hugePages,
        final Duration heartbeatInterval,
        final Duration stallTimeout,
        final Duration livenessInterval,
        final Duration attachTimeout,
        final int expectedSlotCount,
        final int expectedSlotSize,
        final Set<Integer> trustedOwners,
        final boolean dropOldestUnread)
    {
        this.name = name;
        this.directory = directory;
        this.slotCount = slotCount;
        this.slotSize = slotSize;
        this.mode = mode;
        this.metadata = metadata;
        this.waitStrategy = waitStrategy;
        this.spinsBeforeBlocking = spinsBeforeBlocking;
        this.mlock = mlock;
        this.hugePages = hugePages;
        this.heartbeatInterval = heartbeatInterval;
        this.stallTimeout = stallTimeout;
        this.livenessInterval = livenessInterval;
        this.attachTimeout = attachTimeout;
        this.expectedSlotCount = expectedSlotCount;
        this.expectedSlotSize = expectedSlotSize;
        this.trustedOwners = trustedOwners;
        this.dropOldestUnread = dropOldestUnread;
    }

    /**
     * Defaults: /dev/shm, 8 slots of 1 MiB, mode 0600, blocking waits, heartbeat every 100 ms,
     * stall after 3 s, liveness checked every 100 ms, consumers wait 10 s for the segment.
     *
     * @param name the channel name, also the file name in the directory.
     * @return settings.
     */
    public static ChannelSettings create(final String name)
    {
        SegmentFile.checkName(name);
        return new ChannelSettings(name, DEFAULT_DIRECTORY, 8, 1 << 20, 0600, "", WaitStrategy.BLOCKING, 200,
            false, false, Duration.ofMillis(100), Duration.ofSeconds(3), Duration.ofMillis(100), Duration.ofSeconds(10),
            0, 0, Set.of(), false);
    }

    public String name()
    {
        return name;
    }

    public Path directory()
    {
        return directory;
    }

    public Path path()
    {
        return directory.resolve(name);
    }

    public int slotCount()
    {
        return slotCount;
    }

    /** The largest frame, in bytes; the slot is this rounded up to the page (or huge page) size, or to 128 bytes under a page. */
    public int slotSize()
    {
        return slotSize;
    }

    public int mode()
    {
        return mode;
    }

    public String metadata()
    {
        return metadata;
    }

    public WaitStrategy waitStrategy()
    {
        return waitStrategy;
    }

    public int spinsBeforeBlocking()
    {
        return spinsBeforeBlocking;
    }

    public boolean mlock()
    {
        return mlock;
    }

    public boolean hugePages()
    {
        return hugePages;
    }

    public Duration heartbeatInterval()
    {
        return heartbeatInterval;
    }

    public Duration stallTimeout()
    {
        return stallTimeout;
    }

    public Duration livenessInterval()
    {
        return livenessInterval;
    }

    public Duration attachTimeout()
    {
        return attachTimeout;
    }

    public int expectedSlotCount()
    {
        return expectedSlotCount;
    }

    public int expectedSlotSize()
    {
        return expectedSlotSize;
    }

    public Set<Integer> trustedOwners()
    {
        return trustedOwners;
    }

    public boolean dropOldestUnread()
    {
        return dropOldestUnread;
    }

    /**
     * Producer: when the ring is full, drop the oldest frame the consumer has not started reading
     * (live video: the consumer always gets the freshest frames). Frames it already polled are never
     * dropped; if the oldest frame is held, claims report {@link ShmProducer#RING_FULL} as usual.
     * Costs the consumer one compare-and-set per frame.
     */
    public ChannelSettings withDropOldestUnread(final boolean dropOldestUnread)
    {
        return new ChannelSettings(name, directory, slotCount, slotSize, mode, metadata, waitStrategy,
            spinsBeforeBlocking, mlock, hugePages, heartbeatInterval, stallTimeout, livenessInterval, attachTimeout,
            expectedSlotCount, expectedSlotSize, trustedOwners, dropOldestUnread);
    }

    public ChannelSettings withName(final String name)
    {
        SegmentFile.checkName(name);
        return copy(name, directory, slotCount, slotSize, mode, metadata, waitStrategy, spinsBeforeBlocking, mlock,
            hugePages, heartbeatInterval, stallTimeout, livenessInterval, attachTimeout, expectedSlotCount,
            expectedSlotSize, trustedOwners);
    }

    public ChannelSettings withDirectory(final Path directory)
    {
        return copy(name, Objects.requireNonNull(directory, "directory"), slotCount, slotSize, mode, metadata,
            waitStrategy, spinsBeforeBlocking, mlock, hugePages, heartbeatInterval, stallTimeout, livenessInterval,
            attachTimeout, expectedSlotCount, expectedSlotSize, trustedOwners);
    }

    /** @param slotCount a power of two, 1 .. 65536. */
    public ChannelSettings withSlotCount(final int slotCount)
    {
        return copy(name, directory, slotCount, slotSize, mode, metadata, waitStrategy, spinsBeforeBlocking, mlock,
            hugePages, heartbeatInterval, stallTimeout, livenessInterval, attachTimeout, expectedSlotCount,
            expectedSlotSize, trustedOwners);
    }

    /** @param slotSize the largest frame in bytes, 1 .. 1 GiB; rounded up to the page size (to 128 bytes under a page). */
    public ChannelSettings withSlotSize(final int slotSize)
    {
        return copy(name, directory, slotCount, slotSize, mode, metadata, waitStrategy, spinsBeforeBlocking, mlock,
            hugePages, heartbeatInterval, stallTimeout, livenessInterval, attachTimeout, expectedSlotCount,
            expectedSlotSize, trustedOwners);
    }

    /** @param mode 0600 (default), 0640 or 0660; anything granting other users access is refused. */
    public ChannelSettings withMode(final int mode)
    {
        return copy(name, directory, slotCount, slotSize, mode, metadata, waitStrategy, spinsBeforeBlocking, mlock,
            hugePages, heartbeatInterval, stallTimeout, livenessInterval, attachTimeout, expectedSlotCount,
            expectedSlotSize, trustedOwners);
    }

    /** @param metadata free text stored in the header (e.g. a content type), at most 380 UTF-8 bytes. */
    public ChannelSettings withMetadata(final String metadata)
    {
        return copy(name, directory, slotCount, slotSize, mode, Objects.requireNonNull(metadata, "metadata"),
            waitStrategy, spinsBeforeBlocking, mlock, hugePages, heartbeatInterval, stallTimeout, livenessInterval,
            attachTimeout, expectedSlotCount, expectedSlotSize, trustedOwners);
    }

    public ChannelSettings withWaitStrategy(final WaitStrategy waitStrategy)
    {
        return copy(name, directory, slotCount, slotSize, mode, metadata,
            Objects.requireNonNull(waitStrategy, "waitStrategy"), spinsBeforeBlocking, mlock, hugePages,
            heartbeatInterval, stallTimeout, livenessInterval, attachTimeout, expectedSlotCount, expectedSlotSize,
            trustedOwners);
    }

    /** @param spins busy-spin iterations a {@link WaitStrategy#BLOCKING} wait tries before sleeping. */
    public ChannelSettings withSpinsBeforeBlocking(final int spins)
    {
        return copy(name, directory, slotCount, slotSize, mode, metadata, waitStrategy, spins, mlock, hugePages,
            heartbeatInterval, stallTimeout, livenessInterval, attachTimeout, expectedSlotCount, expectedSlotSize,
            trustedOwners);
    }

    /** @param mlock try to lock the segment in memory; falls back with a logged reason when refused. */
    public ChannelSettings withMlock(final boolean mlock)
    {
        return copy(name, directory, slotCount, slotSize, mode, metadata, waitStrategy, spinsBeforeBlocking, mlock,
            hugePages, heartbeatInterval, stallTimeout, livenessInterval, attachTimeout, expectedSlotCount,
            expectedSlotSize, trustedOwners);
    }

    /**
     * @param hugePages use huge pages: explicit when the directory is a hugetlbfs mount, transparent
     *                  (madvise) on tmpfs when the kernel allows shmem THP; otherwise falls back to
     *                  4 KiB pages with a logged reason.
     */
    public ChannelSettings withHugePages(final boolean hugePages)
    {
        return copy(name, directory, slotCount, slotSize, mode, metadata, waitStrategy, spinsBeforeBlocking, mlock,
            hugePages, heartbeatInterval, stallTimeout, livenessInterval, attachTimeout, expectedSlotCount,
            expectedSlotSize, trustedOwners);
    }

    public ChannelSettings withHeartbeatInterval(final Duration interval)
    {
        return copy(name, directory, slotCount, slotSize, mode, metadata, waitStrategy, spinsBeforeBlocking, mlock,
            hugePages, positive(interval, "heartbeatInterval"), stallTimeout, livenessInterval, attachTimeout,
            expectedSlotCount, expectedSlotSize, trustedOwners);
    }

    /** @param timeout a peer whose heartbeat is older than this is reported {@link PeerState#STALLED}. */
    public ChannelSettings withStallTimeout(final Duration timeout)
    {
        return copy(name, directory, slotCount, slotSize, mode, metadata, waitStrategy, spinsBeforeBlocking, mlock,
            hugePages, heartbeatInterval, positive(timeout, "stallTimeout"), livenessInterval, attachTimeout,
            expectedSlotCount, expectedSlotSize, trustedOwners);
    }

    /** @param interval how often waits and polls on an empty ring check that the peer's lock is held. */
    public ChannelSettings withLivenessInterval(final Duration interval)
    {
        return copy(name, directory, slotCount, slotSize, mode, metadata, waitStrategy, spinsBeforeBlocking, mlock,
            hugePages, heartbeatInterval, stallTimeout, positive(interval, "livenessInterval"), attachTimeout,
            expectedSlotCount, expectedSlotSize, trustedOwners);
    }

    /** @param timeout how long a consumer waits for the segment to appear. */
    public ChannelSettings withAttachTimeout(final Duration timeout)
    {
        return copy(name, directory, slotCount, slotSize, mode, metadata, waitStrategy, spinsBeforeBlocking, mlock,
            hugePages, heartbeatInterval, stallTimeout, livenessInterval, Objects.requireNonNull(timeout, "timeout"),
            expectedSlotCount, expectedSlotSize, trustedOwners);
    }

    /**
     * A consumer refuses a segment whose geometry differs from these (0 = accept any).
     *
     * @param slotCount expected slot count.
     * @param slotSize  expected largest frame (compared after rounding to the segment's alignment).
     */
    public ChannelSettings withExpectedGeometry(final int slotCount, final int slotSize)
    {
        return copy(name, directory, this.slotCount, this.slotSize, mode, metadata, waitStrategy, spinsBeforeBlocking,
            mlock, hugePages, heartbeatInterval, stallTimeout, livenessInterval, attachTimeout, slotCount, slotSize,
            trustedOwners);
    }

    /** @param uids owners besides this process's effective uid whose segments a consumer accepts. */
    public ChannelSettings withTrustedOwners(final Set<Integer> uids)
    {
        return copy(name, directory, slotCount, slotSize, mode, metadata, waitStrategy, spinsBeforeBlocking, mlock,
            hugePages, heartbeatInterval, stallTimeout, livenessInterval, attachTimeout, expectedSlotCount,
            expectedSlotSize, Set.copyOf(uids));
    }

    private static Duration positive(final Duration duration, final String what)
    {
        if (duration == null || duration.isNegative() || duration.isZero())
        {
            throw new IllegalArgumentException(what + " must be positive, was " + duration);
        }
        return duration;
    }

    private ChannelSettings copy(
        final String name,
        final Path directory,
        final int slotCount,
        final int slotSize,
        final int mode,
        final String metadata,
        final WaitStrategy waitStrategy,
        final int spinsBeforeBlocking,
        final boolean mlock,
        final boolean hugePages,
        final Duration heartbeatInterval,
        final Duration stallTimeout,
        final Duration livenessInterval,
        final Duration attachTimeout,
        final int expectedSlotCount,
        final int expectedSlotSize,
        final Set<Integer> trustedOwners)
    {
        return new ChannelSettings(name, directory, slotCount, slotSize, mode, metadata, waitStrategy,
            spinsBeforeBlocking, mlock, hugePages, heartbeatInterval, stallTimeout, livenessInterval, attachTimeout,
            expectedSlotCount, expectedSlotSize, trustedOwners, dropOldestUnread);
    }

    @Override
    public String toString()
    {
        return "ChannelSettings{name=" + name + ", directory=" + directory + ", slotCount=" + slotCount +
            ", slotSize=" + slotSize + ", mode=0" + Integer.toOctalString(mode) + ", metadata='" + metadata + '\'' +
            ", waitStrategy=" + waitStrategy + ", spinsBeforeBlocking=" + spinsBeforeBlocking + ", mlock=" + mlock +
            ", hugePages=" + hugePages + ", heartbeatInterval=" + heartbeatInterval + ", stallTimeout=" + stallTimeout +
            ", livenessInterval=" + livenessInterval + ", attachTimeout=" + attachTimeout +
            ", expectedSlotCount=" + expectedSlotCount + ", expectedSlotSize=" + expectedSlotSize +
            ", trustedOwners=" + trustedOwners + ", dropOldestUnread=" + dropOldestUnread + '}';
    }
}
