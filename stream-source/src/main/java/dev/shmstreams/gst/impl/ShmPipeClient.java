package dev.shmstreams.gst.impl;

import dev.shmstreams.gst.GstFormatMismatchException;
import dev.shmstreams.gst.GstFrame;
import dev.shmstreams.gst.GstPeerLostException;
import dev.shmstreams.gst.GstProtocolException;
import dev.shmstreams.gst.GstShmSourceSettings;
import dev.shmstreams.gst.GstVideoInfo;
import dev.shmstreams.transport.ChannelNotFoundException;
import jdk.net.ExtendedSocketOptions;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.net.SocketException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * INTERNAL API. The client side of GStreamer's shm protocol, what shmsrc does: connects to a
 * shmsink's socket, maps each area it announces read-only, turns each buffer announcement into a
 * {@link GstFrame} over the mapping and acknowledges the buffer when the frame is released.
 *
 * <p>Threads: one I/O thread connects, then waits on a selector, reads whatever arrived, validates
 * every message and queues frames for the stage. A release (any thread) writes its
 * acknowledgement itself, without blocking: the socket is non-blocking and an acknowledgement that
 * does not fit is queued and written by the I/O thread when the socket drains. No thread hop per
 * acknowledgement: on a busy machine each hop can cost a scheduling delay, and GStreamer's shmsink
 * sends only as many buffers as its area holds before it waits for acknowledgements, so their
 * latency is the throughput. The I/O thread stops parsing once max-outstanding frames are received
 * and not released, so a peer cannot make this side queue without bound; GStreamer's shmsink then
 * waits as it always does when its area is full. When the stage finds the queue empty it asks for
 * one wake-up ({@link #pollOrRequestWake()}), delivered with the next frame or the end.
 *
 * <p>End of stream: the protocol has none; shmsink closes the socket. A shmsink that stops cleanly
 * also removes its socket file right after, one that was killed cannot. So a close at a message
 * boundary followed, within close-grace, by the socket file disappearing completes the stream;
 * anything else fails it with {@link GstPeerLostException}.
 */
public final class ShmPipeClient implements GstFrame.Owner
{
    private static final System.Logger LOG = System.getLogger("dev.shmstreams.gst");
    private static final long RETRY_MILLIS = 20;
    /** Enough for many messages and the longest area name. */
    private static final int READ_BUFFER = 8192;

    /** Called on the I/O thread. */
    public interface Listener
    {
        /** Connected and the shmsink's first area mapped. */
        void onConnected();

        /** Called once after {@link #pollOrRequestWake()} returned null, when something was queued. */
        void onAvailable();

        /** Called when the {@link End} was queued, demand or not: it may end the stream at once. */
        void onEnd();
    }

    /** The last element of the queue: the stream completed (failure null) or failed. */
    public static final class End
    {
        public final Throwable failure;

        End(final Throwable failure)
        {
            this.failure = failure;
        }
    }

    private final GstShmSourceSettings settings;
    private final Listener listener;
    private final Path socketPath;
    private final GstVideoInfo video;
    private final int maxPendingAcks;
    private final ConcurrentLinkedQueue<Object> queue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean wanted = new AtomicBoolean();
    private final Thread thread;
    private final ByteBuffer in = ByteBuffer.allocate(READ_BUFFER).order(ShmPipeCommand.allocate().order());
    /** Guards everything below. */
    private final Object lock = new Object();
    private final Map<Integer, ReaderArea> areas = new HashMap<>();
    private final ByteBuffer ack = ShmPipeCommand.allocate();
    private final ArrayDeque<ByteBuffer> pendingAcks = new ArrayDeque<>();
    private int outstanding;
    private boolean paused;
    private boolean closed;
    private boolean disconnected;
    private SocketChannel channel;
    private Selector selector;
    private SelectionKey key;
    private String peer;
    private long sequence;
    private volatile String areaName;
    private volatile long frames;
    private volatile long bytes;

    public ShmPipeClient(final GstShmSourceSettings settings, final Listener listener)
    {
        this.settings = settings;
        this.listener = listener;
        this.socketPath = settings.socketPath().toAbsolutePath();
        this.video = settings.video();
        this.maxPendingAcks = 4 * settings.maxOutstanding() + 64;
        this.thread = new Thread(this::run, "gst-shmsrc-" + socketPath.getFileName());
        this.thread.setDaemon(true);
    }

    public void start()
    {
        thread.start();
    }

    /**
     * Stage thread. The next frame or {@link End}; or null, and then {@link Listener#onAvailable()}
     * is called once something arrives.
     */
    public Object pollOrRequestWake()
    {
        final Object next = queue.poll();
        if (next != null)
        {
            return next;
        }
        wanted.set(true);
        // re-check: the I/O thread may have queued after the poll and before it could see the flag
        return queue.poll();
    }

    /** @return the next element without taking it, or null. */
    public Object peek()
    {
        return queue.peek();
    }

    private void wake()
    {
        if (wanted.compareAndSet(true, false))
        {
            listener.onAvailable();
        }
    }

    // the I/O thread

    private void run()
    {
        Throwable failure;
        try
        {
            final Object socketInode = connect();
            failure = serve(socketInode);
        }
        catch (final Throwable ex)
        {
            failure = ex;
        }
        synchronized (lock)
        {
            disconnected = true;
            pendingAcks.clear();
            if (closed)
            {
                return;
            }
        }
        if (failure != null)
        {
            LOG.log(System.Logger.Level.DEBUG, "shmsrc " + socketPath + ": " + failure);
        }
        queue.offer(new End(failure));
        wake();
        listener.onEnd();
    }

    /** @return the socket file's inode, to tell later whether the server removed it. */
    private Object connect() throws IOException, InterruptedException
    {
        final long deadline = System.nanoTime() + settings.connectTimeout().toNanos();
        IOException last;
        while (true)
        {
            final SocketChannel attempt = SocketChannel.open(StandardProtocolFamily.UNIX);
            try
            {
                final Object inode = Files.readAttributes(socketPath, "unix:ino", LinkOption.NOFOLLOW_LINKS).get("ino");
                attempt.connect(UnixDomainSocketAddress.of(socketPath));
                final String user = attempt.getOption(ExtendedSocketOptions.SO_PEERCRED).user().getName();
                attempt.configureBlocking(false);
                final Selector newSelector = Selector.open();
                synchronized (lock)
                {
                    if (closed)
                    {
                        newSelector.close();
                        attempt.close();
                        throw new ClosedChannelException();
                    }
                    channel = attempt;
                    selector = newSelector;
                    peer = user;
                    key = attempt.register(newSelector, SelectionKey.OP_READ);
                }
                return inode;
            }
            catch (final ClosedChannelException ex)
            {
                throw ex;
            }
            catch (final IOException ex)
            {
                attempt.close();
                last = ex;
            }
            if (System.nanoTime() - deadline >= 0 || isClosed())
            {
                throw new ChannelNotFoundException("no shmsink accepted a connection on " + socketPath + " within " +
                    settings.connectTimeout() + " (last error: " + last + ")", last);
            }
            Thread.sleep(RETRY_MILLIS);
        }
    }

    /** @return null when the stream ended cleanly, else why it did not. */
    private Throwable serve(final Object socketInode) throws IOException, InterruptedException
    {
        boolean endOfInput = false;
        try
        {
            while (true)
            {
                selector.select();
                selector.selectedKeys().clear();
                final boolean pausedNow;
                synchronized (lock)
                {
                    if (closed)
                    {
                        return null;
                    }
                    flushAcksLocked();
                    if (pendingAcks.size() > maxPendingAcks)
                    {
                        throw new GstProtocolException("the shmsink stopped reading acknowledgements (" +
                            pendingAcks.size() + " could not be sent) while it kept sending buffers");
                    }
                    pausedNow = paused;
                }
                if (!endOfInput && !pausedNow)
                {
                    try
                    {
                        endOfInput = channel.read(in) < 0;
                    }
                    catch (final IOException ex)
                    {
                        if (isClosed())
                        {
                            return null;
                        }
                        if (!isConnectionReset(ex))
                        {
                            throw new GstPeerLostException("the connection to the shmsink at " + socketPath +
                                " failed (" + ex.getMessage() + "): it died; every buffer it announced was delivered", ex);
                        }
                        // ECONNRESET: the peer closed with acknowledgements unread, which a clean stop
                        // (unlink the socket, close the clients) does as well as a death; the kernel has
                        // delivered every byte it sent before this error. Like an end of input, the
                        // socket file then tells which it was.
                        endOfInput = true;
                    }
                }
                // at the end of input, complete messages held back by max-outstanding wait for releases:
                // judged only once parse has taken every complete message (a release may resume the
                // reading between parse and this check; then the next round parses the rest)
                if (!parse() && endOfInput)
                {
                    if (in.position() > 0)
                    {
                        return new GstPeerLostException("the shmsink at " + socketPath + " closed the connection " +
                            "in the middle of a message (" + in.position() + " bytes of it): it died");
                    }
                    return closedByPeer(socketInode);
                }
            }
        }
        finally
        {
            synchronized (lock)
            {
                // before the keys are cancelled: releases stop touching them
                disconnected = true;
                pendingAcks.clear();
            }
            selector.close();
        }
    }

    /**
     * Handle every complete message in the read buffer, up to the max-outstanding limit.
     *
     * @return true when it stopped at that limit with complete messages left; false when what is
     * left (if anything) is the start of a message still to arrive.
     */
    private boolean parse()
    {
        in.flip();
        try
        {
            while (in.remaining() >= ShmPipeCommand.LENGTH)
            {
                final ByteBuffer message = in.slice(in.position(), ShmPipeCommand.LENGTH).order(in.order());
                final int type = ShmPipeCommand.type(message);
                if (type == ShmPipeCommand.NEW_SHM_AREA)
                {
                    final long pathSize = ShmPipeCommand.pathSize(message);
                    if (pathSize < 3 || pathSize > ShmPipeCommand.MAX_PATH_SIZE)
                    {
                        throw new GstProtocolException("NEW_SHM_AREA announces a path of " + pathSize + " bytes; 3 to " +
                            ShmPipeCommand.MAX_PATH_SIZE + " (NUL included) are accepted");
                    }
                    if (in.remaining() < ShmPipeCommand.LENGTH + pathSize)
                    {
                        return false; // the name has not arrived yet
                    }
                    final byte[] path = new byte[(int)pathSize];
                    in.get(in.position() + ShmPipeCommand.LENGTH, path);
                    newArea(message, path);
                    in.position(in.position() + ShmPipeCommand.LENGTH + (int)pathSize);
                }
                else if (type == ShmPipeCommand.CLOSE_SHM_AREA)
                {
                    closeArea(ShmPipeCommand.areaId(message));
                    in.position(in.position() + ShmPipeCommand.LENGTH);
                }
                else if (type == ShmPipeCommand.NEW_BUFFER)
                {
                    if (!newBuffer(message))
                    {
                        return true; // max-outstanding: the rest waits in the buffer and in the socket
                    }
                    in.position(in.position() + ShmPipeCommand.LENGTH);
                }
                else
                {
                    throw new GstProtocolException("the shmsink sent " + ShmPipeCommand.typeName(type) +
                        "; a server sends NEW_SHM_AREA (1), CLOSE_SHM_AREA (2) or NEW_BUFFER (3)");
                }
            }
            return false;
        }
        finally
        {
            in.compact();
        }
    }

    private void newArea(final ByteBuffer message, final byte[] path)
    {
        final int id = ShmPipeCommand.areaId(message);
        final long size = ShmPipeCommand.word0(message);
        if (size <= 0)
        {
            throw new GstProtocolException("NEW_SHM_AREA announces an area of " + Long.toUnsignedString(size) +
                " bytes");
        }
        final String name = ShmPipeCommand.checkReceivedPath(path, path.length);
        synchronized (lock)
        {
            if (areas.containsKey(id))
            {
                throw new GstProtocolException("NEW_SHM_AREA reuses id " + id + " of an area still mapped");
            }
        }
        final ReaderArea area = ReaderArea.open(id, name, size, peer);
        synchronized (lock)
        {
            if (closed)
            {
                area.unmap();
                return;
            }
            areas.put(id, area);
        }
        final boolean first = areaName == null;
        areaName = name;
        LOG.log(System.Logger.Level.DEBUG, "shmsrc " + socketPath + ": mapped " + area);
        if (first)
        {
            listener.onConnected();
        }
    }

    private void closeArea(final int id)
    {
        synchronized (lock)
        {
            final ReaderArea area = areas.get(id);
            if (area == null || area.closedByPeer)
            {
                throw new GstProtocolException("CLOSE_SHM_AREA for area " + id + ", which is not open");
            }
            area.closedByPeer = true;
            if (area.refs == 0)
            {
                areas.remove(id);
                area.unmap();
            }
        }
    }

    /** @return false, having paused reading, if max-outstanding frames are out: the message stays unhandled. */
    private boolean newBuffer(final ByteBuffer message)
    {
        final int id = ShmPipeCommand.areaId(message);
        final long offset = ShmPipeCommand.word0(message);
        final long size = ShmPipeCommand.word1(message);
        synchronized (lock)
        {
            final ReaderArea area = areas.get(id);
            if (area == null)
            {
                throw new GstProtocolException("NEW_BUFFER in area " + id + ", which is not mapped");
            }
            if (offset < 0 || size < 0 || size > Integer.MAX_VALUE || offset > area.size - size)
            {
                throw new GstProtocolException("NEW_BUFFER at offset " + Long.toUnsignedString(offset) + " of " +
                    Long.toUnsignedString(size) + " bytes does not lie within area " + id + " of " + area.size +
                    " bytes");
            }
            if (video != null && size != video.frameSize())
            {
                throw new GstFormatMismatchException("a buffer of " + size + " bytes arrived where a frame of " +
                    video + " was expected: the shmsink pipeline sends another format (set the same caps on both sides)");
            }
            if (closed)
            {
                return true;
            }
            if (outstanding >= settings.maxOutstanding())
            {
                paused = true;
                key.interestOps(key.interestOps() & ~SelectionKey.OP_READ);
                return false;
            }
            area.refs++;
            outstanding++;
            frames++;
            bytes += size;
            // queued under the lock, so close() either sees it to release or stops it being created
            queue.offer(new GstFrame(this, sequence++, id, offset, new UnsafeBuffer(area.address + offset, (int)size),
                video, System.nanoTime()));
        }
        wake();
        return true;
    }

    /** The peer closed at a message boundary: a clean stop removes the socket file, a dead peer cannot. */
    private static boolean isConnectionReset(final IOException ex)
    {
        // what SocketChannelImpl throws for ECONNRESET; the JDK has no public type for it
        return ex instanceof SocketException && "Connection reset".equals(ex.getMessage());
    }

    private Throwable closedByPeer(final Object socketInode) throws InterruptedException
    {
        final long deadline = System.nanoTime() + settings.closeGrace().toNanos();
        while (true)
        {
            try
            {
                final Object inode = Files.readAttributes(socketPath, "unix:ino", LinkOption.NOFOLLOW_LINKS).get("ino");
                if (!inode.equals(socketInode))
                {
                    return null;
                }
            }
            catch (final NoSuchFileException ex)
            {
                return null;
            }
            catch (final IOException ex)
            {
                return new GstPeerLostException("the shmsink at " + socketPath + " closed the connection and its " +
                    "socket cannot be checked: " + ex, ex);
            }
            if (System.nanoTime() - deadline >= 0 || isClosed())
            {
                return new GstPeerLostException("the shmsink at " + socketPath + " closed the connection but its " +
                    "socket file is still there after " + settings.closeGrace().toMillis() + " ms: it died (killed " +
                    "or crashed) instead of stopping; every buffer it announced was delivered");
            }
            TimeUnit.MILLISECONDS.sleep(10);
        }
    }

    // acknowledgements

    /** Any thread, exactly once per frame (GstFrame guarantees it). Never blocks. */
    @Override
    public void release(final GstFrame frame)
    {
        synchronized (lock)
        {
            final ReaderArea area = areas.get(frame.areaId());
            outstanding--;
            area.refs--;
            if (!closed && !disconnected && key.isValid())
            {
                ShmPipeCommand.ackBuffer(ack, frame.areaId(), frame.offset());
                if (pendingAcks.isEmpty())
                {
                    write(ack);
                }
                if (ack.hasRemaining())
                {
                    pendingAcks.add(ByteBuffer.allocate(ack.remaining()).put(ack).flip());
                    key.interestOps(key.interestOps() | SelectionKey.OP_WRITE);
                    selector.wakeup();
                }
                if (paused)
                {
                    paused = false;
                    key.interestOps(key.interestOps() | SelectionKey.OP_READ);
                    selector.wakeup(); // messages may be waiting in the read buffer, not only in the socket
                }
            }
            if (area.refs == 0 && (area.closedByPeer || closed))
            {
                areas.remove(area.id);
                area.unmap();
            }
        }
    }

    /** Under the lock: a non-blocking write; an error is left to the I/O thread, which sees the connection end. */
    private void write(final ByteBuffer message)
    {
        try
        {
            channel.write(message);
        }
        catch (final IOException ex)
        {
            message.position(message.limit());
            LOG.log(System.Logger.Level.DEBUG, "shmsrc " + socketPath + ": acknowledgement not sent: " + ex);
        }
    }

    private void flushAcksLocked()
    {
        while (!pendingAcks.isEmpty())
        {
            final ByteBuffer head = pendingAcks.peek();
            write(head);
            if (head.hasRemaining())
            {
                return;
            }
            pendingAcks.poll();
        }
        if (!disconnected && key.isValid())
        {
            key.interestOps(key.interestOps() & ~SelectionKey.OP_WRITE);
        }
    }

    private boolean isClosed()
    {
        synchronized (lock)
        {
            return closed;
        }
    }

    public String areaName()
    {
        return areaName;
    }

    public long frames()
    {
        return frames;
    }

    public long bytes()
    {
        return bytes;
    }

    /** @return frames received and not yet released. */
    public int outstanding()
    {
        synchronized (lock)
        {
            return outstanding;
        }
    }

    /**
     * Disconnect (the shmsink forgets this client and frees its buffers) and release what was never
     * emitted. Areas stay mapped while frames of them are held downstream; the last release unmaps.
     * Does not wait for the I/O thread: it ends on the closed socket.
     */
    public void close()
    {
        synchronized (lock)
        {
            if (closed)
            {
                return;
            }
            closed = true;
            for (Object next = queue.poll(); next != null; next = queue.poll())
            {
                if (next instanceof GstFrame)
                {
                    ((GstFrame)next).release();
                }
            }
            areas.values().removeIf(area ->
            {
                if (area.refs == 0)
                {
                    area.unmap();
                    return true;
                }
                return false;
            });
            if (selector != null)
            {
                selector.wakeup();
            }
            if (channel != null)
            {
                try
                {
                    channel.close();
                }
                catch (final IOException ignore)
                {
                    // closing anyway
                }
            }
        }
        thread.interrupt();
    }
}
