package dev.shmstreams.gst;

import akka.actor.ActorSystem;
import akka.stream.javadsl.Source;
import akka.testkit.javadsl.TestKit;
import dev.shmstreams.gst.javadsl.GstShmSink;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * GstShmSink serving real gst-launch-1.0 shmsrc pipelines (GStreamer from the distribution's
 * packages): GStreamer decodes what the Akka graph rendered, and every byte is checked.
 */
class GstShmSinkGstreamerTest
{
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static ActorSystem system;
    private Path dir;
    private Path socket;

    @BeforeAll
    static void start()
    {
        system = ActorSystem.create("GstShmSinkGstreamerTest");
    }

    @AfterAll
    static void stop()
    {
        TestKit.shutdownActorSystem(system);
    }

    @BeforeEach
    void createDirectory() throws Exception
    {
        GstLaunch.assumeAvailable();
        dir = GstLaunch.temporaryDirectory();
        socket = dir.resolve("akka.sock");
    }

    @AfterEach
    void deleteDirectory() throws Exception
    {
        GstLaunch.deleteTree(dir);
    }

    /** RGB pixel of frame i at (x, y): every frame, row and column different. */
    private static int rgb(final int frame, final int x, final int y)
    {
        final int r = (x * 5 + frame * 7) & 0xFF;
        final int g = (y * 8 + frame * 3) & 0xFF;
        final int b = (x + y + frame * 11) & 0xFF;
        return r << 16 | g << 8 | b;
    }

    private static int renderRgb(final GstVideoInfo video, final int frame, final MutableDirectBuffer slot)
    {
        final int stride = video.stride(0);
        slot.setMemory(0, video.frameSize(), (byte)0xAA); // row padding: GStreamer must skip it
        for (int y = 0; y < video.height(); y++)
        {
            for (int x = 0; x < video.width(); x++)
            {
                final int pixel = rgb(frame, x, y);
                final int at = y * stride + x * 3;
                slot.putByte(at, (byte)(pixel >> 16));
                slot.putByte(at + 1, (byte)(pixel >> 8));
                slot.putByte(at + 2, (byte)pixel);
            }
        }
        return video.frameSize();
    }

    /** Frames rendered in place by the graph, encoded by GStreamer to PNG: every pixel as rendered. */
    @Test
    void framesRenderedByTheGraphAreWrittenByGstreamerPixelForPixel() throws Exception
    {
        final int count = 10;
        // 50 * 3 = 150 bytes of pixels in rows of 152: the padding must not show in the picture
        final GstVideoInfo video = GstVideoInfo.create(VideoFormat.RGB, 50, 30, 30, 1);
        assertEquals(152, video.stride(0));
        final GstShmSinkControl sink = Source.range(0, count - 1)
            .runWith(GstShmSink.create(GstShmSinkSettings.create(system, socket).withVideo(video).withSlots(4),
                (Integer frame, MutableDirectBuffer slot) -> renderRgb(video, frame, slot)), system);
        sink.listening().toCompletableFuture().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);

        try (GstLaunch gst = GstLaunch.start(dir, "shmsrc", "socket-path=" + socket, "num-buffers=" + count, "!",
            video.caps(), "!", "pngenc", "!", "multifilesink", "location=" + dir.resolve("frame-%03d.png")))
        {
            assertEquals(0, gst.awaitExit(TIMEOUT), gst.output());
        }
        sink.done().toCompletableFuture().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        assertEquals(count, sink.frames());

        for (int frame = 0; frame < count; frame++)
        {
            final BufferedImage image = ImageIO.read(dir.resolve(String.format("frame-%03d.png", frame)).toFile());
            assertEquals(video.width(), image.getWidth());
            assertEquals(video.height(), image.getHeight());
            for (int y = 0; y < video.height(); y++)
            {
                for (int x = 0; x < video.width(); x++)
                {
                    final int want = rgb(frame, x, y);
                    final int got = image.getRGB(x, y) & 0xFFFFFF;
                    if (want != got)
                    {
                        fail("frame " + frame + " pixel (" + x + ", " + y + "): rendered #" + Integer.toHexString(want) +
                            ", GStreamer wrote #" + Integer.toHexString(got));
                    }
                }
            }
        }
        assertFalse(Files.exists(socket), "socket removed");
        assertFalse(Files.exists(Path.of("/dev/shm" + sink.areaName())), "area removed");
    }

    /** I420 sample of frame i: luma gradient, a constant chroma per frame. */
    private static int luma(final int frame, final int x, final int y)
    {
        return (16 + x * 3 + y * 5 + frame) & 0xFF;
    }

    private static int cb(final int frame)
    {
        return 60 + frame;
    }

    private static int cr(final int frame)
    {
        return 200 - frame;
    }

    private static int renderI420(final GstVideoInfo video, final int frame, final MutableDirectBuffer slot)
    {
        slot.setMemory(0, video.frameSize(), (byte)0xEE);
        for (int y = 0; y < video.height(); y++)
        {
            for (int x = 0; x < video.width(); x++)
            {
                slot.putByte(video.offset(0) + y * video.stride(0) + x, (byte)luma(frame, x, y));
            }
        }
        final int chromaWidth = (video.width() + 1) / 2;
        final int chromaHeight = (video.height() + 1) / 2;
        for (int y = 0; y < chromaHeight; y++)
        {
            for (int x = 0; x < chromaWidth; x++)
            {
                slot.putByte(video.offset(1) + y * video.stride(1) + x, (byte)cb(frame));
                slot.putByte(video.offset(2) + y * video.stride(2) + x, (byte)cr(frame));
            }
        }
        return video.frameSize();
    }

    /**
     * Two shmsrc clients on one sink, one of them slow, with only two slots: each slot is written
     * again only after both acknowledged it, so both receive every frame intact. One client has
     * GStreamer convert the I420 frames to Y444 (which reads every plane at the offsets and strides
     * GStreamer computes for an odd size), the other writes them as received.
     */
    @Test
    void twoShmsrcClientsOnOneSinkReceiveEveryFrameIntact() throws Exception
    {
        final int count = 40;
        final GstVideoInfo video = GstVideoInfo.create(VideoFormat.I420, 33, 17, 30, 1);
        final Path converted = dir.resolve("converted.y444");
        final Path raw = dir.resolve("raw.i420");
        final GstShmSinkControl sink = Source.range(0, count - 1)
            .runWith(GstShmSink.create(GstShmSinkSettings.create(system, socket).withVideo(video).withSlots(2)
                    .withMinClients(2),
                (Integer frame, MutableDirectBuffer slot) -> renderI420(video, frame, slot)), system);
        sink.listening().toCompletableFuture().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);

        try (GstLaunch convert = GstLaunch.start(dir, "shmsrc", "socket-path=" + socket, "num-buffers=" + count, "!",
                video.caps(), "!", "videoconvert", "!", "video/x-raw,format=Y444", "!", "filesink",
                "location=" + converted);
            GstLaunch slow = GstLaunch.start(dir, "shmsrc", "socket-path=" + socket, "num-buffers=" + count, "!",
                // filesink's default buffering keeps 64 KiB of buffers unreleased: more than two slots
                "identity", "sleep-time=3000", "!", "filesink", "buffer-mode=unbuffered", "location=" + raw))
        {
            assertEquals(0, convert.awaitExit(TIMEOUT), convert.output());
            assertEquals(0, slow.awaitExit(TIMEOUT), slow.output());
        }
        sink.done().toCompletableFuture().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);

        final byte[] received = Files.readAllBytes(raw);
        assertEquals(count * video.frameSize(), received.length);
        final byte[] rendered = new byte[video.frameSize()];
        final UnsafeBuffer renderedBuffer = new UnsafeBuffer(rendered);
        for (int frame = 0; frame < count; frame++)
        {
            renderI420(video, frame, renderedBuffer);
            assertArrayEquals(rendered, Arrays.copyOfRange(received, frame * video.frameSize(),
                (frame + 1) * video.frameSize()), "frame " + frame + " as the slow client received it");
        }

        final GstVideoInfo y444 = GstVideoInfo.create(VideoFormat.Y444, 33, 17, 30, 1);
        final byte[] planes = Files.readAllBytes(converted);
        assertEquals(count * y444.frameSize(), planes.length);
        for (int frame = 0; frame < count; frame++)
        {
            final int base = frame * y444.frameSize();
            for (int y = 0; y < video.height(); y++)
            {
                for (int x = 0; x < video.width(); x++)
                {
                    final String where = "frame " + frame + " (" + x + ", " + y + ")";
                    assertEquals(luma(frame, x, y), planes[base + y444.offset(0) + y * y444.stride(0) + x] & 0xFF, where);
                    assertEquals(cb(frame), planes[base + y444.offset(1) + y * y444.stride(1) + x] & 0xFF, where);
                    assertEquals(cr(frame), planes[base + y444.offset(2) + y * y444.stride(2) + x] & 0xFF, where);
                }
            }
        }
    }
}
