package dev.shmstreams.gst;

import akka.Done;

import java.util.concurrent.CompletionStage;

/**
 * Materialized by a {@link dev.shmstreams.gst.javadsl.GstShmSource}. Every method is safe from any
 * thread.
 */
public interface GstShmSourceControl
{
    /**
     * @return completes when the source connected to the shmsink and mapped its area (the greeting
     * every client gets); fails if it could not within the connect timeout, or the area was refused.
     */
    CompletionStage<Done> connected();

    /** @return completes when the stage stopped, for whatever reason. */
    CompletionStage<Done> stopped();

    /** Disconnect and complete the stream; frames still held stay readable until released. */
    void stop();

    /** @return the name of the shm area received last ("/shmpipe.  123.    0"), or null before it arrived. */
    String areaName();

    /** @return frames received from the shmsink so far (emitted, or queued for emission). */
    long frames();

    /** @return payload bytes of those frames. */
    long bytes();

    /** @return buffers received and not yet released (queued or held downstream). */
    int outstanding();
}
