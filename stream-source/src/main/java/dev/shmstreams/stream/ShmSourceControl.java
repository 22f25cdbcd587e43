package dev.shmstreams.stream;

import akka.Done;
import dev.shmstreams.transport.PeerState;

import java.util.concurrent.CompletionStage;

/**
 * Materialized by a {@link dev.shmstreams.stream.javadsl.ShmSource}. Every method is safe from any thread.
 */
public interface ShmSourceControl
{
    /** @return completes when the source attached to the channel; fails if it could not. */
    CompletionStage<Done> attached();

    /** @return completes when the stage stopped, for whatever reason. */
    CompletionStage<Done> stopped();

    /** Stop reading: tell the producer (it sees a cancellation) and complete the stream. */
    void stop();

    /** @return the producer's state, or NOT_ATTACHED before attaching. */
    PeerState producerState();

    /** @return frames emitted so far. */
    long frames();

    /** @return payload bytes emitted so far. */
    long bytes();

    /** @return frames emitted and not yet released. */
    int held();

    /** @return frames the producer dropped before this consumer could read them (drop-oldest-unread). */
    long dropped();

    /** @return frames published and not yet released (held downstream or not yet read); 0 once stopped. */
    long occupancy();
}
