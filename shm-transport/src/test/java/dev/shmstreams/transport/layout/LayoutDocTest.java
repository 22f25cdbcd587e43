package dev.shmstreams.transport.layout;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * docs/layout.md is the contract a C implementation is written from: its offset tables and file
 * map must be the descriptors' constants. Every row of each table is checked (a row the test does
 * not know fails it, so the doc cannot grow a field the code lacks), and so are the sizes and the
 * constants quoted in the text.
 */
class LayoutDocTest
{
    private static final Path ROOT = Path.of(System.getProperty("shm.repository.root", ".."));

    private static String doc() throws IOException
    {
        return Files.readString(ROOT.resolve("docs/layout.md"));
    }

    /** @return "field" -> offset of the table under {@code heading} (rows "| offset | type | field | ...|"). */
    private static Map<String, Integer> table(final String doc, final String heading)
    {
        final int start = doc.indexOf(heading);
        assertTrue(start >= 0, "docs/layout.md has a section " + heading);
        final int end = doc.indexOf("\n### ", start + heading.length());
        final String section = doc.substring(start, end < 0 ? doc.length() : end);
        final Map<String, Integer> rows = new LinkedHashMap<>();
        final Matcher row = Pattern.compile("(?m)^\\| (\\d+)(\\.\\.\\d+)? \\| [^|]* \\| ([^|]+?) \\|").matcher(section);
        while (row.find())
        {
            final String field = row.group(3).trim();
            if (row.group(2) == null && !field.startsWith("reserved"))
            {
                rows.put(field, Integer.parseInt(row.group(1)));
            }
        }
        assertFalse(rows.isEmpty(), "no rows under " + heading);
        return rows;
    }

    private static void assertRows(final Map<String, Integer> rows, final Map<String, Integer> expected, final String what)
    {
        for (final Map.Entry<String, Integer> row : rows.entrySet())
        {
            final String key = expected.keySet().stream().filter(row.getKey()::startsWith).findFirst()
                .orElseThrow(() -> new AssertionError(what + ": docs/layout.md documents a field the code has no " +
                    "constant for: '" + row.getKey() + "'"));
            assertEquals(expected.get(key), row.getValue(), what + " field '" + row.getKey() + "'");
        }
        assertEquals(expected.size(), rows.size(), what + ": documented " + rows.keySet() + ", expected " + expected.keySet());
    }

    @Test
    void theControlBlockTableIsTheHeaderDescriptor() throws IOException
    {
        final Map<String, Integer> expected = new LinkedHashMap<>();
        expected.put("magic", HeaderDescriptor.MAGIC_OFFSET);
        expected.put("layout version", HeaderDescriptor.VERSION_OFFSET);
        expected.put("header length", HeaderDescriptor.HEADER_LENGTH_OFFSET);
        expected.put("slot count", HeaderDescriptor.SLOT_COUNT_OFFSET);
        expected.put("slot size", HeaderDescriptor.SLOT_SIZE_OFFSET);
        expected.put("slot alignment", HeaderDescriptor.SLOT_ALIGNMENT_OFFSET);
        expected.put("max consumers", HeaderDescriptor.MAX_CONSUMERS_OFFSET);
        expected.put("data offset", HeaderDescriptor.DATA_OFFSET_OFFSET);
        expected.put("segment length", HeaderDescriptor.SEGMENT_LENGTH_OFFSET);
        expected.put("creation time", HeaderDescriptor.CREATION_TIME_OFFSET);
        expected.put("creator pid", HeaderDescriptor.CREATOR_PID_OFFSET);
        expected.put("segment flags", HeaderDescriptor.SEGMENT_FLAGS_OFFSET);
        expected.put("slot descriptor length", HeaderDescriptor.SLOT_DESCRIPTOR_LENGTH_OFFSET);
        final String doc = doc();
        assertRows(table(doc, "### Control block"), expected, "control block");
        assertTrue(doc.contains("`0x" + Long.toHexString(HeaderDescriptor.MAGIC).toUpperCase() + "`"), "the magic value");
        assertTrue(doc.contains("control block                       " + HeaderDescriptor.CONTROL_BLOCK_LENGTH + " B"));
        assertTrue(doc.contains("# Segment layout, version " + HeaderDescriptor.LAYOUT_VERSION));
    }

    @Test
    void theParticipantBlockTableIsTheParticipantDescriptor() throws IOException
    {
        final Map<String, Integer> expected = new LinkedHashMap<>();
        expected.put("pid", ParticipantDescriptor.PID_OFFSET);
        expected.put("process start time", ParticipantDescriptor.START_TIME_OFFSET);
        expected.put("heartbeat", ParticipantDescriptor.HEARTBEAT_OFFSET);
        expected.put("state", ParticipantDescriptor.STATE_OFFSET);
        expected.put("attach count", ParticipantDescriptor.ATTACH_COUNT_OFFSET);
        expected.put("attach time", ParticipantDescriptor.ATTACH_TIME_OFFSET);
        expected.put("wait strategy", ParticipantDescriptor.WAIT_STRATEGY_OFFSET);
        expected.put("cursor", ParticipantDescriptor.CURSOR_OFFSET);
        expected.put("counters", ParticipantDescriptor.COUNTERS_OFFSET);
        expected.put("error length", ParticipantDescriptor.ERROR_LENGTH_OFFSET);
        expected.put("error text", ParticipantDescriptor.ERROR_TEXT_OFFSET);
        final String doc = doc();
        assertRows(table(doc, "### Participant block"), expected, "participant block");
        assertTrue(doc.contains("producer block                      " + ParticipantDescriptor.LENGTH + " B"));
        assertTrue(doc.contains("| 72 | " + (ParticipantDescriptor.ERROR_LENGTH_OFFSET - ParticipantDescriptor.COUNTERS_OFFSET) / 8 +
            " x u64 | counters"), "seven counters fill the line up to the error length");
    }

    @Test
    void theSlotDescriptorTableIsTheSlotDescriptor() throws IOException
    {
        final Map<String, Integer> expected = new LinkedHashMap<>();
        expected.put("sequence", SlotDescriptor.SEQUENCE_OFFSET);
        expected.put("frame id", SlotDescriptor.FRAME_ID_OFFSET);
        expected.put("timestamp", SlotDescriptor.TIMESTAMP_OFFSET);
        expected.put("length", SlotDescriptor.LENGTH_OFFSET);
        expected.put("flags", SlotDescriptor.FLAGS_OFFSET);
        expected.put("released-out-of-order mark", SlotDescriptor.RELEASED_MARK_OFFSET);
        expected.put("user metadata", SlotDescriptor.USER_METADATA_OFFSET);
        final String doc = doc();
        assertRows(table(doc, "### Slot descriptor"), expected, "slot descriptor");
        assertTrue(doc.contains("### Slot descriptor (0x" + Integer.toHexString(HeaderDescriptor.SLOT_DESCRIPTORS_OFFSET) +
            " + " + SlotDescriptor.LENGTH + "·*i*)"));
        assertTrue(doc.contains("| " + SlotDescriptor.USER_METADATA_OFFSET + " | " + SlotDescriptor.USER_METADATA_LENGTH +
            " bytes | user metadata"));
    }

    @Test
    void theFileMapIsTheHeaderDescriptor() throws IOException
    {
        final String doc = doc();
        final Map<String, Integer> expected = new LinkedHashMap<>();
        expected.put("channel metadata", HeaderDescriptor.METADATA_LENGTH_OFFSET);
        expected.put("producer block", HeaderDescriptor.PRODUCER_BLOCK_OFFSET);
        expected.put("published sequence", HeaderDescriptor.PUBLISHED_SEQUENCE_OFFSET);
        expected.put("producer-wait futex", HeaderDescriptor.PRODUCER_FUTEX_OFFSET);
        expected.put("consumer-wait futex", HeaderDescriptor.CONSUMER_FUTEX_OFFSET);
        expected.put("consumer entries", HeaderDescriptor.CONSUMER_TABLE_OFFSET);
        expected.put("slot descriptors", HeaderDescriptor.SLOT_DESCRIPTORS_OFFSET);
        for (final Map.Entry<String, Integer> entry : expected.entrySet())
        {
            assertTrue(doc.matches("(?s).*\\n0x" + String.format("%04x", entry.getValue()) + "  " + entry.getKey() + ".*"),
                "file map: " + entry.getKey() + " at 0x" + String.format("%04x", entry.getValue()));
        }
        assertTrue(doc.contains("consumer entries 0.." + (HeaderDescriptor.MAX_CONSUMERS - 1) + "            " +
            HeaderDescriptor.MAX_CONSUMERS + " x " + HeaderDescriptor.CONSUMER_ENTRY_LENGTH + " B"));
        assertTrue(doc.contains("+" + HeaderDescriptor.RELEASED_SEQUENCE_OFFSET_IN_ENTRY + "  released sequence"));
        assertTrue(doc.contains("+" + HeaderDescriptor.READ_CURSOR_OFFSET_IN_ENTRY + "  read cursor"));
        assertTrue(doc.contains("u32 waiter count @+" + (HeaderDescriptor.PRODUCER_WAITERS_OFFSET -
            HeaderDescriptor.PRODUCER_FUTEX_OFFSET)));
        assertEquals(HeaderDescriptor.CONSUMER_WAITERS_OFFSET - HeaderDescriptor.CONSUMER_FUTEX_OFFSET,
            HeaderDescriptor.PRODUCER_WAITERS_OFFSET - HeaderDescriptor.PRODUCER_FUTEX_OFFSET);
        assertTrue(doc.contains("`header_length = 0x" + Integer.toHexString(HeaderDescriptor.SLOT_DESCRIPTORS_OFFSET) +
            " + slot_count * " + SlotDescriptor.LENGTH + "`"));
        assertEquals(HeaderDescriptor.SLOT_DESCRIPTORS_OFFSET + 4 * SlotDescriptor.LENGTH,
            SegmentLayout.forCreation(4, 4096, SegmentLayout.PAGE_SIZE).headerLength(), "the header length formula");
    }
}
