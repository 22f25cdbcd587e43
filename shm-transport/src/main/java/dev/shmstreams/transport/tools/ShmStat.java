package dev.shmstreams.transport.tools;

import dev.shmstreams.transport.ChannelSettings;
import dev.shmstreams.transport.PeerState;
import dev.shmstreams.transport.ShmException;
import dev.shmstreams.transport.internal.AgronaGuard;
import dev.shmstreams.transport.internal.SegmentFile;
import dev.shmstreams.transport.layout.SegmentLayout;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static dev.shmstreams.transport.layout.HeaderDescriptor.*;
import static dev.shmstreams.transport.layout.ParticipantDescriptor.*;

/**
 * Prints every channel in a directory: header, peers (with liveness from their file locks),
 * sequences, occupancy and counters. Maps segments read-only and takes no lock, so it can watch
 * live channels without disturbing them; a file that fails a check is listed with the reason.
 *
 * <pre>
 *   shm-stat [--dir DIR] [--watch SECONDS] [CHANNEL...]
 * </pre>
 */
public final class ShmStat
{
    private static final String USAGE = "usage: shm-stat [--dir DIR] [--watch SECONDS] [CHANNEL...]\n" +
        "  Lists shm-streams channels in DIR (default /dev/shm) with their peers, sequences and counters.\n" +
        "  --watch N  repeat every N seconds until interrupted";

    /** The default stall timeout of {@link ChannelSettings}. */
    private static final double STALL_SECONDS = 3.0;

    private ShmStat()
    {
    }

    public static void main(final String[] args) throws InterruptedException
    {
        Path dir = ChannelSettings.DEFAULT_DIRECTORY;
        double watch = 0;
        final List<String> names = new ArrayList<>();
        for (int i = 0; i < args.length; i++)
        {
            switch (args[i])
            {
                case "--dir":
                    dir = Path.of(requireValue(args, ++i, "--dir"));
                    break;
                case "--watch":
                    watch = Double.parseDouble(requireValue(args, ++i, "--watch"));
                    break;
                case "-h":
                case "--help":
                    System.out.println(USAGE);
                    return;
                default:
                    if (args[i].startsWith("-"))
                    {
                        System.err.println("shm-stat: unknown option " + args[i] + "\n" + USAGE);
                        System.exit(2);
                    }
                    names.add(args[i]);
            }
        }
        AgronaGuard.ensureUsable();
        do
        {
            final int found = print(dir, names, System.out);
            if (found == 0)
            {
                System.out.println("no shm-streams channels in " + dir);
            }
            if (watch > 0)
            {
                Thread.sleep((long)(watch * 1000));
                System.out.println();
            }
        }
        while (watch > 0);
    }

    private static String requireValue(final String[] args, final int index, final String option)
    {
        if (index >= args.length)
        {
            System.err.println("shm-stat: " + option + " needs a value\n" + USAGE);
            System.exit(2);
        }
        return args[index];
    }

    /**
     * @param dir   directory to scan.
     * @param names channel names, or empty for every file.
     * @param out   where to print.
     * @return number of files reported.
     */
    public static int print(final Path dir, final List<String> names, final PrintStream out)
    {
        final List<String> files;
        if (names.isEmpty())
        {
            try (Stream<Path> list = Files.list(dir))
            {
                files = list.filter(Files::isRegularFile).map(p -> p.getFileName().toString())
                    .filter(n -> !n.startsWith(".")).sorted().collect(Collectors.toList());
            }
            catch (final IOException ex)
            {
                out.println("cannot list " + dir + ": " + ex);
                return 0;
            }
        }
        else
        {
            files = names;
        }
        int reported = 0;
        for (final String name : files)
        {
            reported += report(dir, name, out, !names.isEmpty()) ? 1 : 0;
        }
        return reported;
    }

    private static boolean report(final Path dir, final String name, final PrintStream out, final boolean explicit)
    {
        final SegmentFile.Opened opened;
        try
        {
            opened = SegmentFile.open(dir, name, Set.of(), false);
        }
        catch (final ShmException | IllegalArgumentException ex)
        {
            if (explicit || !(ex instanceof dev.shmstreams.transport.ForeignSegmentException))
            {
                out.println("channel " + name + "  " + dir.resolve(name) + "\n  not readable: " + ex.getMessage());
                return true;
            }
            return false;
        }
        if (opened == null)
        {
            out.println("channel " + name + "  " + dir.resolve(name) + "\n  no such channel");
            return explicit;
        }
        final SegmentFile file = opened.file();
        try
        {
            print(name, file, opened.layout(), out);
        }
        finally
        {
            file.closeQuietly();
        }
        return true;
    }

    private static void print(final String name, final SegmentFile file, final SegmentLayout layout, final PrintStream out)
    {
        final UnsafeBuffer header = new UnsafeBuffer(file.address(), layout.headerLength());
        final int metadataLength = header.getInt(METADATA_LENGTH_OFFSET);
        final String metadata = metadataLength >= 0 && metadataLength <= METADATA_MAX_BYTES ?
            header.getStringWithoutLengthUtf8(METADATA_TEXT_OFFSET, metadataLength) : "(corrupt length " + metadataLength + ")";
        out.printf("channel %s  %s  (%s, layout v%d, created %s by pid %d)%n", name, file.path(),
            SegmentFile.mib(layout.segmentLength()), header.getInt(VERSION_OFFSET),
            Instant.ofEpochMilli(header.getLong(CREATION_TIME_OFFSET)), header.getLong(CREATOR_PID_OFFSET));
        out.printf("  slots     %d x %d B (alignment %d), data at %d%s, metadata \"%s\"%n", layout.slotCount(),
            layout.slotSize(), layout.slotAlignment(), layout.dataOffset(),
            (header.getInt(SEGMENT_FLAGS_OFFSET) & FLAG_HUGETLBFS) != 0 ? ", hugetlbfs" : "", metadata);

        participant(out, "producer ", header, file, PRODUCER_BLOCK_OFFSET, PRODUCER_LOCK_BYTE, true);
        for (int i = 0; i < MAX_CONSUMERS; i++)
        {
            final int block = consumerBlockOffset(i);
            if (i == 0 || header.getIntVolatile(block + STATE_OFFSET) != STATE_EMPTY)
            {
                participant(out, "consumer" + i, header, file, block, roleLockByte(i), false);
            }
        }

        final long published = header.getLongVolatile(PUBLISHED_SEQUENCE_OFFSET);
        final long released = header.getLongVolatile(releasedSequenceOffset(0));
        final long occupancy = published - released;
        out.printf("  sequences published %d  released %d  occupancy %d/%d (%d%%)%s%n", published, released, occupancy,
            layout.slotCount(), occupancy * 100 / layout.slotCount(),
            occupancy < 0 || occupancy > layout.slotCount() ? "  IMPOSSIBLE: corrupt sequences" : "");
        out.printf("  waiters   producer %d  consumers %d%n", header.getIntVolatile(PRODUCER_WAITERS_OFFSET),
            header.getIntVolatile(CONSUMER_WAITERS_OFFSET));
    }

    private static void participant(
        final PrintStream out,
        final String label,
        final UnsafeBuffer header,
        final SegmentFile file,
        final int block,
        final long lockByte,
        final boolean producer)
    {
        final int state = header.getIntVolatile(block + STATE_OFFSET);
        if (state == STATE_EMPTY)
        {
            out.printf("  %s never attached%n", label);
            return;
        }
        final boolean locked = file.isLockedByOther(lockByte);
        final double heartbeatAge = (System.nanoTime() - header.getLongVolatile(block + HEARTBEAT_OFFSET)) / 1e9;
        final PeerState liveness = !locked ? (state == STATE_ACTIVE ? PeerState.LOST : PeerState.DETACHED) :
            heartbeatAge > STALL_SECONDS ? PeerState.STALLED : PeerState.ALIVE;
        final StringBuilder counters = new StringBuilder();
        for (int i = 0; i < COUNTER_COUNT; i++)
        {
            final String counterName = counterName(producer, i);
            if (!counterName.startsWith("reserved"))
            {
                counters.append(counters.length() == 0 ? "" : "  ").append(counterName).append('=')
                    .append(header.getLongVolatile(block + counterOffset(i)));
            }
        }
        out.printf("  %s pid %-7d %-9s %-8s heartbeat %.2f s ago, attached %s (#%d), cursor %d%n", label,
            header.getLong(block + PID_OFFSET), stateName(state), liveness, heartbeatAge,
            Instant.ofEpochMilli(header.getLong(block + ATTACH_TIME_OFFSET)), header.getInt(block + ATTACH_COUNT_OFFSET),
            header.getLongVolatile(block + CURSOR_OFFSET));
        out.printf("            %s%n", counters);
        final int errorLength = header.getIntVolatile(block + ERROR_LENGTH_OFFSET);
        if (errorLength > 0 && errorLength <= ERROR_MAX_BYTES)
        {
            out.printf("            error: %s%n", header.getStringWithoutLengthUtf8(block + ERROR_TEXT_OFFSET, errorLength));
        }
    }
}
