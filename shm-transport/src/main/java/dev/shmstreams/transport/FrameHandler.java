package dev.shmstreams.transport;

/**
 * Reads frames in place during {@link ShmConsumer#drain(FrameHandler, int)}. Each frame is
 * released when the batch ends unless the handler calls {@link Frame#retain()}.
 */
@FunctionalInterface
public interface FrameHandler
{
    void onFrame(Frame frame);
}
