package dev.shmstreams.transport;

/**
 * Shared memory holds a value this side cannot have written or accepted: a bad geometry, a truncated
 * file, a sequence that jumps backwards or past the ring, a descriptor with the wrong sequence or a
 * length larger than its slot. The channel is unusable; nothing was read outside the mapping.
 */
public class CorruptSegmentException extends ShmException
{
    private static final long serialVersionUID = 1L;

    public CorruptSegmentException(final String message)
    {
        super(message);
    }

    public CorruptSegmentException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}
