package dev.shmstreams.examples;

import dev.shmstreams.transport.test.ShmTestDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static dev.shmstreams.examples.ExampleProcess.number;
import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code bin/demo typed}: the actor sees PeerAttached and, after the producer is killed with
 * SIGKILL, PeerLost; it receives every frame the dead producer committed, then PeerLostException;
 * the second run completes. Nothing is left in the segment directory (a frame stranded unreleased
 * in a sink's buffer would keep the channel open).
 */
@ExtendWith(ShmTestDirectory.class)
class TypedExampleIT
{
    @Test
    void theActorSeesItsProducerAttachAndDieAndGetsEveryCommittedFrame(final Path dir) throws Exception
    {
        final String output;
        try (ExampleProcess example = ExampleProcess.start("typed", "typed", "--hold-after", "30", "--seconds", "1",
            "--dir", dir.toString()))
        {
            output = example.assertExit(0, Duration.ofSeconds(120));
        }
        assertTrue(output.contains("control plane: PeerAttached"), output);
        assertTrue(output.contains("control plane: PeerLost"), output);
        final long committed = number(output, "^the dead producer had committed (\\d+) frames");
        assertEquals(committed, number(output, "^the dead producer had committed \\d+ frames; the actor received (\\d+)"),
            output);
        assertTrue(committed >= 30, output);
        assertTrue(output.matches("(?s).*run 1 +\\d+ frames verified, 0 corrupt; ended with PeerLostException.*"), output);
        assertTrue(output.matches("(?s).*run 2 +\\d+ frames verified, 0 corrupt; ended with completion.*"), output);
        assertEquals(List.of(), ShmTestDirectory.leftovers(dir));
    }
}
