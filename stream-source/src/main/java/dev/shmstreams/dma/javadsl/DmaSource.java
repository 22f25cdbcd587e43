package dev.shmstreams.dma.javadsl;

import akka.actor.ClassicActorSystemProvider;
import akka.stream.javadsl.Source;
import dev.shmstreams.dma.DmaBlock;
import dev.shmstreams.dma.DmaControl;
import dev.shmstreams.dma.DmaSettings;
import dev.shmstreams.dma.impl.DmaSourceStage;

/**
 * An emulated STM32F1 DMA producer as an Akka Streams source.
 *
 * <pre>{@code
 * DmaSettings settings = DmaSettings.create(system)
 *     .withPeripheral(Peripheral.adc(4, 1_000))
 *     .withClockMode(ClockMode.VIRTUAL);
 * DmaSource.create(settings)                                   // Source<DmaBlock, DmaControl>
 *     .map(block -> { try (block) { return rms(block.buffer(), block.units()); } })
 *     .runWith(Sink.foreach(System.out::println), system);
 * }</pre>
 *
 * Elements are zero-copy references into the emulator's pool: release each one (try-with-resources)
 * or the pool starves, overruns, and the leak detector names the block.
 */
public final class DmaSource
{
    private DmaSource()
    {
    }

    /**
     * @param settings the emulated hardware.
     * @return a source of pool blocks; materializes a {@link DmaControl}.
     */
    public static Source<DmaBlock, DmaControl> create(final DmaSettings settings)
    {
        return Source.fromGraph(new DmaSourceStage(settings));
    }

    /**
     * @param system reads {@code shm-streams.dma} from its configuration.
     * @return a source with the configured settings.
     */
    public static Source<DmaBlock, DmaControl> create(final ClassicActorSystemProvider system)
    {
        return create(DmaSettings.create(system));
    }
}
