package dev.shmstreams.examples.video;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The video consumer's verification with crafted frames: each frame is checked against the pattern
 * of its frame id (not against the checksum its producer wrote), duplicates and stale or reordered
 * frames are errors, gaps are counted as lost and are not errors.
 */
class FrameCheckTest
{
    private static final Nv12Pattern PATTERN = new Nv12Pattern(128, 32);

    @TempDir
    Path out;

    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
    private FrameCheck check;
    private UnsafeBuffer frame;
    private UnsafeBuffer metadata;

    @BeforeEach
    void create()
    {
        check = new FrameCheck(PATTERN, out, new PrintStream(printed, true, StandardCharsets.UTF_8));
        frame = new UnsafeBuffer(ByteBuffer.allocateDirect(PATTERN.frameLength()));
        metadata = new UnsafeBuffer(new byte[64]);
    }

    /** Render frame {@code content} as its producer would, metadata included, and hand it over as {@code id}. */
    private void deliver(final long id, final long content)
    {
        render(content);
        check.check(frame, PATTERN.frameLength(), id, System.nanoTime(), metadata);
    }

    private void render(final long content)
    {
        final long checksum = PATTERN.render(frame, content);
        metadata.putInt(VideoProducer.METADATA_WIDTH, PATTERN.width());
        metadata.putInt(VideoProducer.METADATA_HEIGHT, PATTERN.height());
        metadata.putLong(VideoProducer.METADATA_CHECKSUM, checksum);
    }

    private void assertCounts(final long bad, final long duplicates, final long outOfOrder, final long lost)
    {
        assertEquals(bad, check.bad, "corrupt");
        assertEquals(duplicates, check.duplicates, "duplicates");
        assertEquals(outOfOrder, check.outOfOrder, "stale or out of order");
        assertEquals(lost, check.lost, "lost");
        assertEquals(bad + duplicates + outOfOrder, check.errors());
    }

    @Test
    void intactFramesInOrderPassAndTheLumaIsReported() throws Exception
    {
        for (long id = 0; id < 300; id++)                           // the bar wraps round the 32 rows many times
        {
            deliver(id, id);
        }
        assertCounts(0, 0, 0, 0);
        assertEquals(300, check.frames);
        check.summary("completed");
        final String text = printed.toString(StandardCharsets.UTF_8);
        assertTrue(text.matches("(?s).*SUMMARY frames=300 .*bad=0 dup=0 ooo=0 lost=0 .*luma=\\d+\\.\\d+ " +
            "lumamin=\\d+\\.\\d+ lumamax=\\d+\\.\\d+ end=completed.*"), text);
        assertTrue(text.contains("THUMBNAIL "), text);
        try (var files = Files.list(out))
        {
            assertTrue(files.anyMatch(f -> f.toString().endsWith(".png")), "a thumbnail of the first frame");
        }
    }

    @Test
    void theStatLineCarriesTheErrorsAndTheLumaAndTheStatusLineShowsThem() throws Exception
    {
        deliver(0, 0);
        deliver(1, 1);
        deliver(1, 1);
        Thread.sleep(1_100);                                        // STAT once a second of consuming
        deliver(2, 2);
        final String stat = printed.toString(StandardCharsets.UTF_8).lines().filter(line -> line.startsWith("STAT "))
            .findFirst().orElseThrow(() -> new AssertionError("no STAT line in " + printed));
        assertTrue(stat.matches("STAT frames=4 .* bad=0 dup=1 ooo=0 lost=0 lostps=0 luma=\\d+\\.\\d"), stat);
        final java.util.Map<String, String> fields = new java.util.HashMap<>();
        VideoDemo.parse(stat, fields);
        final String status = VideoDemo.status(fields, "3", 8);
        assertTrue(status.matches(" +4 frames .*  ring 3/8  lost 0  errors 1  luma +\\d+\\.\\d"), status);
    }

    @Test
    void aCorruptByteIsDetected()
    {
        deliver(0, 0);
        render(1);
        frame.putByte(PATTERN.frameLength() / 2, (byte)(frame.getByte(PATTERN.frameLength() / 2) + 1));
        check.check(frame, PATTERN.frameLength(), 1, System.nanoTime(), metadata);
        deliver(2, 2);
        assertCounts(1, 0, 0, 0);
    }

    @Test
    void anotherFramesContentUnderThisIdIsDetectedThoughItsOwnChecksumMatches()
    {
        deliver(0, 0);
        deliver(1, 0);                     // a stale slot: frame 0's bytes and checksum, published as frame 1
        assertCounts(1, 0, 0, 0);
    }

    @Test
    void swappedWordsAreDetected()
    {
        // a rotate-xor over the words cannot see two words swapped 64 positions apart; this hash can
        render(5);
        final long a = frame.getLong(8);
        final long b = frame.getLong(8 + 64 * 8);
        assertNotEquals(a, b, "the test needs two different words");
        frame.putLong(8, b);
        frame.putLong(8 + 64 * 8, a);
        check.check(frame, PATTERN.frameLength(), 5, System.nanoTime(), metadata);
        assertCounts(1, 0, 0, 5);
    }

    @Test
    void aShortFrameOrForeignMetadataIsCorrupt()
    {
        render(0);
        check.check(frame, PATTERN.frameLength() - 8, 0, System.nanoTime(), metadata);
        render(1);
        metadata.putInt(VideoProducer.METADATA_WIDTH, 64);
        check.check(frame, PATTERN.frameLength(), 1, System.nanoTime(), metadata);
        render(2);
        metadata.putLong(VideoProducer.METADATA_CHECKSUM, 42);
        check.check(frame, PATTERN.frameLength(), 2, System.nanoTime(), metadata);
        assertCounts(3, 0, 0, 0);
    }

    @Test
    void aDuplicatedFrameIsAnError()
    {
        deliver(0, 0);
        deliver(1, 1);
        deliver(1, 1);                     // the same frame again: intact, but twice
        deliver(2, 2);
        assertCounts(0, 1, 0, 0);
    }

    @Test
    void aStaleOrReorderedFrameIsAnErrorAndAGapIsOnlyLost()
    {
        deliver(0, 0);
        deliver(1, 1);
        deliver(3, 3);                     // 2 never seen yet: lost (a drop policy's gap)
        assertCounts(0, 0, 0, 1);
        deliver(2, 2);                     // older than 3: out of order
        deliver(1, 1);                     // stale
        deliver(4, 4);
        deliver(9, 9);
        assertCounts(0, 0, 2, 5);
        check.summary("completed");
        assertTrue(printed.toString(StandardCharsets.UTF_8).contains(" bad=0 dup=0 ooo=2 lost=5 "));
    }

    @Test
    void theExpectedChecksumIsTheHashOfTheRenderedFrameAndThePatternMoves()
    {
        final Nv12Pattern.Inspection inspection = new Nv12Pattern.Inspection();
        for (final int[] geometry : new int[][] { { 3840, 2160 }, { 1920, 1080 }, { 1280, 720 }, { 96, 20 } })
        {
            final Nv12Pattern pattern = new Nv12Pattern(geometry[0], geometry[1]);
            final UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(pattern.frameLength()));
            long previous = 0;
            for (final long id : new long[] { 0, 1, 2, 63, 64, 255, 256, 269, 270, 1_000_003, 1L << 40 })
            {
                final long rendered = pattern.render(buffer, id);
                pattern.inspect(buffer, inspection);
                assertEquals(pattern.checksum(id), inspection.checksum, geometry[0] + "x" + geometry[1] + " frame " + id);
                assertEquals(rendered, inspection.checksum);
                assertNotEquals(previous, inspection.checksum, "frame " + id + " differs from the one before");
                previous = inspection.checksum;
                assertTrue(inspection.lumaMean > 16 && inspection.lumaMean < 236, "luma " + inspection.lumaMean);
            }
        }
    }
}
