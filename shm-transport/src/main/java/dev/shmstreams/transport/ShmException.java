package dev.shmstreams.transport;

/**
 * Base of every error this library raises about a channel. Unchecked, like Agrona's and Akka's:
 * the subclasses are the contract, each documented with the situation that raises it.
 */
public class ShmException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    public ShmException(final String message)
    {
        super(message);
    }

    public ShmException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}
