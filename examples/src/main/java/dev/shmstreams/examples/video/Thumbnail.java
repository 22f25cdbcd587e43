package dev.shmstreams.examples.video;

import org.agrona.DirectBuffer;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Writes a small RGB PNG of an NV12 frame read in place (BT.601 limited range), sampling every
 * n-th pixel so a 4K frame costs a few milliseconds.
 */
public final class Thumbnail
{
    private Thumbnail()
    {
    }

    public static Path write(final DirectBuffer frame, final int width, final int height, final int thumbWidth,
        final Path file) throws IOException
    {
        final int step = Math.max(1, width / thumbWidth);
        final int w = width / step;
        final int h = height / step;
        final BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        final int uvBase = width * height;
        for (int ty = 0; ty < h; ty++)
        {
            final int y = ty * step;
            for (int tx = 0; tx < w; tx++)
            {
                final int x = tx * step;
                final int luma = (frame.getByte(y * width + x) & 0xFF) - 16;
                final int uv = uvBase + (y / 2) * width + (x & ~1);
                final int u = (frame.getByte(uv) & 0xFF) - 128;
                final int v = (frame.getByte(uv + 1) & 0xFF) - 128;
                final int r = clamp((298 * luma + 409 * v + 128) >> 8);
                final int g = clamp((298 * luma - 100 * u - 208 * v + 128) >> 8);
                final int b = clamp((298 * luma + 516 * u + 128) >> 8);
                image.setRGB(tx, ty, (r << 16) | (g << 8) | b);
            }
        }
        ImageIO.write(image, "png", file.toFile());
        return file;
    }

    private static int clamp(final int value)
    {
        return Math.max(0, Math.min(255, value));
    }
}
