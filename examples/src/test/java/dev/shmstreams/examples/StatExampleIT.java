package dev.shmstreams.examples;

import dev.shmstreams.transport.test.ShmTestDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code bin/shm-stat} ({@code bin/demo stat}) against a running video demo: it lists the channel
 * with both peers alive and its sequences. Then the demo is stopped with SIGTERM, as Ctrl-C would:
 * the producer completes, the consumer drains, both close, and the segment is gone.
 */
@ExtendWith(ShmTestDirectory.class)
class StatExampleIT
{
    @Test
    void statListsTheRunningDemosChannelAndCtrlCLeavesNothingBehind(final Path dir) throws Exception
    {
        try (ExampleProcess demo = ExampleProcess.start("stat-demo", "--resolution", "720p", "--fps", "30",
            "--duration", "60", "--dir", dir.toString(), "--out", VideoDemoIT.output("stat").toString()))
        {
            demo.awaitLine(Pattern.compile("^ +\\d+ frames .* ring \\d+/8"), Duration.ofSeconds(60));
            final String stat;
            try (ExampleProcess shmStat = ExampleProcess.start("stat", "stat", "--dir", dir.toString()))
            {
                stat = shmStat.assertExit(0, Duration.ofSeconds(60));
            }
            assertTrue(Pattern.compile("^channel shm-streams-demo-\\d+ ", Pattern.MULTILINE).matcher(stat).find(), stat);
            assertTrue(Pattern.compile("^  producer  pid \\d+ +ACTIVE +ALIVE", Pattern.MULTILINE).matcher(stat).find(),
                stat);
            assertTrue(Pattern.compile("^  consumer0 pid \\d+ +ACTIVE +ALIVE", Pattern.MULTILINE).matcher(stat).find(),
                stat);
            assertTrue(stat.contains("metadata \"video/x-raw,format=NV12,width=1280,height=720\""), stat);
            assertTrue(stat.contains("sequences published"), stat);

            demo.stop();
            final String output = demo.output();
            assertTrue(output.contains("producer ended                 completed"), output);
            assertTrue(output.contains("consumer ended                 completed"), output);
            VideoDemoIT.assertNoErrors(output);
        }
        assertEquals(List.of(), ShmTestDirectory.leftovers(dir), "a stopped demo leaves nothing in the directory");
    }
}
