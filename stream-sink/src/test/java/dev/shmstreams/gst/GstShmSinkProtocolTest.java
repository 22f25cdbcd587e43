package dev.shmstreams.gst;

import akka.actor.ActorSystem;
import akka.stream.javadsl.Source;
import akka.testkit.javadsl.TestKit;
import akka.util.ByteString;
import dev.shmstreams.gst.impl.ShmPipeCommand;
import dev.shmstreams.gst.javadsl.GstShmSink;
import dev.shmstreams.transport.internal.LibC;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.*;

/**
 * GstShmSink's side of the protocol, with the shmsrc clients played by the test byte for byte:
 * what it sends, when it frees slots, what it refuses.
 */
class GstShmSinkProtocolTest
{
    private static final Duration TIMEOUT = PeerSocket.TIMEOUT;
    private static final Duration QUIET = Duration.ofMillis(300);
    private static final int STRIDE = 4096;
    private static ActorSystem system;
    private Path dir;
    private Path socket;

    @BeforeAll
    static void start()
    {
        system = ActorSystem.create("GstShmSinkProtocolTest");
    }

    @AfterAll
    static void stop()
    {
        TestKit.shutdownActorSystem(system);
    }

    @BeforeEach
    void createDirectory() throws Exception
    {
        dir = GstLaunch.temporaryDirectory();
        socket = dir.resolve("sink.sock");
    }

    @AfterEach
    void deleteDirectory() throws Exception
    {
        GstLaunch.deleteTree(dir);
    }

    private GstShmSinkSettings settings(final int slots)
    {
        return GstShmSinkSettings.create(system, socket).withSlotSize(100).withSlots(slots);
    }

    /**
     * A running sink fed with {@code count} elements "frame 1", "frame 2"... counted as they are
     * pulled: the graph is fused, so the count is exactly the sink's pulls.
     */
    private GstShmSinkControl run(final GstShmSinkSettings settings, final int count, final AtomicInteger pulled)
        throws Exception
    {
        final GstShmSinkControl sink = Source.range(1, count)
            .map(i ->
            {
                pulled.incrementAndGet();
                return ByteString.fromString("frame " + i);
            })
            .runWith(GstShmSink.copyingByteStrings(settings), system);
        sink.listening().toCompletableFuture().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        return sink;
    }

    private PeerSocket connect() throws Exception
    {
        final SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        channel.connect(UnixDomainSocketAddress.of(socket));
        return new PeerSocket(channel);
    }

    /** Connect and read the greeting; @return the client. */
    private PeerSocket connectAndGreet(final GstShmSinkControl sink, final long areaSize) throws Exception
    {
        final PeerSocket client = connect();
        final ByteBuffer greeting = client.readMessage();
        assertEquals(ShmPipeCommand.NEW_SHM_AREA, ShmPipeCommand.type(greeting));
        assertEquals(1, ShmPipeCommand.areaId(greeting));
        assertEquals(areaSize, ShmPipeCommand.word0(greeting));
        final String name = sink.areaName();
        assertEquals(name.length() + 1, ShmPipeCommand.pathSize(greeting));
        assertEquals(0, greeting.getInt(20), "padding");
        final ByteBuffer path = client.read(name.length() + 1, TIMEOUT);
        assertEquals(name + "\0", StandardCharsets.US_ASCII.decode(path).toString());
        return client;
    }

    private static ByteBuffer ack(final int areaId, final long offset)
    {
        return ShmPipeCommand.ackBuffer(ShmPipeCommand.allocate(), areaId, offset);
    }

    /** @return the offset announced. */
    private static long expectBuffer(final PeerSocket client, final int size)
    {
        final ByteBuffer message = client.readMessage();
        assertEquals(ShmPipeCommand.NEW_BUFFER, ShmPipeCommand.type(message));
        assertEquals(1, ShmPipeCommand.areaId(message));
        assertEquals(size, ShmPipeCommand.word1(message));
        final long offset = ShmPipeCommand.word0(message);
        assertEquals(0, offset % STRIDE, "slots are page-aligned");
        return offset;
    }

    private static void await(final BooleanSupplier condition, final String what) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!condition.getAsBoolean())
        {
            assertTrue(System.nanoTime() < deadline, what);
            Thread.sleep(5);
        }
    }

    private static Map<String, Object> attributes(final Path path) throws Exception
    {
        return Files.readAttributes(path, "unix:mode,uid", LinkOption.NOFOLLOW_LINKS);
    }

    private static void awaitDone(final GstShmSinkControl sink) throws Exception
    {
        sink.done().toCompletableFuture().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    }

    @Test
    void greetsWithTheAreaAndAnnouncesFramesWrittenInPlace() throws Exception
    {
        final GstShmSinkControl sink = run(settings(4), 1, new AtomicInteger());
        final Path area = Path.of(ShmPipeCommand.SHM_DIRECTORY + sink.areaName());
        assertTrue(sink.areaName().startsWith("/shmstreams-gst." + ProcessHandle.current().pid() + "."), sink.areaName());
        assertEquals(0100600, attributes(area).get("mode"));
        assertEquals(LibC.geteuid(), attributes(area).get("uid"));
        assertEquals(0140600, attributes(socket).get("mode"));

        try (PeerSocket client = connectAndGreet(sink, 4 * STRIDE))
        {
            final long offset = expectBuffer(client, 7);
            final byte[] bytes = Files.readAllBytes(area);
            assertEquals("frame 1", new String(bytes, (int)offset, 7, StandardCharsets.US_ASCII));
            await(() -> sink.frames() == 1, "frames counted");
            assertTrue(client.silentFor(QUIET), "waits for the acknowledgement, as shmsink does at end of stream");
            assertFalse(sink.done().toCompletableFuture().isDone());
            client.write(ack(1, offset));
            awaitDone(sink);
            assertTrue(client.closedWithin(TIMEOUT), "the end of the stream closes the connection");
        }
        assertFalse(Files.exists(socket), "socket removed");
        assertFalse(Files.exists(area), "area removed");
    }

    @Test
    void groupModeGivesTheGroupReadOnTheAreaAndConnectOnTheSocket() throws Exception
    {
        final GstShmSinkControl sink = run(settings(1).withMode(0640), 1, new AtomicInteger());
        assertEquals(0100640, attributes(Path.of(ShmPipeCommand.SHM_DIRECTORY + sink.areaName())).get("mode"));
        assertEquals(0140660, attributes(socket).get("mode"));
        try (PeerSocket client = connectAndGreet(sink, STRIDE))
        {
            client.write(ack(1, expectBuffer(client, 7)));
            awaitDone(sink);
        }
        assertThrows(IllegalArgumentException.class, () -> settings(1).withMode(0666));
        assertThrows(IllegalArgumentException.class, () -> settings(1).withMode(0660));
    }

    @Test
    void aSlotIsWrittenAgainOnlyOnceEveryClientAcknowledgedIt() throws Exception
    {
        final AtomicInteger pulled = new AtomicInteger();
        final GstShmSinkControl sink = run(settings(1).withMinClients(2), 3, pulled);
        try (PeerSocket first = connectAndGreet(sink, STRIDE))
        {
            Thread.sleep(QUIET.toMillis());
            assertEquals(0, pulled.get(), "min-clients = 2: nothing pulled with one client");
            try (PeerSocket second = connectAndGreet(sink, STRIDE))
            {
                assertEquals(0, expectBuffer(first, 7), "the only slot");
                assertEquals(0, expectBuffer(second, 7));
                first.write(ack(1, 0));
                assertTrue(second.silentFor(QUIET) && first.silentFor(QUIET), "the second client still reads it");
                assertEquals(1, pulled.get());
                second.write(ack(1, 0));
                assertEquals(0, expectBuffer(first, 7));
                assertEquals(0, expectBuffer(second, 7));
                assertEquals(2, pulled.get());
            }
            // the second client left: its acknowledgement is no longer awaited, but the first's is
            assertTrue(first.silentFor(QUIET));
            first.write(ack(1, 0));
            await(() -> sink.clients() == 1, "the second client is gone");
            assertTrue(first.silentFor(QUIET), "fewer than min-clients connected: no frame");
            assertEquals(2, pulled.get());
            try (PeerSocket third = connectAndGreet(sink, STRIDE))
            {
                assertEquals(0, expectBuffer(first, 7));
                assertEquals(0, expectBuffer(third, 7));
                first.write(ack(1, 0));
                third.write(ack(1, 0));
                awaitDone(sink);
                assertTrue(third.closedWithin(TIMEOUT));
            }
        }
    }

    @Test
    void backpressuresWhenEverySlotAwaitsAnAcknowledgement() throws Exception
    {
        final AtomicInteger pulled = new AtomicInteger();
        final GstShmSinkControl sink = run(settings(2), 100, pulled);
        try (PeerSocket client = connectAndGreet(sink, 2 * STRIDE))
        {
            final long first = expectBuffer(client, 7);
            final long second = expectBuffer(client, 7);
            assertNotEquals(first, second);
            assertTrue(client.silentFor(QUIET));
            assertEquals(2, pulled.get(), "no pull while both slots await acknowledgements");
            client.write(ack(1, second)); // out of order is fine
            assertEquals(second, expectBuffer(client, 7));
            assertTrue(client.silentFor(QUIET));
            assertEquals(3, pulled.get());
        }
        // the only client left: both slots free again, but min-clients = 1 keeps the sink waiting
        await(() -> sink.clients() == 0, "client gone");
        Thread.sleep(QUIET.toMillis());
        assertEquals(3, pulled.get());
    }

    /** Each malformed client message: type, area id, offset not a slot, a slot not given, a second ack. */
    @ParameterizedTest
    @ValueSource(strings = {"new-buffer", "area", "unaligned", "not-given", "twice", "garbage"})
    void aMalformedClientMessageFailsTheSinkWithGstProtocolException(final String kind) throws Exception
    {
        // two frames: after one valid acknowledgement the stream is not drained yet
        final GstShmSinkControl sink = run(settings(4), 2, new AtomicInteger());
        final String area = sink.areaName();
        try (PeerSocket client = connectAndGreet(sink, 4 * STRIDE))
        {
            final long offset = expectBuffer(client, 7);
            switch (kind)
            {
                case "new-buffer":
                    client.write(ShmPipeCommand.newBuffer(ShmPipeCommand.allocate(), 1, offset, 1));
                    break;
                case "area":
                    client.write(ack(7, offset));
                    break;
                case "unaligned":
                    client.write(ack(1, offset + 1));
                    break;
                case "not-given":
                    client.write(ack(1, 3 * STRIDE));
                    break;
                case "twice":
                    client.write(ack(1, offset));
                    client.write(ack(1, offset));
                    break;
                default:
                    final byte[] junk = new byte[24];
                    Arrays.fill(junk, (byte)0xFF);
                    client.write(junk);
                    break;
            }
            final ExecutionException failure = assertThrows(ExecutionException.class,
                () -> sink.done().toCompletableFuture().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS));
            assertInstanceOf(GstProtocolException.class, failure.getCause());
            assertTrue(client.closedAfterAnythingWithin(TIMEOUT));
        }
        assertFalse(Files.exists(socket), "socket removed");
        assertFalse(Files.exists(Path.of(ShmPipeCommand.SHM_DIRECTORY + area)), "area removed");
    }

    @Test
    void aStaleSocketFileFromACrashedRunIsReplaced() throws Exception
    {
        // a server that went away without unlinking: the file stays, nobody accepts
        try (ServerSocketChannel crashed = ServerSocketChannel.open(StandardProtocolFamily.UNIX))
        {
            crashed.bind(UnixDomainSocketAddress.of(socket));
        }
        assertTrue(Files.exists(socket));
        final GstShmSinkControl sink = run(settings(1), 1, new AtomicInteger());
        try (PeerSocket client = connectAndGreet(sink, STRIDE))
        {
            client.write(ack(1, expectBuffer(client, 7)));
            awaitDone(sink);
        }
    }

    @Test
    void aLiveServerOrAnotherFileAtTheSocketPathIsLeftAlone() throws Exception
    {
        try (ServerSocketChannel live = ServerSocketChannel.open(StandardProtocolFamily.UNIX))
        {
            live.bind(UnixDomainSocketAddress.of(socket));
            final GstShmSinkControl sink = Source.<ByteString>empty().runWith(GstShmSink.copyingByteStrings(settings(1)),
                system);
            final ExecutionException failure = assertThrows(ExecutionException.class,
                () -> sink.listening().toCompletableFuture().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS));
            assertInstanceOf(GstSocketInUseException.class, failure.getCause());
            assertTrue(Files.exists(socket));
        }
        Files.delete(socket);
        Files.writeString(socket, "not a socket");
        final GstShmSinkControl sink = Source.<ByteString>empty().runWith(GstShmSink.copyingByteStrings(settings(1)),
            system);
        final ExecutionException failure = assertThrows(ExecutionException.class,
            () -> sink.done().toCompletableFuture().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS));
        assertInstanceOf(GstSocketInUseException.class, failure.getCause());
        assertEquals("not a socket", Files.readString(socket));
    }

    @Test
    void withoutClientsFramesAreDroppedWhenMinClientsIsZero() throws Exception
    {
        final GstShmSinkControl sink = Source.range(1, 5).map(i -> ByteString.fromString("frame " + i))
            .runWith(GstShmSink.copyingByteStrings(settings(2).withMinClients(0)), system);
        sink.done().toCompletableFuture().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        assertEquals(5, sink.dropped());
        assertEquals(0, sink.frames());
    }

    @Test
    void connectionsBeyondMaxClientsAreRefused() throws Exception
    {
        final GstShmSinkControl sink = run(settings(1).withMaxClients(1), 1, new AtomicInteger());
        try (PeerSocket first = connectAndGreet(sink, STRIDE); PeerSocket second = connect())
        {
            assertTrue(second.closedWithin(TIMEOUT), "refused");
            assertEquals(1, sink.clients());
            first.write(ack(1, expectBuffer(first, 7)));
            awaitDone(sink);
        }
    }

    @Test
    void settingsNeedAFormatOrASlotSize()
    {
        final GstShmSinkSettings none = GstShmSinkSettings.create(system, socket);
        assertThrows(IllegalStateException.class, none::slotSize);
        final GstShmSinkSettings video = none.withVideo(GstVideoInfo.create(VideoFormat.I420, 1920, 1080, 30, 1));
        assertEquals(3_110_400, video.slotSize());
        assertEquals(3_112_960, video.slotStride());
        assertEquals(8 * 3_112_960L, video.areaSize());
        assertThrows(IllegalArgumentException.class, () -> video.withSlotSize(1000));
    }
}
