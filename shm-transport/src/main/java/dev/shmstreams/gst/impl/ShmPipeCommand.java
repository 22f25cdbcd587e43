package dev.shmstreams.gst.impl;

import dev.shmstreams.gst.GstProtocolException;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * INTERNAL API. The control messages of GStreamer's shared-memory transport, as gst-plugins-bad
 * {@code sys/shm/shmpipe.c} sends them over its Unix stream socket: one C {@code struct
 * CommandBuffer} per message, written with a single {@code send()} in the host's byte order and
 * with the host's C layout. Checked byte for byte against GStreamer 1.22 on x86-64; the layout is
 * the same on aarch64 (both LP64: {@code size_t} and {@code unsigned long} are 8 bytes, aligned
 * to 8). 32-bit hosts lay it out differently and are not supported.
 *
 * <pre>
 *   0               4               8                              16              20              24
 *   +---------------+---------------+-------------------------------+---------------+---------------+
 *   | type      u32 | area id   s32 | word 0                    u64 | word 1 (or u32 + 4 padding)   |
 *   +---------------+---------------+-------------------------------+-------------------------------+
 *
 *   1 NEW_SHM_AREA   server to client  word 0: area size (size_t); bytes 16..20: path size (u32,
 *                                      counting the terminating NUL); 20..24 padding. Followed by
 *                                      the path: a POSIX shm name "/shmpipe.  123.    0\0" that the
 *                                      client passes to shm_open(O_RDONLY) and maps read-only.
 *   2 CLOSE_SHM_AREA server to client  no payload. The client unmaps once no buffer of it is held.
 *   3 NEW_BUFFER     server to client  word 0: offset in the area, word 1: size (unsigned long).
 *   4 ACK_BUFFER     client to server  word 0: the offset of the buffer released. The server frees
 *                                      the block once every client it sent the buffer to acked it.
 * </pre>
 *
 * The server greets each client it accepts with NEW_SHM_AREA for its current area. No message
 * carries caps, timestamps or end of stream: the server closing its socket ends the stream.
 * shmsrc reads each message with one non-blocking {@code recv} of exactly 24 bytes and fails on a
 * short read, so a server must never split a message across writes.
 */
public final class ShmPipeCommand
{
    public static final int TYPE_OFFSET = 0;
    public static final int AREA_ID_OFFSET = 4;
    public static final int WORD0_OFFSET = 8;
    public static final int WORD1_OFFSET = 16;
    public static final int PATH_SIZE_OFFSET = 16;
    /** sizeof(struct CommandBuffer) on LP64. */
    public static final int LENGTH = 24;

    public static final int NEW_SHM_AREA = 1;
    public static final int CLOSE_SHM_AREA = 2;
    public static final int NEW_BUFFER = 3;
    public static final int ACK_BUFFER = 4;

    /**
     * Longest path this side accepts or sends, counting the NUL: '/' plus a file name of at most
     * NAME_MAX (255) bytes plus NUL. GStreamer's own names are about 21 bytes.
     */
    public static final int MAX_PATH_SIZE = 257;

    /** The directory glibc's shm_open() resolves names in. */
    public static final String SHM_DIRECTORY = "/dev/shm";

    private ShmPipeCommand()
    {
    }

    /** @return a zeroed 24-byte buffer in the host's byte order. */
    public static ByteBuffer allocate()
    {
        return ByteBuffer.allocate(LENGTH).order(ByteOrder.nativeOrder());
    }

    private static ByteBuffer put(final ByteBuffer buffer, final int type, final int areaId, final long word0,
        final long word1)
    {
        buffer.clear();
        buffer.putInt(TYPE_OFFSET, type)
            .putInt(AREA_ID_OFFSET, areaId)
            .putLong(WORD0_OFFSET, word0)
            .putLong(WORD1_OFFSET, word1);
        return buffer.limit(LENGTH);
    }

    /**
     * @param buffer   at least 24 bytes, native order; cleared and filled, position 0, limit 24.
     * @param areaId   the area's id.
     * @param size     the area's length in bytes.
     * @param pathSize the length of the path that follows, NUL included.
     * @return the buffer.
     */
    public static ByteBuffer newShmArea(final ByteBuffer buffer, final int areaId, final long size, final int pathSize)
    {
        return put(buffer, NEW_SHM_AREA, areaId, size, pathSize & 0xFFFF_FFFFL);
    }

    public static ByteBuffer closeShmArea(final ByteBuffer buffer, final int areaId)
    {
        return put(buffer, CLOSE_SHM_AREA, areaId, 0, 0);
    }

    public static ByteBuffer newBuffer(final ByteBuffer buffer, final int areaId, final long offset, final long size)
    {
        return put(buffer, NEW_BUFFER, areaId, offset, size);
    }

    public static ByteBuffer ackBuffer(final ByteBuffer buffer, final int areaId, final long offset)
    {
        return put(buffer, ACK_BUFFER, areaId, offset, 0);
    }

    public static int type(final ByteBuffer message)
    {
        return message.getInt(TYPE_OFFSET);
    }

    public static int areaId(final ByteBuffer message)
    {
        return message.getInt(AREA_ID_OFFSET);
    }

    /** @return word 0: the area size, the buffer offset or the acknowledged offset (unsigned: negative is huge). */
    public static long word0(final ByteBuffer message)
    {
        return message.getLong(WORD0_OFFSET);
    }

    /** @return word 1: the buffer size (unsigned: negative is huge). */
    public static long word1(final ByteBuffer message)
    {
        return message.getLong(WORD1_OFFSET);
    }

    /** @return NEW_SHM_AREA's path size (unsigned: negative is huge). */
    public static long pathSize(final ByteBuffer message)
    {
        return message.getInt(PATH_SIZE_OFFSET) & 0xFFFF_FFFFL;
    }

    public static String typeName(final int type)
    {
        switch (type)
        {
            case NEW_SHM_AREA: return "NEW_SHM_AREA";
            case CLOSE_SHM_AREA: return "CLOSE_SHM_AREA";
            case NEW_BUFFER: return "NEW_BUFFER";
            case ACK_BUFFER: return "ACK_BUFFER";
            default: return "unknown type " + Integer.toUnsignedString(type);
        }
    }

    /**
     * @param name an area name as sent: '/' then a file name, without the NUL.
     * @return the name followed by NUL, as sent on the wire.
     */
    public static byte[] pathBytes(final String name)
    {
        final byte[] bytes = new byte[name.length() + 1];
        for (int i = 0; i < name.length(); i++)
        {
            final char c = name.charAt(i);
            bytes[i] = c > 0x7E ? 0 : (byte)c;
        }
        checkAreaName(bytes, name.length());
        return bytes;
    }

    /**
     * Validate a path received after NEW_SHM_AREA: its bytes must be '/' followed by 1 to 255
     * printable ASCII characters other than '/', then one NUL that ends the message. GStreamer
     * sends "/shmpipe.%5d.%5d" (pid and a counter, space padded). Anything else could name a file
     * outside /dev/shm or decode differently in Java and in C.
     *
     * @param path     the bytes received, NUL included.
     * @param pathSize how many of them.
     * @return the name, '/' included, NUL excluded.
     * @throws GstProtocolException naming what is wrong.
     */
    public static String checkReceivedPath(final byte[] path, final int pathSize)
    {
        if (pathSize < 3 || path[pathSize - 1] != 0)
        {
            throw new GstProtocolException("NEW_SHM_AREA path of " + pathSize + " bytes is not '/', a name and a " +
                "terminating NUL");
        }
        return checkAreaName(path, pathSize - 1);
    }

    private static String checkAreaName(final byte[] name, final int length)
    {
        if (length < 2 || length > MAX_PATH_SIZE - 1 || name[0] != '/')
        {
            throw new GstProtocolException("shm area name must be '/' and 1 to 255 characters, was " + length +
                " bytes" + (length > 0 && name[0] != '/' ? " not starting with '/'" : ""));
        }
        for (int i = 1; i < length; i++)
        {
            final int b = name[i] & 0xFF;
            if (b < 0x20 || b > 0x7E || b == '/')
            {
                throw new GstProtocolException("shm area name has byte 0x" + Integer.toHexString(b) + " at " + i +
                    ": only printable ASCII without '/' is accepted");
            }
        }
        final String text = new String(name, 0, length, StandardCharsets.US_ASCII);
        if (text.equals("/.") || text.equals("/.."))
        {
            throw new GstProtocolException("shm area name \"" + text + "\" is not a file name");
        }
        return text;
    }
}
