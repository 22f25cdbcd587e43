package dev.shmstreams.transport.reliability;

import dev.shmstreams.transport.it.ChildJvm;
import dev.shmstreams.transport.it.ReliabilityReport;
import dev.shmstreams.transport.test.ShmTestDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Two producer processes create the same channel at the same instant, round after round (the
 * in-process version with eight threads is in SegmentHygieneTest): exactly one wins, the other
 * gets ChannelInUseException naming the live producer, no creation temporary is left, and the
 * winner's close() leaves the directory empty for the next round.
 * {@code -Dshm.reliability.races=N} (default 10).
 */
@ExtendWith(ShmTestDirectory.class)
class ProducerRaceIT
{
    private static final Duration START = Duration.ofSeconds(60);

    @Test
    void exactlyOneOfTwoRacingProducerProcessesWinsEveryRound(final Path dir) throws Exception
    {
        final int rounds = Integer.getInteger("shm.reliability.races", 10);
        final Path signals = Files.createDirectories(Path.of("target", "race-signals"));
        int losses = 0;
        for (int round = 0; round < rounds; round++)
        {
            final Path go = signals.resolve("go-" + ProcessHandle.current().pid() + "-" + round);
            final Path done = signals.resolve("done-" + ProcessHandle.current().pid() + "-" + round);
            final List<String> args = List.of("dir=" + dir, "channel=raced", "slots=4", "slotSize=65536",
                "go=" + go, "done=" + done, "maxSeconds=120");
            try (ChildJvm a = ChildJvm.start("ProducerRaceIT.round" + round + ".a", RacingProducer.class, args);
                ChildJvm b = ChildJvm.start("ProducerRaceIT.round" + round + ".b", RacingProducer.class, args))
            {
                a.awaitLine("READY", START);
                b.awaitLine("READY", START);
                Files.createFile(go);
                final Pattern result = Pattern.compile("^(WON|LOST)");
                final List<ChildJvm.Line> results = new ArrayList<>(List.of(a.awaitLine(result, START),
                    b.awaitLine(result, START)));
                final long won = results.stream().filter(l -> l.text().equals("WON")).count();
                assertEquals(1, won, "round " + round + ": exactly one winner: " + results);
                final ChildJvm.Line lost = results.stream().filter(l -> l.text().startsWith("LOST")).findFirst().get();
                assertEquals("ChannelInUseException", lost.field("type"), lost.text());
                assertTrue(lost.field("message").contains("live_producer") || lost.field("message").contains("re-created"),
                    "a clear error: " + lost.text());
                assertEquals(List.of("raced"), ShmTestDirectory.leftovers(dir), "no creation temporary left");
                Files.createFile(done);
                assertEquals(0, a.awaitExit(START));
                assertEquals(0, b.awaitExit(START));
                assertEquals(List.of(), ShmTestDirectory.leftovers(dir), "round " + round + ": the winner removed it");
                losses++;
            }
            finally
            {
                Files.deleteIfExists(go);
                Files.deleteIfExists(done);
            }
        }
        ReliabilityReport.record("ProducerRaceIT", "rounds=" + rounds + " oneWinnerRounds=" + losses);
    }
}
