package dev.shmstreams.transport.internal;

import dev.shmstreams.transport.layout.HeaderDescriptor;
import dev.shmstreams.transport.layout.SlotDescriptor;
import org.agrona.concurrent.UnsafeBuffer;
import sun.misc.Unsafe;

import java.lang.reflect.Field;

/**
 * The hot-path accessor of the slot descriptor table ({@link SlotDescriptor} describes the region):
 * the per-frame loads and stores, without a bounds check each.
 *
 * <p>Why that is safe: every address is {@code table + (index & mask) * 128 + field}, where the
 * field is a {@link SlotDescriptor} constant and the mask comes from the layout this side built or
 * validated; nothing read from shared memory enters an address. The constructor checks once that
 * the whole table lies inside the header view. What is read from the table (a length, flags) is
 * still checked by the caller before it is used.
 *
 * <p>Memory ordering is in the names, as in Agrona: plain, {@code Volatile} (acquire load) and
 * {@code Ordered} (release store).
 */
public final class DescriptorTable
{
    /**
     * sun.misc.Unsafe itself (module jdk.unsupported, no flag needed), not Agrona's UnsafeAccess:
     * Agrona 2.x removed that class, and this build must run on both lines.
     */
    private static final Unsafe UNSAFE;

    static
    {
        try
        {
            final Field field = Unsafe.class.getDeclaredField("theUnsafe");
            field.setAccessible(true);
            UNSAFE = (Unsafe)field.get(null);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    private final byte[] array;
    private final long base;
    private final int mask;

    public DescriptorTable(final UnsafeBuffer header, final int slotCount)
    {
        final long end = HeaderDescriptor.SLOT_DESCRIPTORS_OFFSET + (long)slotCount * SlotDescriptor.LENGTH;
        if (Integer.bitCount(slotCount) != 1 || end > header.capacity())
        {
            throw new IllegalArgumentException(
                "a table of " + slotCount + " descriptors does not fit a header of " + header.capacity() + " bytes");
        }
        this.array = header.byteArray();
        this.base = header.addressOffset() + HeaderDescriptor.SLOT_DESCRIPTORS_OFFSET;
        this.mask = slotCount - 1;
    }

    /** @return the address of the descriptor of {@code sequence}'s slot, for the accessors below. */
    public long descriptor(final long sequence)
    {
        return base + (long)((int)sequence & mask) * SlotDescriptor.LENGTH;
    }

    public long getLong(final long descriptor, final int field)
    {
        return UNSAFE.getLong(array, descriptor + field);
    }

    public long getLongVolatile(final long descriptor, final int field)
    {
        return UNSAFE.getLongVolatile(array, descriptor + field);
    }

    public int getInt(final long descriptor, final int field)
    {
        return UNSAFE.getInt(array, descriptor + field);
    }

    public void putLong(final long descriptor, final int field, final long value)
    {
        UNSAFE.putLong(array, descriptor + field, value);
    }

    public void putInt(final long descriptor, final int field, final int value)
    {
        UNSAFE.putInt(array, descriptor + field, value);
    }

    public void putLongOrdered(final long descriptor, final int field, final long value)
    {
        UNSAFE.putOrderedLong(array, descriptor + field, value);
    }
}
