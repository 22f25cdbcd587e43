package dev.shmstreams.transport.tools;

import dev.shmstreams.transport.ChannelSettings;
import dev.shmstreams.transport.ShmConsumer;
import dev.shmstreams.transport.ShmProducer;
import dev.shmstreams.transport.test.ShmTestDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

@ExtendWith(ShmTestDirectory.class)
class ShmStatTest
{
    private static String stat(final Path dir, final String... names)
    {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ShmStat.print(dir, List.of(names), new PrintStream(bytes, true, StandardCharsets.UTF_8));
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void printsHeaderPeersSequencesOccupancyAndCounters(final Path dir) throws Exception
    {
        final ChannelSettings settings = ChannelSettings.create("cam-1").withDirectory(dir).withSlotCount(4)
            .withSlotSize(4096).withMetadata("video/nv12 1920x1080");
        Files.write(dir.resolve("not-a-channel"), new byte[5000]);
        try (ShmProducer producer = ShmProducer.create(settings);
             ShmConsumer consumer = ShmConsumer.attach(settings))
        {
            for (int i = 0; i < 3; i++)
            {
                producer.commit(producer.tryClaim(), 100);
            }
            consumer.release(consumer.poll());
            consumer.poll();

            final String out = stat(dir);
            final long pid = ProcessHandle.current().pid();
            assertTrue(out.contains("channel cam-1  " + dir.resolve("cam-1")), out);
            assertTrue(out.contains("layout v1"), out);
            assertTrue(out.contains("slots     4 x 4096 B"), out);
            assertTrue(out.contains("metadata \"video/nv12 1920x1080\""), out);
            assertTrue(out.matches("(?s).*producer  pid " + pid + " +ACTIVE +ALIVE .*"), out);
            assertTrue(out.matches("(?s).*consumer0 pid " + pid + " +ACTIVE +ALIVE .*"), out);
            assertTrue(out.contains("published 3  released 1  occupancy 2/4 (50%)"), out);
            assertTrue(out.contains("bytes=300"), out);
            assertTrue(out.contains("bytes=200"), "consumer polled two frames: " + out);
            assertFalse(out.contains("not-a-channel"), "foreign files are skipped in a listing: " + out);

            final String explicit = stat(dir, "not-a-channel");
            assertTrue(explicit.contains("not readable") && explicit.contains("expected magic"), explicit);

            producer.fail("encoder crashed");
            assertTrue(stat(dir, "cam-1").contains("error: encoder crashed"));
        }
        assertTrue(stat(dir, "cam-1").contains("no such channel"));
    }
}
