package dev.shmstreams.dma;

import akka.Done;
import akka.actor.ActorSystem;
import dev.shmstreams.dma.javadsl.DmaSource;
import dev.shmstreams.dma.shm.DmaShm;
import dev.shmstreams.stream.ShmSinkSettings;
import dev.shmstreams.stream.javadsl.ShmSink;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * An "MCU process" built from Akka stages: the DMA emulator's blocks go into a ShmSink through
 * {@link DmaShm#copyBlockIntoSlot}, one copy each (the emulator's pool is its own memory; the sink's
 * slots are the channel's), described by {@code DmaSlotMetadata} with the DMA period as frame id.
 * Args: directory, channel, emulated seconds. Prints DONE or FAILED.
 */
public final class AkkaMcuMain
{
    private AkkaMcuMain()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final ActorSystem system = ActorSystem.create("mcu");
        final DmaSettings dma = DmaSettings.create(system).withPeripheral(Peripheral.adc(4, 1_000))
            .withClockMode(ClockMode.VIRTUAL).withStopAfter(Duration.ofSeconds(Long.parseLong(args[2])));
        final CompletionStage<Done> done = DmaSource.create(dma).runWith(ShmSink.create(
            ShmSinkSettings.create(system, args[1]).withDirectory(Path.of(args[0])).withSlots(8)
                .withSlotSize(DmaShm.slotSize(dma)), DmaShm::copyBlockIntoSlot), system);
        int exit = 0;
        try
        {
            done.toCompletableFuture().get(5, TimeUnit.MINUTES);
            System.out.println("DONE");
        }
        catch (final Exception ex)
        {
            System.out.println("FAILED " + ex);
            exit = 1;
        }
        system.terminate();
        system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
        System.exit(exit);
    }
}
