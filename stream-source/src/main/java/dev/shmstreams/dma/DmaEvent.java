package dev.shmstreams.dma;

/** The event that pushed a block to the reference ring. */
public enum DmaEvent
{
    /** Transfer complete: the channel filled the whole block (the normal case). */
    TRANSFER_COMPLETE,

    /**
     * The emulation stopped (or a UART idle line flushed it) with the block partly filled: the
     * block holds fewer units than a period, {@link DmaBlock#length()} says how many bytes.
     */
    FLUSH
}
