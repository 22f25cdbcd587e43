package dev.shmstreams.gst;

import com.typesafe.config.Config;

import java.util.Objects;

/**
 * The format of the raw video frames exchanged with GStreamer: what GStreamer's caps would say
 * ({@code video/x-raw,format=I420,width=1920,height=1080,framerate=30/1}) and the memory layout
 * that follows from it. Immutable.
 *
 * <p>GStreamer's shm protocol sends buffers, never caps: the pipeline on the other side states
 * the same caps in a capsfilter ({@link #caps()} gives the string). The layout is GStreamer's
 * default one (rows padded to 4 bytes for most formats, chroma planes of odd sizes rounded up),
 * checked against real {@code videotestsrc ! filesink} output by the tests, so that a frame
 * rendered here is byte for byte what a GStreamer element expects.
 *
 * <pre>{@code
 * GstVideoInfo.create(VideoFormat.I420, 1920, 1080, 30, 1).frameSize()   // 3110400
 * }</pre>
 */
public final class GstVideoInfo
{
    private final VideoFormat format;
    private final int width;
    private final int height;
    private final int framerateNumerator;
    private final int framerateDenominator;
    private final int[] strides;
    private final int[] offsets;
    private final int frameSize;

    private GstVideoInfo(
        final VideoFormat format, final int width, final int height, final int framerateNumerator,
        final int framerateDenominator)
    {
        if (width < 1 || height < 1 || width > 32768 || height > 32768)
        {
            throw new IllegalArgumentException("width and height must be 1 to 32768, were " + width + "x" + height);
        }
        if (framerateNumerator < 0 || framerateDenominator < 1)
        {
            throw new IllegalArgumentException("framerate must be n/d with n >= 0 and d >= 1, was " +
                framerateNumerator + "/" + framerateDenominator);
        }
        this.format = Objects.requireNonNull(format, "format");
        this.width = width;
        this.height = height;
        this.framerateNumerator = framerateNumerator;
        this.framerateDenominator = framerateDenominator;
        this.strides = new int[format.planes()];
        this.offsets = new int[format.planes()];
        final long size = layout(format, width, height, strides, offsets);
        if (size > Integer.MAX_VALUE)
        {
            throw new IllegalArgumentException(format + " " + width + "x" + height + " frames are " + size +
                " bytes, more than a frame view can address (2 GiB)");
        }
        this.frameSize = (int)size;
    }

    /**
     * @param format               pixel format.
     * @param width                pixels, 1 to 32768.
     * @param height               pixels, 1 to 32768.
     * @param framerateNumerator   frames per second, as a fraction; 0/1 means variable.
     * @param framerateDenominator at least 1.
     * @return the info.
     */
    public static GstVideoInfo create(
        final VideoFormat format, final int width, final int height, final int framerateNumerator,
        final int framerateDenominator)
    {
        return new GstVideoInfo(format, width, height, framerateNumerator, framerateDenominator);
    }

    /**
     * @param video a section with {@code format} (a GStreamer name, or "" for none), {@code width},
     *              {@code height} and {@code framerate} ("30/1").
     * @return the info, or null when {@code format} is empty.
     */
    public static GstVideoInfo fromConfig(final Config video)
    {
        final String format = video.getString("format");
        if (format.isEmpty())
        {
            return null;
        }
        final String framerate = video.getString("framerate");
        final int slash = framerate.indexOf('/');
        try
        {
            final int numerator = Integer.parseInt(slash < 0 ? framerate.trim() : framerate.substring(0, slash).trim());
            final int denominator = slash < 0 ? 1 : Integer.parseInt(framerate.substring(slash + 1).trim());
            return create(VideoFormat.fromCaps(format), video.getInt("width"), video.getInt("height"), numerator,
                denominator);
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("framerate must look like \"30/1\", was \"" + framerate + "\"", ex);
        }
    }

    private static int roundUp2(final int value)
    {
        return (value + 1) & ~1;
    }

    private static int roundUp4(final int value)
    {
        return (value + 3) & ~3;
    }

    private static int roundUp8(final int value)
    {
        return (value + 7) & ~7;
    }

    /**
     * GStreamer's fill_planes() for the default alignment, per format: the stride and offset of
     * every plane, and the frame size.
     */
    private static long layout(
        final VideoFormat format, final int width, final int height, final int[] strides, final int[] offsets)
    {
        switch (format)
        {
            case I420:
            case YV12:
            {
                final int chromaHeight = roundUp2(height) / 2;
                strides[0] = roundUp4(width);
                strides[1] = roundUp4(roundUp2(width) / 2);
                strides[2] = strides[1];
                offsets[1] = strides[0] * roundUp2(height);
                offsets[2] = offsets[1] + strides[1] * chromaHeight;
                return offsets[2] + (long)strides[2] * chromaHeight;
            }
            case NV12:
            case NV21:
                strides[0] = roundUp4(width);
                strides[1] = strides[0];
                offsets[1] = strides[0] * roundUp2(height);
                return offsets[1] + (long)strides[1] * (roundUp2(height) / 2);
            case Y42B:
                strides[0] = roundUp4(width);
                strides[1] = roundUp8(width) / 2;
                strides[2] = strides[1];
                offsets[1] = strides[0] * height;
                offsets[2] = offsets[1] + strides[1] * height;
                return offsets[2] + (long)strides[2] * height;
            case Y444:
                strides[0] = roundUp4(width);
                strides[1] = strides[0];
                strides[2] = strides[0];
                offsets[1] = strides[0] * height;
                offsets[2] = offsets[1] * 2;
                return 3L * strides[0] * height;
            case YUY2:
            case UYVY:
            case YVYU:
            case GRAY16_LE:
            case GRAY16_BE:
                strides[0] = roundUp4(width * 2);
                return (long)strides[0] * height;
            case RGB:
            case BGR:
                strides[0] = roundUp4(width * 3);
                return (long)strides[0] * height;
            case GRAY8:
                strides[0] = roundUp4(width);
                return (long)strides[0] * height;
            default:
                strides[0] = width * 4;
                return (long)strides[0] * height;
        }
    }

    public VideoFormat format()
    {
        return format;
    }

    public int width()
    {
        return width;
    }

    public int height()
    {
        return height;
    }

    public int framerateNumerator()
    {
        return framerateNumerator;
    }

    public int framerateDenominator()
    {
        return framerateDenominator;
    }

    /** @return bytes of one frame: the size of every buffer of this format. */
    public int frameSize()
    {
        return frameSize;
    }

    /** @return the number of planes. */
    public int planes()
    {
        return strides.length;
    }

    /**
     * @param plane 0 to {@link #planes()} - 1, in memory order (for YV12 plane 1 is V).
     * @return bytes from the start of one row of the plane to the next.
     */
    public int stride(final int plane)
    {
        return strides[plane];
    }

    /**
     * @param plane 0 to {@link #planes()} - 1, in memory order.
     * @return the plane's first byte, from the start of the frame.
     */
    public int offset(final int plane)
    {
        return offsets[plane];
    }

    /**
     * @return the caps string the GStreamer side puts in its capsfilter, e.g.
     * {@code video/x-raw,format=I420,width=1920,height=1080,framerate=30/1}.
     */
    public String caps()
    {
        return "video/x-raw,format=" + format.name() + ",width=" + width + ",height=" + height + ",framerate=" +
            framerateNumerator + "/" + framerateDenominator;
    }

    /** @return frames per second as a double (0 for a variable rate). */
    public double framesPerSecond()
    {
        return (double)framerateNumerator / framerateDenominator;
    }

    @Override
    public boolean equals(final Object other)
    {
        if (this == other)
        {
            return true;
        }
        if (!(other instanceof GstVideoInfo))
        {
            return false;
        }
        final GstVideoInfo that = (GstVideoInfo)other;
        return format == that.format && width == that.width && height == that.height &&
            framerateNumerator == that.framerateNumerator && framerateDenominator == that.framerateDenominator;
    }

    @Override
    public int hashCode()
    {
        return Objects.hash(format, width, height, framerateNumerator, framerateDenominator);
    }

    @Override
    public String toString()
    {
        return caps() + " (" + frameSize + " bytes)";
    }
}
