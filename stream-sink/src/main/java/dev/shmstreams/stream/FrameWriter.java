package dev.shmstreams.stream;

import dev.shmstreams.transport.WritableFrame;

/**
 * Writes one element in place into a claimed slot: the payload through {@link WritableFrame#buffer()},
 * and optionally the frame's metadata, id, timestamp and user flags. Runs on the sink's thread; it
 * must not keep the frame.
 *
 * @param <T> element type.
 */
@FunctionalInterface
public interface FrameWriter<T>
{
    /**
     * @param element the element.
     * @param frame   the claimed slot; capacity {@link WritableFrame#capacity()}.
     * @return payload bytes written.
     * @throws Exception fails the stream; the claim is aborted.
     */
    int write(T element, WritableFrame frame) throws Exception;
}
