package dev.shmstreams.examples.dma;

import akka.Done;
import akka.actor.typed.ActorSystem;
import dev.shmstreams.dma.ClockMode;
import dev.shmstreams.dma.DmaSettings;
import dev.shmstreams.dma.Peripheral;
import dev.shmstreams.dma.javadsl.DmaSource;
import dev.shmstreams.dma.shm.DmaShm;
import dev.shmstreams.examples.ExampleSystem;
import dev.shmstreams.examples.Flags;
import dev.shmstreams.examples.ParentWatch;
import dev.shmstreams.stream.ShmSinkSettings;
import dev.shmstreams.stream.javadsl.ShmSink;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;

/**
 * The "MCU process" of the DMA example's Akka route: the emulator's {@code DmaSource} (ADC 4 ch x
 * 1 kHz, virtual clock) into a {@code ShmSink} whose writer, {@link DmaShm#copyBlockIntoSlot}, copies
 * each block once into its slot and describes it as the zero-copy route does. Prints
 * {@code DONE} or {@code FAILED reason}; exit code 0 or 1.
 */
public final class AkkaMcuProcess
{
    private AkkaMcuProcess()
    {
    }

    public static void main(final String[] args) throws InterruptedException
    {
        ParentWatch.start();
        final Map<String, String> defaults = new LinkedHashMap<>();
        defaults.put("name", "dma-akka");
        defaults.put("directory", "/dev/shm");
        defaults.put("seconds", "3");
        final Flags flags = Flags.parse(args, defaults);
        final ActorSystem<Void> system = ExampleSystem.create("akka-mcu", Path.of(flags.string("directory")));
        final DmaSettings dma = DmaSettings.create(system).withPeripheral(Peripheral.adc(4, 1_000))
            .withClockMode(ClockMode.VIRTUAL)
            .withStopAfter(Duration.ofMillis((long)(flags.decimal("seconds", 0.001, 3600) * 1000)));
        final CompletionStage<Done> done = DmaSource.create(dma)
            .runWith(ShmSink.create(ShmSinkSettings.create(system, flags.string("name"))
                    .withSlots(8).withSlotSize(DmaShm.slotSize(dma)),
                DmaShm::copyBlockIntoSlot), system);                  // one copy per block into its slot
        int exit = 0;
        try
        {
            done.toCompletableFuture().get();
            System.out.println("DONE");
        }
        catch (final ExecutionException ex)
        {
            System.out.println("FAILED " + ex.getCause());
            exit = 1;
        }
        System.out.flush();
        ExampleSystem.terminate(system);
        System.exit(exit);
    }
}
