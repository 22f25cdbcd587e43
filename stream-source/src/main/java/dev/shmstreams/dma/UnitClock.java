package dev.shmstreams.dma;

/**
 * Exact conversion between emulated nanoseconds and a peripheral's unit count, for a rate of
 * {@code numerator / denominator} units a second. Integer arithmetic only: the count due at any
 * instant is {@code floor(t * numerator / (denominator * 1e9))}, so pacing computed from elapsed
 * time never accumulates rounding error, however many ticks it is split into.
 */
public final class UnitClock
{
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final long numerator;
    private final long periodNanos;

    /**
     * @param numerator   units per second, numerator.
     * @param denominator units per second, denominator.
     */
    public UnitClock(final long numerator, final long denominator)
    {
        if (numerator <= 0 || denominator <= 0)
        {
            throw new IllegalArgumentException("rate must be positive: " + numerator + "/" + denominator);
        }
        if (denominator > Long.MAX_VALUE / NANOS_PER_SECOND / numerator)
        {
            throw new IllegalArgumentException("rate " + numerator + "/" + denominator + " units/s is out of range");
        }
        this.numerator = numerator;
        this.periodNanos = denominator * NANOS_PER_SECOND;
    }

    /**
     * @param nanos emulated time since start, >= 0.
     * @return units completed by then.
     */
    public long unitsAt(final long nanos)
    {
        // t * n / P split so no product exceeds n * P, checked in the constructor
        return (nanos / periodNanos) * numerator + (nanos % periodNanos) * numerator / periodNanos;
    }

    /**
     * @param units a unit count, >= 0.
     * @return the first instant at which that many units have completed.
     */
    public long nanosOf(final long units)
    {
        final long whole = units / numerator;
        final long rest = units % numerator;
        return whole * periodNanos + (rest * periodNanos + numerator - 1) / numerator;
    }

    /** @return units per second as a double, for reports. */
    public double unitsPerSecond()
    {
        return numerator * (double)NANOS_PER_SECOND / periodNanos;
    }
}
