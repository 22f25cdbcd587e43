package dev.shmstreams.control;

import akka.Done;
import dev.shmstreams.transport.PeerState;

import java.nio.file.Path;
import java.util.concurrent.CompletionStage;

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
     * mapping stays valid. The last resort of CoordinatedShutdown when a stage did not close in time.
     *
     * @return true if unlinked.
     */
    boolean unlink();
}
