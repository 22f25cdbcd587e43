package dev.shmstreams.benchmarks.peers;

import dev.shmstreams.benchmarks.ChildContext;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * Plain sockets with java.nio, blocking: TCP over loopback with TCP_NODELAY, or a Unix domain
 * socket (JDK 16+ {@link UnixDomainSocketAddress}). Each message goes as a 4-byte length and the
 * message; the producer fills a direct buffer in place and writes it (at saturation 64 small messages
 * per write, as a throughput-minded sender would), the consumer reads into a direct buffer and
 * checks each complete message where it lies. Kernel socket buffers are left to Linux's autotuning.
 * The consumer accepts one connection per phase; closing it ends the phase for the producer.
 */
final class SocketPeer
{
    private static final int PREFIX = Integer.BYTES;

    private SocketPeer()
    {
    }

    private static SocketAddress address(final ChildContext ctx, final boolean unix)
    {
        return unix ? UnixDomainSocketAddress.of(ctx.directory().resolve("uds-r" + ctx.string("round") + ".sock")) :
            new InetSocketAddress("127.0.0.1", ctx.integer("port"));
    }

    static void consume(final ChildContext ctx, final PhaseControl control, final List<Phase> phases, final boolean unix)
        throws IOException
    {
        ctx.pin("cpu");
        final SocketAddress address = address(ctx, unix);
        try (ServerSocketChannel server = ServerSocketChannel.open(unix ? StandardProtocolFamily.UNIX :
            StandardProtocolFamily.INET))
        {
            if (!unix)
            {
                server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            }
            server.bind(address);
            for (int p = 0; p < phases.size(); p++)
            {
                final Phase phase = phases.get(p);
                final Meter meter = new Meter(ctx, control, p, phase);
                final int message = PREFIX + phase.length;
                final ByteBuffer buffer = BufferUtil.allocateDirectAligned(
                    phase.small() ? Math.max(64 * 1024, message) : message, 4096);
                final UnsafeBuffer view = new UnsafeBuffer(buffer);
                try (SocketChannel channel = server.accept())
                {
                    if (!unix)
                    {
                        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                    }
                    while (!meter.done())
                    {
                        if (channel.read(buffer) < 0)
                        {
                            throw new IOException(phase.name + ": the producer closed the connection");
                        }
                        final int end = buffer.position();
                        int offset = 0;
                        while (end - offset >= message && !meter.done())
                        {
                            final int length = view.getInt(offset);
                            meter.accept(view, offset + PREFIX, length == phase.length ? length : -1);
                            offset += message;
                        }
                        if (offset > 0)
                        {
                            buffer.limit(end).position(offset);
                            buffer.compact();
                        }
                    }
                }
                meter.report();
            }
        }
        finally
        {
            if (unix)
            {
                Files.deleteIfExists(((UnixDomainSocketAddress)address).getPath());
            }
        }
    }

    static void produce(final ChildContext ctx, final PhaseControl control, final List<Phase> phases, final boolean unix)
        throws IOException
    {
        ctx.pin("cpu");
        final SocketAddress address = address(ctx, unix);
        for (int p = 0; p < phases.size(); p++)
        {
            final Phase phase = phases.get(p);
            final Sender sender = new Sender(phase, control, p).withRealtimeWait();
            final int message = PREFIX + phase.length;
            final int batch = phase.batch();
            final ByteBuffer buffer = BufferUtil.allocateDirectAligned(message * batch, 4096);
            final UnsafeBuffer view = new UnsafeBuffer(buffer);
            try (SocketChannel channel = connect(address, unix))
            {
                while (!sender.stopped())
                {
                    final long intended = sender.awaitDue();
                    for (int i = 0; i < batch; i++)
                    {
                        view.putInt(i * message, phase.length);
                        sender.write(view, i * message + PREFIX, intended);
                    }
                    buffer.clear().limit(message * batch);
                    while (buffer.hasRemaining())
                    {
                        channel.write(buffer);
                    }
                }
            }
            catch (final IOException ex)
            {
                // the consumer closes the connection once its window is over
                if (!control.awaitStopped(p, 5_000_000_000L))
                {
                    throw ex;
                }
            }
            finally
            {
                sender.finish();
            }
            control.awaitStopped(p, PeerChild.PEER_TIMEOUT_NANOS);
        }
    }

    private static SocketChannel connect(final SocketAddress address, final boolean unix) throws IOException
    {
        final long deadline = System.nanoTime() + PeerChild.PEER_TIMEOUT_NANOS;
        while (true)
        {
            try
            {
                final SocketChannel channel = SocketChannel.open(address);
                if (!unix)
                {
                    channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                }
                return channel;
            }
            catch (final IOException ex)
            {
                if (System.nanoTime() - deadline > 0)
                {
                    throw ex;
                }
                LockSupport.parkNanos(20_000_000L);
            }
        }
    }
}
