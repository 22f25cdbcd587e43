package dev.shmstreams.gst;

import akka.Done;
import akka.actor.ActorSystem;
import akka.japi.Pair;
import akka.stream.javadsl.Keep;
import akka.stream.javadsl.Sink;
import akka.testkit.javadsl.TestKit;
import dev.shmstreams.gst.javadsl.GstShmSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * GstShmSource against a real gst-launch-1.0 ... ! shmsink pipeline (GStreamer from the
 * distribution's packages).
 */
class GstShmSourceGstreamerTest
{
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final GstVideoInfo VIDEO = GstVideoInfo.create(VideoFormat.I420, 320, 240, 30, 1);
    private static ActorSystem system;
    private Path dir;
    private Path socket;

    @BeforeAll
    static void start()
    {
        system = ActorSystem.create("GstShmSourceGstreamerTest");
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
        socket = dir.resolve("shmsink.sock");
    }

    @AfterEach
    void deleteDirectory() throws Exception
    {
        GstLaunch.deleteTree(dir);
    }

    private GstShmSourceSettings settings()
    {
        return GstShmSourceSettings.create(system, socket).withVideo(VIDEO);
    }

    private static String caps(final GstVideoInfo video)
    {
        return video.caps();
    }

    /**
     * The same frames go to the shmsink and, through a tee, to a file: every frame that reaches
     * the Akka graph must be byte for byte the frame GStreamer wrote to the file, in order.
     */
    @Test
    void videotestsrcFramesReachTheGraphWithTheRightCountSizeAndContent() throws Exception
    {
        final int count = 30;
        final Path reference = dir.resolve("reference.i420");
        try (GstLaunch gst = GstLaunch.start(dir,
            "videotestsrc", "num-buffers=" + count, "pattern=ball", "!", caps(VIDEO), "!", "tee", "name=t",
            "!", "queue", "!", "identity", "drop-allocation=true", "!",
            "shmsink", "socket-path=" + socket, "shm-size=" + 8 * VIDEO.frameSize(), "sync=false",
            "t.", "!", "queue", "!", "filesink", "location=" + reference).removesOnClose(socket))
        {
            final Pair<GstShmSourceControl, CompletionStage<List<byte[]>>> run = GstShmSource.create(settings())
                .map(frame ->
                {
                    try (frame)
                    {
                        assertEquals(VIDEO, frame.video());
                        return copy(frame);
                    }
                })
                .toMat(Sink.seq(), Keep.both())
                .run(system);

            final List<byte[]> frames = run.second().toCompletableFuture().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            gst.awaitExit(TIMEOUT);
            assertFramesEqual(Files.readAllBytes(reference), count, frames, gst);
            assertNotNull(run.first().areaName());
            assertTrue(run.first().areaName().startsWith("/shmpipe."), run.first().areaName());
        }
    }

    /**
     * The graph holds frames until the shmsink's area is full: GStreamer waits for the
     * acknowledgements (identity drop-allocation keeps videotestsrc's buffer pool out of the area,
     * see docs/gstreamer.md) and no frame is lost or overwritten while held.
     */
    @Test
    void holdingEveryFrameOfTheAreaBackpressuresGstreamer() throws Exception
    {
        final int count = 24;
        final int perArea = 4;
        final Path reference = dir.resolve("reference.i420");
        try (GstLaunch gst = GstLaunch.start(dir,
            "videotestsrc", "num-buffers=" + count, "pattern=ball", "!", caps(VIDEO), "!", "tee", "name=t",
            "!", "queue", "!", "identity", "drop-allocation=true", "!",
            "shmsink", "socket-path=" + socket, "shm-size=" + (perArea * VIDEO.frameSize() + 4096), "sync=false",
            "t.", "!", "queue", "!", "filesink", "location=" + reference).removesOnClose(socket))
        {
            final Pair<GstShmSourceControl, CompletionStage<List<byte[]>>> run = GstShmSource.create(settings())
                .grouped(perArea)
                .mapConcat(group ->
                {
                    // all of them held at once: the whole area
                    final List<byte[]> copies = new ArrayList<>();
                    for (final GstFrame frame : group)
                    {
                        copies.add(copy(frame));
                    }
                    group.forEach(GstFrame::release);
                    return copies;
                })
                .toMat(Sink.seq(), Keep.both())
                .run(system);

            final List<byte[]> frames = run.second().toCompletableFuture().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            gst.awaitExit(TIMEOUT);
            assertFramesEqual(Files.readAllBytes(reference), count, frames, gst);
        }
    }

    /** kill -9 of gst-launch mid-stream: the stream fails with GstPeerLostException, within the close grace. */
    @Test
    void aShmsinkKilledMidStreamFailsTheStreamWithATypedError() throws Exception
    {
        try (GstLaunch gst = GstLaunch.start(dir,
            "videotestsrc", "is-live=true", "!", caps(VIDEO), "!", "identity", "drop-allocation=true", "!",
            "shmsink", "socket-path=" + socket, "shm-size=" + 8 * VIDEO.frameSize()).removesOnClose(socket))
        {
            final CountDownLatch someFrames = new CountDownLatch(5);
            final CompletionStage<Done> done = GstShmSource.create(settings().withCloseGrace(Duration.ofMillis(500)))
                .map(frame ->
                {
                    frame.release();
                    someFrames.countDown();
                    return frame.sequence();
                })
                .runWith(Sink.ignore(), system);
            assertTrue(someFrames.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS), "frames flow: " + gst.output());

            final long killed = System.nanoTime();
            gst.kill9();
            final ExecutionException failure = assertThrows(ExecutionException.class,
                () -> done.toCompletableFuture().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS));
            final long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed);
            assertInstanceOf(GstPeerLostException.class, failure.getCause(), String.valueOf(failure.getCause()));
            assertTrue(elapsedMillis < 10_000, "reported " + elapsedMillis + " ms after the kill");
        }
    }

    /** The protocol carries no caps: a buffer that is not one frame of the configured format is a typed error. */
    @Test
    void aBufferOfAnotherFormatFailsTheStream() throws Exception
    {
        final GstVideoInfo other = GstVideoInfo.create(VideoFormat.I420, 160, 120, 30, 1);
        try (GstLaunch gst = GstLaunch.start(dir,
            "videotestsrc", "num-buffers=5", "!", caps(other), "!", "identity", "drop-allocation=true", "!",
            "shmsink", "socket-path=" + socket, "sync=false").removesOnClose(socket))
        {
            final CompletionStage<Done> done = GstShmSource.create(settings())
                .map(frame ->
                {
                    frame.release();
                    return frame.sequence();
                })
                .runWith(Sink.ignore(), system);
            final ExecutionException failure = assertThrows(ExecutionException.class,
                () -> done.toCompletableFuture().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS));
            assertInstanceOf(GstFormatMismatchException.class, failure.getCause(), gst.output());
            assertTrue(failure.getCause().getMessage().contains("28800"), failure.getCause().getMessage());
        }
    }

    private static byte[] copy(final GstFrame frame)
    {
        final byte[] bytes = new byte[frame.length()];
        frame.buffer().getBytes(0, bytes);
        return bytes;
    }

    private static void assertFramesEqual(final byte[] expected, final int count, final List<byte[]> frames,
        final GstLaunch gst)
    {
        assertEquals(count * VIDEO.frameSize(), expected.length, gst.output());
        assertEquals(count, frames.size());
        for (int i = 0; i < count; i++)
        {
            assertEquals(VIDEO.frameSize(), frames.get(i).length, "frame " + i);
            final byte[] want = Arrays.copyOfRange(expected, i * VIDEO.frameSize(), (i + 1) * VIDEO.frameSize());
            assertArrayEquals(want, frames.get(i), "frame " + i + " differs from GStreamer's own copy");
        }
        assertFalse(Arrays.equals(frames.get(0), frames.get(count - 1)), "the ball pattern moves: frames differ");
    }
}
