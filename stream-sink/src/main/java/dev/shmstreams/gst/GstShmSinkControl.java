package dev.shmstreams.gst;

import akka.Done;

import java.nio.file.Path;
import java.util.concurrent.CompletionStage;

/**
 * Materialized by a {@link dev.shmstreams.gst.javadsl.GstShmSink}. Every method is safe from any
 * thread.
 */
public interface GstShmSinkControl
{
    /**
     * @return completes once the area exists and the socket accepts connections: start the shmsrc
     * pipelines after this. Fails if the sink could not set up (socket path taken, no space...).
     */
    CompletionStage<Done> listening();

    /**
     * @return completes when upstream completed and every client acknowledged every frame (or left,
     * or the drain timeout passed); fails with the stream's failure.
     */
    CompletionStage<Done> done();

    /** @return the socket path clients connect to. */
    Path socketPath();

    /** @return the area's shm name as sent to clients ("/shmstreams-gst.<pid>.<n>"), or null before listening. */
    String areaName();

    /** @return shmsrc clients connected now. */
    int clients();

    /** @return frames announced to at least one client. */
    long frames();

    /** @return frames written while no client was connected (only with min-clients = 0). */
    long dropped();
}
