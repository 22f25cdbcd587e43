package dev.shmstreams.control;

import akka.Done;
import dev.shmstreams.transport.PeerState;

import java.nio.file.Path;
import java.util.concurrent.CompletionStage;
import java.util.function.BooleanSupplier;

/**
 * What the control plane sees of one open channel end (a ShmSink or ShmSource stage). Every method
 * is safe from any thread.
 */
public interface ChannelHandle
{
    enum Role
    {
        PRODUCER, CONSUMER
    }

    String channel();

    Path path();

    Role role();

    /** @return the state of the other side. */
    PeerState peerState();

    /** @return frames passed through this end so far. */
    long frames();

    /** @return frames lost to an overflow policy so far (dropped by the producer, seen by the consumer). */
    long dropped();

    /**
     * Ask the owner to stop and close its channel end.
     *
     * @return completes once the end is closed.
     */
    CompletionStage<Done> shutdown();

    /**
     * Remove the channel's name if this end owns it (a producer) and it is still its segment; the
     * mapping stays valid. What CoordinatedShutdown does to a stage that did not close in time.
     *
     * @return true if unlinked.
     */
    boolean unlink();

    /**
     * Asked once, when the end unregisters after closing. A producer that closes while its consumer
     * is still attached leaves the segment's name for the consumer to remove; the remover returned
     * here lets CoordinatedShutdown of this system remove it earlier (only if it still names that
     * segment). It must hold on to what the removal needs only, not to the stage.
     *
     * @return a remover returning true if it unlinked the name, or null if this end owns no name.
     */
    default BooleanSupplier nameRemover()
    {
        return null;
    }
}
