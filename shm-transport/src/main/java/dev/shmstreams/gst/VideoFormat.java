package dev.shmstreams.gst;

import java.util.Locale;

/**
 * Raw video formats whose memory layout {@link GstVideoInfo} computes exactly as GStreamer does
 * for a tightly packed frame (GStreamer's default {@code GstVideoInfo}, the layout
 * {@code videotestsrc}, {@code videoconvert} and {@code filesink} produce): planes in memory
 * order, rows padded to GStreamer's stride rules. The names are GStreamer's, as written in caps
 * ({@code video/x-raw,format=I420}).
 *
 * <p>The shm protocol carries no caps, so both ends must agree on the format out of band; a
 * wrong format shows as a frame of the wrong size (the source checks it) or as garbled pixels.
 */
public enum VideoFormat
{
    /** Planar 4:2:0 YUV: Y, then U, then V; chroma planes half width and half height. */
    I420(3),
    /** Planar 4:2:0 YUV like I420 with V before U. */
    YV12(3),
    /** Y plane, then one interleaved UV plane of half height. */
    NV12(2),
    /** Y plane, then one interleaved VU plane of half height. */
    NV21(2),
    /** Packed 4:2:2, Y0 U Y1 V. */
    YUY2(1),
    /** Packed 4:2:2, U Y0 V Y1. */
    UYVY(1),
    /** Packed 4:2:2, Y0 V Y1 U. */
    YVYU(1),
    /** Planar 4:2:2: Y, U, V; chroma planes half width, full height. */
    Y42B(3),
    /** Planar 4:4:4: Y, U, V, all full size. */
    Y444(3),
    /** 3 bytes per pixel, R G B. */
    RGB(1),
    /** 3 bytes per pixel, B G R. */
    BGR(1),
    RGBA(1),
    BGRA(1),
    ARGB(1),
    ABGR(1),
    /** 4 bytes per pixel, the fourth unused. */
    RGBx(1),
    BGRx(1),
    xRGB(1),
    xBGR(1),
    /** 8-bit luma only. */
    GRAY8(1),
    GRAY16_LE(1),
    GRAY16_BE(1);

    private final int planes;

    VideoFormat(final int planes)
    {
        this.planes = planes;
    }

    /** @return the number of planes in memory. */
    public int planes()
    {
        return planes;
    }

    /**
     * @param name a GStreamer format name as in caps, e.g. "I420" or "RGBx". Names GStreamer writes
     *             in capitals also match in any case ("i420"); the mixed-case ones ("RGBx") only exactly.
     * @return the format.
     * @throws IllegalArgumentException naming the supported formats.
     */
    public static VideoFormat fromCaps(final String name)
    {
        for (final VideoFormat format : values())
        {
            if (format.name().equals(name))
            {
                return format;
            }
        }
        for (final VideoFormat format : values())
        {
            if (format.name().toUpperCase(Locale.ROOT).equals(name.toUpperCase(Locale.ROOT)) &&
                format.name().equals(format.name().toUpperCase(Locale.ROOT)))
            {
                return format;
            }
        }
        throw new IllegalArgumentException("unsupported video format \"" + name + "\"; supported: " +
            java.util.Arrays.toString(values()));
    }
}
