package dev.shmstreams.transport;

/**
 * The segment was written by a different layout version than this build reads.
 */
public final class LayoutVersionException extends ShmException
{
    private static final long serialVersionUID = 1L;

    private final int expected;
    private final int found;

    public LayoutVersionException(final String path, final int expected, final int found)
    {
        super("segment " + path + " has layout version " + found + ", this build reads version " + expected);
        this.expected = expected;
        this.found = found;
    }

    public int expected()
    {
        return expected;
    }

    public int found()
    {
        return found;
    }
}
