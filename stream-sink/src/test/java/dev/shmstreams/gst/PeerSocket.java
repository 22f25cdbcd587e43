package dev.shmstreams.gst;

import dev.shmstreams.gst.impl.ShmPipeCommand;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.time.Duration;

/**
 * One end of a shm protocol connection played by a test: raw 24-byte messages in and out, reads
 * with a deadline (a test never hangs on a peer that stays silent).
 */
public final class PeerSocket implements AutoCloseable
{
    public static final Duration TIMEOUT = Duration.ofSeconds(20);

    private final SocketChannel channel;
    private final Selector selector;

    public PeerSocket(final SocketChannel channel)
    {
        try
        {
            this.channel = channel;
            channel.configureBlocking(false);
            this.selector = Selector.open();
            channel.register(selector, SelectionKey.OP_READ);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /**
     * @param length bytes wanted.
     * @param timeout how long to wait for them.
     * @return the bytes read (position 0, limit = count), native order; fewer than asked if the peer closed.
     * @throws AssertionError if nothing more came within the timeout.
     */
    public ByteBuffer read(final int length, final Duration timeout)
    {
        final ByteBuffer buffer = ByteBuffer.allocate(length).order(ShmPipeCommand.allocate().order());
        final long deadline = System.nanoTime() + timeout.toNanos();
        try
        {
            while (buffer.hasRemaining())
            {
                int read;
                try
                {
                    read = channel.read(buffer);
                }
                catch (final java.net.SocketException reset)
                {
                    read = -1; // closed with our bytes unread: ECONNRESET, a close all the same
                }
                if (read < 0)
                {
                    return buffer.flip();
                }
                if (read == 0)
                {
                    final long left = deadline - System.nanoTime();
                    if (left <= 0)
                    {
                        throw new AssertionError("the peer sent " + buffer.position() + " of " + length + " bytes within " +
                            timeout);
                    }
                    selector.select(Math.max(1, left / 1_000_000));
                    selector.selectedKeys().clear();
                }
            }
            return buffer.flip();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /** @return the next 24-byte message. */
    public ByteBuffer readMessage()
    {
        final ByteBuffer message = read(ShmPipeCommand.LENGTH, TIMEOUT);
        if (message.limit() != ShmPipeCommand.LENGTH)
        {
            throw new AssertionError("the peer closed instead of sending a message (" + message.limit() + " bytes)");
        }
        return message;
    }

    /** @return true if the peer closed the connection within the timeout, false if a byte arrived first. */
    public boolean closedWithin(final Duration timeout)
    {
        return read(1, timeout).limit() == 0;
    }

    /** @return true if the peer closed the connection within the timeout, whatever it sent before. */
    public boolean closedAfterAnythingWithin(final Duration timeout)
    {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline)
        {
            if (read(1, Duration.ofNanos(Math.max(1, deadline - System.nanoTime()))).limit() == 0)
            {
                return true;
            }
        }
        return false;
    }

    /** @return true if nothing at all arrived within the time (and the connection is open). */
    public boolean silentFor(final Duration time)
    {
        try
        {
            selector.select(time.toMillis());
            selector.selectedKeys().clear();
            final ByteBuffer probe = ByteBuffer.allocate(1);
            return channel.read(probe) == 0;
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /** Write all of it (small messages: the socket buffer takes them). */
    public void write(final ByteBuffer bytes)
    {
        try
        {
            while (bytes.hasRemaining())
            {
                channel.write(bytes);
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    public void write(final byte[] bytes)
    {
        write(ByteBuffer.wrap(bytes));
    }

    @Override
    public void close()
    {
        try
        {
            selector.close();
            channel.close();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }
}
