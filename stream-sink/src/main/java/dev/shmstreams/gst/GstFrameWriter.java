package dev.shmstreams.gst;

import org.agrona.MutableDirectBuffer;

/**
 * Writes one element in place into a free slot of the shared area, which GStreamer's shmsrc then
 * reads without a copy. Runs on the sink's thread; must not keep the buffer: the slot is handed to
 * the clients when this returns and written again once they all acknowledged it.
 *
 * @param <T> element type.
 */
@FunctionalInterface
public interface GstFrameWriter<T>
{
    /**
     * @param element the element.
     * @param slot    the slot, writable in place; capacity is the slot size (the video frame size by
     *                default). Lay a frame out with {@link GstVideoInfo#offset(int)} and
     *                {@link GstVideoInfo#stride(int)}.
     * @return bytes written from offset 0: the size of the buffer announced to GStreamer (for raw
     * video, {@link GstVideoInfo#frameSize()}).
     * @throws Exception fails the stream; the slot is freed.
     */
    int write(T element, MutableDirectBuffer slot) throws Exception;
}
