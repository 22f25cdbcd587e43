package dev.shmstreams.dma;

import java.util.List;

/**
 * The pool's memory, row by row, like the seed's RAM table: what this emulator allocates on the
 * JVM (once, at start), and what the same structure costs on an STM32F1 (32-bit pointers, 16-bit
 * indices). Per-delivery handles are not part of it: see {@link DmaBlock}.
 */
public final class Footprint
{
    /** One row of the table. */
    public static final class Row
    {
        private final String component;
        private final long count;
        private final long bytesEach;
        private final long mcuBytes;

        public Row(final String component, final long count, final long bytesEach, final long mcuBytes)
        {
            this.component = component;
            this.count = count;
            this.bytesEach = bytesEach;
            this.mcuBytes = mcuBytes;
        }

        public String component()
        {
            return component;
        }

        public long count()
        {
            return count;
        }

        public long bytesEach()
        {
            return bytesEach;
        }

        /** @return bytes on the JVM. */
        public long bytes()
        {
            return count * bytesEach;
        }

        /** @return bytes the same structure takes in an STM32F1's SRAM. */
        public long mcuBytes()
        {
            return mcuBytes;
        }
    }

    private final List<Row> rows;

    public Footprint(final List<Row> rows)
    {
        this.rows = List.copyOf(rows);
    }

    public List<Row> rows()
    {
        return rows;
    }

    /** @return bytes on the JVM, all rows. */
    public long totalBytes()
    {
        return rows.stream().mapToLong(Row::bytes).sum();
    }

    /** @return bytes on the MCU, all rows. */
    public long totalMcuBytes()
    {
        return rows.stream().mapToLong(Row::mcuBytes).sum();
    }

    /** @param component a row's name. */
    public Row row(final String component)
    {
        return rows.stream().filter(r -> r.component.equals(component)).findFirst()
            .orElseThrow(() -> new IllegalArgumentException("no row " + component + " in " + this));
    }

    /** @return the table as text, one row a line. */
    @Override
    public String toString()
    {
        final StringBuilder text = new StringBuilder(String.format("%-28s %8s %10s %12s %12s%n", "component", "count",
            "bytes each", "JVM bytes", "STM32F1 B"));
        for (final Row row : rows)
        {
            text.append(String.format("%-28s %8d %10d %12d %12d%n", row.component, row.count, row.bytesEach,
                row.bytes(), row.mcuBytes));
        }
        text.append(String.format("%-28s %8s %10s %12d %12d%n", "total", "", "", totalBytes(), totalMcuBytes()));
        return text.toString();
    }
}
