package dev.shmstreams.gst;

import com.typesafe.config.ConfigFactory;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The frame layouts of {@link GstVideoInfo}: sizes checked against what GStreamer itself writes
 * for every supported format at an odd size (where row and chroma rounding show) and at 1080p.
 */
class GstVideoInfoTest
{
    @Test
    void frameSizesAreGstreamersForEveryFormat() throws Exception
    {
        GstLaunch.assumeAvailable();
        final Path dir = GstLaunch.temporaryDirectory();
        try
        {
            // one gst-launch process, one independent branch per format and size
            final List<String> pipeline = new ArrayList<>();
            final List<GstVideoInfo> infos = new ArrayList<>();
            for (final VideoFormat format : VideoFormat.values())
            {
                for (final int[] size : new int[][] {{13, 7}, {1920, 1080}})
                {
                    final GstVideoInfo info = GstVideoInfo.create(format, size[0], size[1], 30, 1);
                    pipeline.addAll(List.of("videotestsrc", "num-buffers=1", "!", info.caps(), "!", "filesink",
                        "location=" + dir.resolve(infos.size() + ".raw")));
                    infos.add(info);
                }
            }
            try (GstLaunch gst = GstLaunch.start(dir, pipeline.toArray(new String[0])))
            {
                assertEquals(0, gst.awaitExit(Duration.ofSeconds(60)), gst.output());
            }
            for (int i = 0; i < infos.size(); i++)
            {
                assertEquals(Files.size(dir.resolve(i + ".raw")), infos.get(i).frameSize(), infos.get(i).toString());
            }
        }
        finally
        {
            GstLaunch.deleteTree(dir);
        }
    }

    @Test
    void planesOfI420AtAnOddSize()
    {
        final GstVideoInfo info = GstVideoInfo.create(VideoFormat.I420, 13, 7, 25, 1);
        assertEquals(3, info.planes());
        assertEquals(16, info.stride(0));
        assertEquals(8, info.stride(1));
        assertEquals(8, info.stride(2));
        assertEquals(0, info.offset(0));
        assertEquals(16 * 8, info.offset(1)); // rows rounded up to even before the chroma planes
        assertEquals(16 * 8 + 8 * 4, info.offset(2));
        assertEquals(16 * 8 + 2 * 8 * 4, info.frameSize());
    }

    @Test
    void capsAndConfig()
    {
        final GstVideoInfo info = GstVideoInfo.fromConfig(ConfigFactory.parseString(
            "format = NV12, width = 1920, height = 1080, framerate = \"30000/1001\""));
        assertEquals("video/x-raw,format=NV12,width=1920,height=1080,framerate=30000/1001", info.caps());
        assertEquals(3_110_400, info.frameSize());
        assertEquals(29.97, info.framesPerSecond(), 0.01);
        assertNull(GstVideoInfo.fromConfig(ConfigFactory.parseString("format = \"\", width = 0, height = 0, framerate = \"0/1\"")));
        assertEquals(VideoFormat.I420, VideoFormat.fromCaps("i420"));
        assertEquals(VideoFormat.RGBx, VideoFormat.fromCaps("RGBx"));
        assertThrows(IllegalArgumentException.class, () -> VideoFormat.fromCaps("rgbx"));
        assertThrows(IllegalArgumentException.class, () -> VideoFormat.fromCaps("P010_10LE"));
        assertThrows(IllegalArgumentException.class, () -> GstVideoInfo.create(VideoFormat.RGB, 0, 10, 30, 1));
    }
}
