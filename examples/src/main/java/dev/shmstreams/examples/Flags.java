package dev.shmstreams.examples;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * "--name value" command-line flags, checked against the names a command declares, with errors
 * that say what was wrong and what is allowed.
 */
public final class Flags
{
    /** A flag was unknown, missing its value or had a bad value. */
    public static final class BadFlagException extends RuntimeException
    {
        private static final long serialVersionUID = 1L;

        public BadFlagException(final String message)
        {
            super(message);
        }
    }

    private final Map<String, String> values = new LinkedHashMap<>();

    private Flags()
    {
    }

    /**
     * @param args     the arguments.
     * @param defaults every allowed flag (without "--") and its default value.
     * @return the parsed flags.
     * @throws BadFlagException on an unknown flag or a flag without value.
     */
    public static Flags parse(final String[] args, final Map<String, String> defaults)
    {
        final Flags flags = new Flags();
        flags.values.putAll(defaults);
        for (int i = 0; i < args.length; i++)
        {
            final String arg = args[i];
            if (!arg.startsWith("--"))
            {
                throw new BadFlagException("unexpected argument '" + arg + "'");
            }
            final String name = arg.substring(2);
            if (!defaults.containsKey(name))
            {
                throw new BadFlagException("unknown flag --" + name + " (known: --" +
                    String.join(", --", defaults.keySet()) + ")");
            }
            if (i + 1 >= args.length)
            {
                throw new BadFlagException("flag --" + name + " needs a value");
            }
            flags.values.put(name, args[++i]);
        }
        return flags;
    }

    public String string(final String name)
    {
        return values.get(name);
    }

    public int integer(final String name, final int min, final int max)
    {
        final String value = values.get(name);
        try
        {
            final int parsed = Integer.parseInt(value);
            if (parsed < min || parsed > max)
            {
                throw new BadFlagException("--" + name + " must be between " + min + " and " + max + ", was " + value);
            }
            return parsed;
        }
        catch (final NumberFormatException ex)
        {
            throw new BadFlagException("--" + name + " must be a whole number, was '" + value + "'");
        }
    }

    public double decimal(final String name, final double min, final double max)
    {
        final String value = values.get(name);
        try
        {
            final double parsed = Double.parseDouble(value);
            if (!(parsed >= min && parsed <= max))
            {
                throw new BadFlagException("--" + name + " must be between " + min + " and " + max + ", was " + value);
            }
            return parsed;
        }
        catch (final NumberFormatException ex)
        {
            throw new BadFlagException("--" + name + " must be a number, was '" + value + "'");
        }
    }

    public <E extends Enum<E>> E choice(final String name, final Class<E> type)
    {
        final String value = values.get(name);
        final StringBuilder allowed = new StringBuilder();
        for (final E constant : type.getEnumConstants())
        {
            final String spelled = constant.name().toLowerCase().replace('_', '-');
            if (spelled.equals(value))
            {
                return constant;
            }
            allowed.append(allowed.length() == 0 ? "" : ", ").append(spelled);
        }
        throw new BadFlagException("--" + name + " must be one of " + allowed + ", was '" + value + "'");
    }

    /** @return the flags as arguments again, to pass to a child process. */
    public String[] toArgs()
    {
        final String[] args = new String[values.size() * 2];
        int i = 0;
        for (final Map.Entry<String, String> entry : values.entrySet())
        {
            args[i++] = "--" + entry.getKey();
            args[i++] = entry.getValue();
        }
        return args;
    }
}
