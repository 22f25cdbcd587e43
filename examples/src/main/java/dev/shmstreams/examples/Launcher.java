package dev.shmstreams.examples;

import dev.shmstreams.examples.backpressure.BackpressureExample;
import dev.shmstreams.examples.dma.DmaExample;
import dev.shmstreams.examples.gst.GstBridgeDemo;
import dev.shmstreams.examples.nativec.NativeExample;
import dev.shmstreams.examples.typed.TypedExample;
import dev.shmstreams.examples.video.VideoDemo;
import dev.shmstreams.examples.video.VideoOptions;
import dev.shmstreams.transport.tools.ShmStat;

import java.util.Arrays;

/**
 * One entry point for every demo: {@code bin/demo [EXAMPLE] [FLAGS]}.
 */
public final class Launcher
{
    private static final String USAGE = "usage: bin/demo [EXAMPLE] [FLAGS]\n\n" +
        "examples:\n" +
        "  video   (default) a producer process renders NV12 frames in place into shared memory through a\n" +
        "          ShmSink, a consumer process verifies every byte in place through a ShmSource, computes luma\n" +
        "          and writes thumbnails\n" +
        VideoOptions.HELP +
        "  backpressure  a consumer slower than its producer, with backpressure (no loss) and with\n" +
        "          drop-oldest-unread (live video); prints rates and ring occupancy, draws a PNG chart of each\n" +
        BackpressureExample.HELP +
        "  dma     the STM32 DMA emulator: an ADC feeding a processing graph, a UART overrunning a slow\n" +
        "          consumer (overwrite, drop), the pool's RAM table, an MCU process writing into shared memory\n" +
        "          (zero copy: McuProcess) and an Akka MCU process copying into it (DmaSource -> ShmSink)\n" +
        DmaExample.HELP +
        "  typed   a typed actor consumes frames with backpressure (ActorSink with acknowledgement) and reacts\n" +
        "          to the control plane: its producer process attaches, is killed (PeerLost), another completes\n" +
        TypedExample.HELP +
        "  native  a C program written from docs/layout.md (built here with gcc) produces frames that an Akka\n" +
        "          graph consumes and checks through a ShmSource\n" +
        NativeExample.HELP +
        GstBridgeDemo.HELP +
        "  stat    shm-stat: list live channels (flags: --dir DIR, --watch SECONDS, CHANNEL...)\n";

    private Launcher()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        if (Arrays.asList(args).contains("--help") || Arrays.asList(args).contains("-h"))
        {
            System.out.println(USAGE);
            return;
        }
        final boolean named = args.length > 0 && !args[0].startsWith("-");
        final String example = named ? args[0] : "video";
        final String[] rest = named ? Arrays.copyOfRange(args, 1, args.length) : args;
        try
        {
            switch (example)
            {
                case "video":
                    System.exit(VideoDemo.run(rest, System.out));
                    break;
                case "backpressure":
                    System.exit(BackpressureExample.run(rest, System.out));
                    break;
                case "dma":
                    System.exit(DmaExample.run(rest, System.out));
                    break;
                case "typed":
                    System.exit(TypedExample.run(rest, System.out));
                    break;
                case "native":
                    System.exit(NativeExample.run(rest, System.out));
                    break;
                case "gst":
                    System.exit(GstBridgeDemo.run(rest, System.out));
                    break;
                case "stat":
                    ShmStat.main(rest);
                    break;
                default:
                    throw new Flags.BadFlagException("unknown example '" + example + "' (known: video, backpressure, dma, typed, native, gst, stat)");
            }
        }
        catch (final Flags.BadFlagException ex)
        {
            System.err.println("demo: " + ex.getMessage() + "\n\n" + USAGE);
            System.exit(2);
        }
    }
}
