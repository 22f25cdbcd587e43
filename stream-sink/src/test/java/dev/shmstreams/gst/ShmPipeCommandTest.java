package dev.shmstreams.gst;

import dev.shmstreams.gst.impl.ShmPipeCommand;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The message layout against bytes captured from GStreamer 1.22's shmsink on x86-64
 * (gst-launch-1.0 videotestsrc ! video/x-raw,format=I420,width=64,height=48 ! shmsink shm-size=200000).
 */
class ShmPipeCommandTest
{
    private static byte[] bytes(final ByteBuffer message)
    {
        final byte[] bytes = new byte[message.remaining()];
        message.duplicate().get(bytes);
        return bytes;
    }

    @Test
    void messagesAreLaidOutAsGstreamerSendsThem()
    {
        final HexFormat hex = HexFormat.of();
        assertEquals("0100000001000000400d0300000000001500000000000000",
            hex.formatHex(bytes(ShmPipeCommand.newShmArea(ShmPipeCommand.allocate(), 1, 200_000, 21))));
        assertEquals("030000000100000008120000000000000012000000000000",
            hex.formatHex(bytes(ShmPipeCommand.newBuffer(ShmPipeCommand.allocate(), 1, 4616, 4608))));
        assertEquals("040000000100000008120000000000000000000000000000",
            hex.formatHex(bytes(ShmPipeCommand.ackBuffer(ShmPipeCommand.allocate(), 1, 4616))));
        assertEquals("020000000300000000000000000000000000000000000000",
            hex.formatHex(bytes(ShmPipeCommand.closeShmArea(ShmPipeCommand.allocate(), 3))));

        final ByteBuffer captured = ByteBuffer.wrap(hex.parseHex("0100000001000000400d0300000000001500000000000000"))
            .order(ShmPipeCommand.allocate().order());
        assertEquals(ShmPipeCommand.NEW_SHM_AREA, ShmPipeCommand.type(captured));
        assertEquals(1, ShmPipeCommand.areaId(captured));
        assertEquals(200_000, ShmPipeCommand.word0(captured));
        assertEquals(21, ShmPipeCommand.pathSize(captured));
    }

    @Test
    void areaNamesAsGstreamerSendsThemAreAcceptedAndNothingElse()
    {
        final byte[] gstreamer = "/shmpipe. 9125.    0\0".getBytes(StandardCharsets.US_ASCII);
        assertEquals("/shmpipe. 9125.    0", ShmPipeCommand.checkReceivedPath(gstreamer, gstreamer.length));
        for (final String bad : new String[] {"shm\0", "/\0", "/a/b\0", "/..\0", "/.\0", "/a\u0001\0", "/abc", "\0"})
        {
            final byte[] path = bad.getBytes(StandardCharsets.ISO_8859_1);
            assertThrows(GstProtocolException.class, () -> ShmPipeCommand.checkReceivedPath(path, path.length), bad);
        }
        final byte[] long256 = ("/" + "a".repeat(255) + "\0").getBytes(StandardCharsets.US_ASCII);
        assertEquals(257, long256.length);
        ShmPipeCommand.checkReceivedPath(long256, long256.length);
        final byte[] long257 = ("/" + "a".repeat(256) + "\0").getBytes(StandardCharsets.US_ASCII);
        assertThrows(GstProtocolException.class, () -> ShmPipeCommand.checkReceivedPath(long257, long257.length));
        assertArrayEquals("/x\0".getBytes(StandardCharsets.US_ASCII), ShmPipeCommand.pathBytes("/x"));
    }
}
