package dev.shmstreams.gst.impl;

import dev.shmstreams.gst.GstProtocolException;
import dev.shmstreams.gst.GstShmSinkSettings;
import dev.shmstreams.gst.GstSocketInUseException;
import dev.shmstreams.transport.ShmIOException;
import dev.shmstreams.transport.internal.LibC;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.Map;

/**
 * INTERNAL API. The server side of GStreamer's shm protocol, what shmsink does for shmsrc: owns the
 * area, listens on the socket, greets each client with the area's name, announces each written
 * slot to every connected client and frees a slot once every client it was announced to
 * acknowledged it (or disconnected).
 *
 * <p>Threads: one I/O thread per sink accepts clients and reads their acknowledgements through a
 * selector; the sink's stage claims, publishes and aborts slots from its own thread. Both work
 * under one lock (held for bookkeeping and for non-blocking socket writes, never for a wait), so a
 * client is greeted before any buffer can be announced to it and announcements reach every client
 * in order. Writes are non-blocking: a client whose socket buffer is full gets the rest queued and
 * sent by the I/O thread; it cannot fall further behind than the slots it has not acknowledged.
 * When the stage wants a slot (or a client) that is not there, it asks once; the I/O thread calls
 * {@link Listener#onSpace()} once when that changes.
 */
public final class ShmPipeServer implements AutoCloseable
{
    private static final System.Logger LOG = System.getLogger("dev.shmstreams.gst");
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;
    private static final int AREA_ID = 1;

    public static final int NO_SLOT = -1;

    /** Called on the I/O thread (onSpace also on the caller's thread when a write found a client gone). */
    public interface Listener
    {
        void onListening();

        void onSpace();

        void onFailure(Throwable cause);
    }

    private final GstShmSinkSettings settings;
    private final Listener listener;
    private final Path socketPath;
    private final long stride;
    private final int slotSize;
    private final Object lock = new Object();
    private final Client[] clients;
    private final long[] unacknowledged;
    private final int[] freeSlots;
    private final UnsafeBuffer[] slotBuffers;
    private final ByteBuffer command = ShmPipeCommand.allocate();
    private final Thread thread;
    private int freeCount;
    private int clientCount;
    /** The stage asked for one onSpace call when a slot frees or the clients change. */
    private boolean waiting;
    /** Something the stage waits for changed: call onSpace once the lock is released. */
    private boolean wakeDue;
    private boolean closed;
    private WriterArea area;
    private ServerSocketChannel server;
    private Object socketInode;
    private Selector selector;
    private String owner;
    private volatile String areaName;

    public ShmPipeServer(final GstShmSinkSettings settings, final Listener listener)
    {
        this.settings = settings;
        this.listener = listener;
        this.socketPath = settings.socketPath().toAbsolutePath();
        this.stride = settings.slotStride();
        this.slotSize = settings.slotSize();
        this.clients = new Client[settings.maxClients()];
        this.unacknowledged = new long[settings.slots()];
        this.freeSlots = new int[settings.slots()];
        this.slotBuffers = new UnsafeBuffer[settings.slots()];
        for (int slot = settings.slots() - 1; slot >= 0; slot--)
        {
            freeSlots[freeCount++] = slot;
        }
        this.thread = new Thread(this::run, "gst-shmsink-" + socketPath.getFileName());
        this.thread.setDaemon(true);
    }

    /** Create the area and the socket on the I/O thread, then serve; reports through the listener. */
    public void start()
    {
        thread.start();
    }

    private void run()
    {
        try
        {
            if (!setUp())
            {
                return;
            }
        }
        catch (final Throwable ex)
        {
            listener.onFailure(ex);
            return;
        }
        listener.onListening();
        try
        {
            serve();
        }
        catch (final Throwable ex)
        {
            if (!isClosed())
            {
                listener.onFailure(ex instanceof IOException ?
                    new ShmIOException("shm socket " + socketPath + " failed: " + ex, ex) : ex);
            }
        }
        finally
        {
            try
            {
                selector.close();
            }
            catch (final IOException ignore)
            {
                // nothing left to do with it
            }
        }
    }

    /** @return false if closed meanwhile (everything created is released by then). */
    private boolean setUp() throws IOException
    {
        final WriterArea newArea = WriterArea.create(settings.areaSize(), settings.mode());
        synchronized (lock)
        {
            if (closed)
            {
                newArea.close();
                return false;
            }
            area = newArea;
            for (int slot = 0; slot < slotBuffers.length; slot++)
            {
                slotBuffers[slot] = new UnsafeBuffer(newArea.address() + slot * stride, slotSize);
            }
        }
        removeStaleSocket(socketPath);
        final ServerSocketChannel newServer = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        final Selector newSelector;
        try
        {
            newServer.bind(UnixDomainSocketAddress.of(socketPath), 16);
            // the socket needs write permission to connect: group members get it with a group-readable area
            Files.setPosixFilePermissions(socketPath, PosixFilePermissions.fromString(
                settings.mode() == 0640 ? "rw-rw----" : "rw-------"));
            newServer.configureBlocking(false);
            newSelector = Selector.open();
            newServer.register(newSelector, SelectionKey.OP_ACCEPT);
        }
        catch (final IOException | RuntimeException ex)
        {
            newServer.close();
            throw ex;
        }
        final Map<String, Object> attributes = Files.readAttributes(socketPath, "unix:ino", LinkOption.NOFOLLOW_LINKS);
        final String socketOwner = Files.getOwner(socketPath, LinkOption.NOFOLLOW_LINKS).getName();
        synchronized (lock)
        {
            socketInode = attributes.get("ino");
            owner = socketOwner;
            server = newServer;
            selector = newSelector;
            areaName = newArea.name();
            if (closed)
            {
                // close() ran before the socket was published: release it here
                newServer.close();
                newSelector.close();
                unlinkSocket();
                return false;
            }
        }
        LOG.log(System.Logger.Level.DEBUG, "shmsink " + socketPath + ": listening, area " + newArea.name() + " of " +
            newArea.length() + " bytes (" + settings.slots() + " slots of " + stride + ")");
        return true;
    }

    /**
     * A socket file nobody accepts on (left by a crashed run) is removed; a live server, a
     * non-socket or another user's socket is not.
     */
    static void removeStaleSocket(final Path path) throws IOException
    {
        final Map<String, Object> attributes;
        try
        {
            attributes = Files.readAttributes(path, "unix:mode,uid,ino", LinkOption.NOFOLLOW_LINKS);
        }
        catch (final NoSuchFileException ex)
        {
            return;
        }
        final int mode = (Integer)attributes.get("mode");
        if ((mode & S_IFMT) != S_IFSOCK)
        {
            throw new GstSocketInUseException(path + " exists and is not a socket (mode 0" +
                Integer.toOctalString(mode) + "): left untouched; remove it or choose another socket path");
        }
        if ((Integer)attributes.get("uid") != LibC.geteuid())
        {
            throw new GstSocketInUseException("the socket " + path + " belongs to uid " + attributes.get("uid") +
                ": left untouched");
        }
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX))
        {
            probe.connect(UnixDomainSocketAddress.of(path));
            throw new GstSocketInUseException("a live server (a shmsink?) accepts connections on " + path);
        }
        catch (final ConnectException refused)
        {
            final Object inode = Files.readAttributes(path, "unix:ino", LinkOption.NOFOLLOW_LINKS).get("ino");
            if (inode.equals(attributes.get("ino")) && Files.deleteIfExists(path))
            {
                LOG.log(System.Logger.Level.INFO, "removed stale socket " + path + " (nobody accepted on it)");
            }
        }
    }

    private void serve() throws IOException
    {
        while (!isClosed())
        {
            selector.select(1000);
            for (final SelectionKey key : selector.selectedKeys())
            {
                try
                {
                    if (key.isAcceptable())
                    {
                        accept();
                    }
                    else
                    {
                        final Client client = (Client)key.attachment();
                        if (key.isWritable())
                        {
                            flush(client);
                        }
                        if (key.isReadable())
                        {
                            read(client);
                        }
                    }
                }
                catch (final CancelledKeyException ex)
                {
                    // the client was disconnected meanwhile (a failed write on the stage's thread)
                }
            }
            selector.selectedKeys().clear();
        }
    }

    private void accept() throws IOException
    {
        final SocketChannel channel = server.accept();
        if (channel == null)
        {
            return;
        }
        try
        {
            admit(channel);
        }
        catch (final IOException ex)
        {
            // a client that went away while being accepted concerns only itself
            LOG.log(System.Logger.Level.DEBUG, "shmsink " + socketPath + ": client lost while accepted: " + ex);
            channel.close();
        }
    }

    private void admit(final SocketChannel channel) throws IOException
    {
        channel.configureBlocking(false);
        final UnixDomainPrincipal peer = channel.getOption(ExtendedSocketOptions.SO_PEERCRED);
        final String user = peer.user().getName();
        final boolean wake;
        synchronized (lock)
        {
            if (closed)
            {
                channel.close();
                return;
            }
            if (settings.mode() == 0600 && !user.equals(owner) && !user.equals("root"))
            {
                LOG.log(System.Logger.Level.WARNING, "shmsink " + socketPath + ": refused a client of user " + user +
                    " (mode 0600: only " + owner + ")");
                channel.close();
                return;
            }
            int index = -1;
            for (int i = 0; i < clients.length && index < 0; i++)
            {
                index = clients[i] == null ? i : -1;
            }
            if (index < 0)
            {
                LOG.log(System.Logger.Level.WARNING, "shmsink " + socketPath + ": refused a client: max-clients (" +
                    clients.length + ") connected");
                channel.close();
                return;
            }
            final Client client = new Client(index, channel, user);
            client.key = channel.register(selector, SelectionKey.OP_READ, client);
            clients[index] = client;
            clientCount++;
            final byte[] path = ShmPipeCommand.pathBytes(area.name());
            if (send(client, ShmPipeCommand.newShmArea(command, AREA_ID, area.length(), path.length)))
            {
                send(client, ByteBuffer.wrap(path));
            }
            if (clients[index] == client)
            {
                wakeLocked();
            }
            wake = takeWakeLocked();
        }
        LOG.log(System.Logger.Level.DEBUG, "shmsink " + socketPath + ": client " + user + " connected");
        if (wake)
        {
            listener.onSpace();
        }
    }

    private void read(final Client client)
    {
        while (true)
        {
            final int read;
            try
            {
                read = client.channel.read(client.in);
            }
            catch (final IOException ex)
            {
                disconnect(client, "read failed: " + ex.getMessage());
                break;
            }
            if (read < 0)
            {
                disconnect(client, client.in.position() == 0 ? "disconnected" :
                    "disconnected in the middle of a message");
                break;
            }
            if (read == 0)
            {
                break;
            }
            if (!client.in.hasRemaining())
            {
                acknowledge(client);
                client.in.clear();
            }
        }
        wakeIfDue();
    }

    private void acknowledge(final Client client)
    {
        final ByteBuffer in = client.in;
        final int type = ShmPipeCommand.type(in);
        final int areaId = ShmPipeCommand.areaId(in);
        final long offset = ShmPipeCommand.word0(in);
        synchronized (lock)
        {
            if (type != ShmPipeCommand.ACK_BUFFER)
            {
                throw new GstProtocolException("client " + client.index + " (" + client.user + ") sent " +
                    ShmPipeCommand.typeName(type) + "; a client may only send ACK_BUFFER (4)");
            }
            if (areaId != AREA_ID)
            {
                throw new GstProtocolException("client " + client.index + " acknowledged a buffer of area " + areaId +
                    "; the only area is " + AREA_ID);
            }
            final int slot = offset >= 0 && offset % stride == 0 && offset / stride < unacknowledged.length ?
                (int)(offset / stride) : -1;
            final long bit = 1L << client.index;
            if (slot < 0 || (unacknowledged[slot] & bit) == 0)
            {
                throw new GstProtocolException("client " + client.index + " acknowledged offset " +
                    Long.toUnsignedString(offset) + ", which is not a buffer it was given and has not acknowledged");
            }
            unacknowledged[slot] &= ~bit;
            if (unacknowledged[slot] == 0)
            {
                freeSlots[freeCount++] = slot;
                wakeLocked();
            }
        }
    }

    /** Under the lock: if the stage waits, it is called back once the lock is released. */
    private void wakeLocked()
    {
        if (waiting)
        {
            waiting = false;
            wakeDue = true;
        }
    }

    private boolean takeWakeLocked()
    {
        final boolean wake = wakeDue;
        wakeDue = false;
        return wake;
    }

    /** Not under the lock: call the stage back if something it waited for happened. */
    private void wakeIfDue()
    {
        final boolean wake;
        synchronized (lock)
        {
            wake = takeWakeLocked();
        }
        if (wake)
        {
            listener.onSpace();
        }
    }

    /** Under the lock or not; the caller wakes the stage when due. */
    private void disconnect(final Client client, final String why)
    {
        synchronized (lock)
        {
            if (clients[client.index] != client)
            {
                return;
            }
            clients[client.index] = null;
            clientCount--;
            final long bit = 1L << client.index;
            for (int slot = 0; slot < unacknowledged.length; slot++)
            {
                if ((unacknowledged[slot] & bit) != 0)
                {
                    unacknowledged[slot] &= ~bit;
                    if (unacknowledged[slot] == 0)
                    {
                        freeSlots[freeCount++] = slot;
                    }
                }
            }
            // whatever the stage waits for (a slot, a client, a drain) may have changed
            wakeLocked();
        }
        try
        {
            client.channel.close();
        }
        catch (final IOException ignore)
        {
            // already gone
        }
        LOG.log(System.Logger.Level.DEBUG, "shmsink " + socketPath + ": client " + client.index + " " + why);
    }

    /**
     * Under the lock. Write one message without blocking; what does not fit is queued for the I/O
     * thread.
     *
     * @return false if the client turned out to be gone (it is disconnected).
     */
    private boolean send(final Client client, final ByteBuffer message)
    {
        try
        {
            if (client.pending.isEmpty())
            {
                client.channel.write(message);
            }
            if (message.hasRemaining())
            {
                final ByteBuffer copy = ByteBuffer.allocate(message.remaining());
                copy.put(message).flip();
                client.pending.add(copy);
                client.key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
                selector.wakeup();
            }
            return true;
        }
        catch (final IOException ex)
        {
            disconnect(client, "write failed: " + ex.getMessage());
            return false;
        }
    }

    private void flush(final Client client)
    {
        flushPending(client);
        wakeIfDue();
    }

    private void flushPending(final Client client)
    {
        synchronized (lock)
        {
            if (clients[client.index] != client)
            {
                return;
            }
            try
            {
                while (!client.pending.isEmpty())
                {
                    final ByteBuffer head = client.pending.peek();
                    client.channel.write(head);
                    if (head.hasRemaining())
                    {
                        return;
                    }
                    client.pending.poll();
                }
                client.key.interestOps(SelectionKey.OP_READ);
            }
            catch (final IOException ex)
            {
                disconnect(client, "write failed: " + ex.getMessage());
            }
        }
    }

    /**
     * @return a free slot to write into, or {@link #NO_SLOT} if every slot is written and not yet
     * acknowledged, or fewer than min-clients are connected: then {@link Listener#onSpace()} is
     * called once that changes.
     */
    public int tryClaim()
    {
        synchronized (lock)
        {
            if (closed || area == null || freeCount == 0 || clientCount < settings.minClients())
            {
                waiting = !closed;
                return NO_SLOT;
            }
            return freeSlots[--freeCount];
        }
    }

    /** @return the claimed slot's buffer, writable in place; stage thread only. */
    public MutableDirectBuffer slot(final int slot)
    {
        return slotBuffers[slot];
    }

    /**
     * Announce a written slot to every connected client; it is free again once they all acknowledged it.
     *
     * @param slot   a claimed slot.
     * @param length bytes written.
     * @return the number of clients it was announced to; 0 means nobody received it (the slot is free).
     */
    public int publish(final int slot, final int length)
    {
        if (length < 0 || length > slotSize)
        {
            abort(slot);
            throw new IllegalArgumentException("frame length " + length + " is not within the slot size " + slotSize);
        }
        int sent = 0;
        synchronized (lock)
        {
            long mask = 0;
            for (final Client client : clients)
            {
                if (client != null && send(client, ShmPipeCommand.newBuffer(command, AREA_ID, slot * stride, length)))
                {
                    mask |= 1L << client.index;
                    sent++;
                }
            }
            unacknowledged[slot] = mask;
            if (mask == 0)
            {
                freeSlots[freeCount++] = slot;
            }
        }
        wakeIfDue();
        return sent;
    }

    /** Give back a claimed slot that was not published. */
    public void abort(final int slot)
    {
        synchronized (lock)
        {
            freeSlots[freeCount++] = slot;
        }
    }

    /**
     * @return true if every published slot was acknowledged by all its clients; otherwise false,
     * and {@link Listener#onSpace()} is called at the next acknowledgement or disconnection.
     */
    public boolean drainedOrWake()
    {
        synchronized (lock)
        {
            for (final long mask : unacknowledged)
            {
                if (mask != 0)
                {
                    waiting = true;
                    return false;
                }
            }
            return true;
        }
    }

    public int clients()
    {
        synchronized (lock)
        {
            return clientCount;
        }
    }

    /** @return the area's shm name ("/shmstreams-gst.<pid>.<n>"), null before listening. */
    public String areaName()
    {
        return areaName;
    }

    public Path socketPath()
    {
        return socketPath;
    }

    private boolean isClosed()
    {
        synchronized (lock)
        {
            return closed;
        }
    }

    /**
     * Remove the socket and area names (clients keep their mappings); for CoordinatedShutdown.
     *
     * @return true if a name was removed.
     */
    public boolean unlink()
    {
        synchronized (lock)
        {
            return unlinkSocket() | (area != null && area.unlink());
        }
    }

    private boolean unlinkSocket()
    {
        if (socketInode == null)
        {
            return false;
        }
        try
        {
            final Object inode = Files.readAttributes(socketPath, "unix:ino", LinkOption.NOFOLLOW_LINKS).get("ino");
            return socketInode.equals(inode) && Files.deleteIfExists(socketPath);
        }
        catch (final IOException ex)
        {
            return false;
        }
        finally
        {
            socketInode = null;
        }
    }

    /**
     * Close every client connection (shmsrc sees the socket close), stop listening, remove the socket
     * and the area, unmap it. Call from the thread that writes slots, once it no longer does.
     */
    @Override
    public void close()
    {
        synchronized (lock)
        {
            if (closed)
            {
                return;
            }
            closed = true;
            for (int i = 0; i < clients.length; i++)
            {
                if (clients[i] != null)
                {
                    try
                    {
                        clients[i].channel.close();
                    }
                    catch (final IOException ignore)
                    {
                        // closing anyway
                    }
                    clients[i] = null;
                }
            }
            clientCount = 0;
            if (server != null)
            {
                try
                {
                    server.close();
                }
                catch (final IOException ignore)
                {
                    // closing anyway
                }
                unlinkSocket();
            }
            if (selector != null)
            {
                selector.wakeup();
            }
            if (area != null)
            {
                area.close();
            }
        }
    }

    private static final class Client
    {
        final int index;
        final SocketChannel channel;
        final String user;
        final ByteBuffer in = ShmPipeCommand.allocate();
        final ArrayDeque<ByteBuffer> pending = new ArrayDeque<>();
        SelectionKey key;

        Client(final int index, final SocketChannel channel, final String user)
        {
            this.index = index;
            this.channel = channel;
            this.user = user;
        }
    }
}
