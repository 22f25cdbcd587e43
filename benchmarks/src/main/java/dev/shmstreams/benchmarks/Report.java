package dev.shmstreams.benchmarks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The run's results: every sample each child reported (one per round), and the table of rows that
 * put a value next to its peer's, with the ratio and the goal. Written as JSON (everything), CSV
 * (the table) and Markdown (the table and conditions, ready for docs/benchmarks.md).
 */
public final class Report
{
    /** One line of the table. Ratio is value / peer value. */
    public static final class Row
    {
        final String section;
        final String metric;
        final String unit;
        final double value;
        final String peer;
        final double peerValue;
        final String goal;
        final Boolean met;
        final double pairedRatio;

        public Row(final String section, final String metric, final String unit, final double value, final String peer,
            final double peerValue, final String goal, final Boolean met)
        {
            this(section, metric, unit, value, peer, peerValue, Double.NaN, goal, met);
        }

        /**
         * @param pairedRatio the median over rounds of each round's value / peer value (the two ran
         *                    back to back), or NaN to use the ratio of the medians.
         */
        public Row(final String section, final String metric, final String unit, final double value, final String peer,
            final double peerValue, final double pairedRatio, final String goal, final Boolean met)
        {
            this.pairedRatio = pairedRatio;
            this.section = section;
            this.metric = metric;
            this.unit = unit;
            this.value = value;
            this.peer = peer;
            this.peerValue = peerValue;
            this.goal = goal;
            this.met = met;
        }

        double ratio()
        {
            return peer == null ? Double.NaN : Double.isNaN(pairedRatio) ? value / peerValue : pairedRatio;
        }

        String metText()
        {
            return met == null ? "-" : met ? "yes" : "NO";
        }
    }

    private final Map<String, List<Double>> samples = new TreeMap<>();
    private final List<Row> rows = new ArrayList<>();
    private final List<String> failures = new ArrayList<>();

    public void addSamples(final String scenario, final Map<String, Double> results)
    {
        results.forEach((key, value) ->
            samples.computeIfAbsent(scenario + "." + key, k -> new ArrayList<>()).add(value));
    }

    public void addFailure(final String failure)
    {
        failures.add(failure);
    }

    /** Print the failures, if any, and end the harness: exit code 1 with failures, 0 without. */
    public void exit()
    {
        if (!failures.isEmpty())
        {
            System.out.println("FAILURES:");
            failures.forEach(failure -> System.out.println("  " + failure));
            System.exit(1);
        }
        System.exit(0);
    }

    public List<String> failures()
    {
        return failures;
    }

    /** @return every round's value of a sample, in the order the rounds ran (empty when absent). */
    public List<Double> samples(final String key)
    {
        return samples.getOrDefault(key, List.of());
    }

    /** @return the median over rounds of a sample, NaN when the scenario did not run or failed. */
    public double median(final String key)
    {
        final List<Double> values = samples.get(key);
        if (values == null || values.isEmpty())
        {
            return Double.NaN;
        }
        final double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        final int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /** @return min / median / max of every sample whose key ends with the suffix, or "n/a". */
    public String spread(final String suffix)
    {
        final double[] values = samples.entrySet().stream().filter(e -> e.getKey().endsWith(suffix))
            .flatMap(e -> e.getValue().stream()).mapToDouble(Double::doubleValue).sorted().toArray();
        if (values.length == 0)
        {
            return "n/a";
        }
        return number(values[0]) + " / " + number(values[values.length / 2]) + " / " +
            number(values[values.length - 1]);
    }

    /**
     * @return the median over rounds of {@code a[r] / b[r]}: each round ran a and b back to back, so
     * this ratio survives a machine that changes between rounds (in a VM the two vCPUs can move
     * closer or further apart); the ratio of medians when the rounds do not pair up.
     */
    public double pairedRatio(final String a, final String b)
    {
        final List<Double> as = samples.get(a);
        final List<Double> bs = samples.get(b);
        if (as == null || bs == null || as.isEmpty() || bs.isEmpty())
        {
            return Double.NaN;
        }
        if (as.size() != bs.size())
        {
            return median(a) / median(b);
        }
        final double[] ratios = new double[as.size()];
        for (int i = 0; i < ratios.length; i++)
        {
            ratios[i] = as.get(i) / bs.get(i);
        }
        Arrays.sort(ratios);
        final int n = ratios.length;
        return n % 2 == 1 ? ratios[n / 2] : (ratios[n / 2 - 1] + ratios[n / 2]) / 2;
    }

    /** @return the sum over rounds, NaN when absent. */
    public double sum(final String key)
    {
        final List<Double> values = samples.get(key);
        return values == null ? Double.NaN : values.stream().mapToDouble(Double::doubleValue).sum();
    }

    public void row(final Row row)
    {
        if (!Double.isNaN(row.value) || (row.peer != null && !Double.isNaN(row.peerValue)))
        {
            rows.add(row);
        }
    }

    public List<Row> rows()
    {
        return rows;
    }

    public String table()
    {
        final StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "%-58s %12s %-10s %-34s %12s %8s %-26s %s%n", "metric", "value", "unit",
            "peer", "peer value", "ratio", "goal", "met"));
        String section = "";
        for (final Row row : rows)
        {
            if (!row.section.equals(section))
            {
                section = row.section;
                out.append("-- ").append(section).append('\n');
            }
            out.append(String.format(Locale.ROOT, "%-58s %12s %-10s %-34s %12s %8s %-26s %s%n", row.metric,
                number(row.value), row.unit, row.peer == null ? "" : row.peer,
                row.peer == null ? "" : number(row.peerValue), row.peer == null ? "" : ratio(row.ratio()),
                row.goal == null ? "" : row.goal, row.metText()));
        }
        return out.toString();
    }

    public String markdown(final Map<String, String> conditions)
    {
        return markdown(conditions, "");
    }

    /**
     * @param extra Markdown put between the table and the conditions (a harness's own tables).
     */
    public String markdown(final Map<String, String> conditions, final String extra)
    {
        final StringBuilder out = new StringBuilder();
        out.append("| metric | value | unit | peer | peer value | ratio | goal | met |\n");
        out.append("|---|---:|---|---|---:|---:|---|---|\n");
        for (final Row row : rows)
        {
            out.append("| ").append(row.metric)
                .append(" | ").append(number(row.value))
                .append(" | ").append(row.unit)
                .append(" | ").append(row.peer == null ? "" : row.peer)
                .append(" | ").append(row.peer == null ? "" : number(row.peerValue))
                .append(" | ").append(row.peer == null ? "" : ratio(row.ratio()))
                .append(" | ").append(row.goal == null ? "" : row.goal)
                .append(" | ").append(row.metText()).append(" |\n");
        }
        out.append(extra);
        out.append("\nConditions:\n\n");
        conditions.forEach((key, value) -> out.append("- ").append(key).append(": ").append(value).append('\n'));
        if (!failures.isEmpty())
        {
            out.append("\nFailures:\n\n");
            failures.forEach(failure -> out.append("- ").append(failure).append('\n'));
        }
        return out.toString();
    }

    public void write(final Path directory, final Map<String, String> conditions) throws IOException
    {
        write(directory, conditions, "");
    }

    /** @param extraMarkdown see {@link #markdown(Map, String)}. */
    public void write(final Path directory, final Map<String, String> conditions, final String extraMarkdown)
        throws IOException
    {
        Files.createDirectories(directory);
        Files.writeString(directory.resolve("results.json"), json(conditions), StandardCharsets.UTF_8);
        Files.writeString(directory.resolve("results.md"), markdown(conditions, extraMarkdown), StandardCharsets.UTF_8);
        final StringBuilder csv = new StringBuilder("section,metric,value,unit,peer,peer_value,ratio,goal,met\n");
        for (final Row row : rows)
        {
            csv.append(csvField(row.section)).append(',').append(csvField(row.metric)).append(',')
                .append(plain(row.value)).append(',').append(csvField(row.unit)).append(',')
                .append(csvField(row.peer == null ? "" : row.peer)).append(',')
                .append(row.peer == null ? "" : plain(row.peerValue)).append(',')
                .append(row.peer == null ? "" : plain(row.ratio())).append(',')
                .append(csvField(row.goal == null ? "" : row.goal)).append(',').append(row.metText()).append('\n');
        }
        Files.writeString(directory.resolve("results.csv"), csv, StandardCharsets.UTF_8);
    }

    private String json(final Map<String, String> conditions)
    {
        final StringBuilder out = new StringBuilder("{\n  \"conditions\": {");
        String separator = "\n";
        for (final Map.Entry<String, String> entry : conditions.entrySet())
        {
            out.append(separator).append("    ").append(quote(entry.getKey())).append(": ")
                .append(quote(entry.getValue()));
            separator = ",\n";
        }
        out.append("\n  },\n  \"rows\": [");
        separator = "\n";
        for (final Row row : rows)
        {
            out.append(separator).append("    {\"section\": ").append(quote(row.section))
                .append(", \"metric\": ").append(quote(row.metric))
                .append(", \"value\": ").append(jsonNumber(row.value))
                .append(", \"unit\": ").append(quote(row.unit))
                .append(", \"peer\": ").append(row.peer == null ? "null" : quote(row.peer))
                .append(", \"peerValue\": ").append(row.peer == null ? "null" : jsonNumber(row.peerValue))
                .append(", \"ratio\": ").append(row.peer == null ? "null" : jsonNumber(row.ratio()))
                .append(", \"goal\": ").append(row.goal == null ? "null" : quote(row.goal))
                .append(", \"met\": ").append(row.met == null ? "null" : row.met.toString()).append('}');
            separator = ",\n";
        }
        out.append("\n  ],\n  \"samples\": {");
        separator = "\n";
        for (final Map.Entry<String, List<Double>> entry : samples.entrySet())
        {
            out.append(separator).append("    ").append(quote(entry.getKey())).append(": [");
            final double[] values = entry.getValue().stream().mapToDouble(Double::doubleValue).toArray();
            out.append(String.join(", ", Arrays.stream(values).mapToObj(Report::jsonNumber).toArray(String[]::new)));
            out.append(']');
            separator = ",\n";
        }
        out.append("\n  },\n  \"failures\": [");
        separator = "";
        for (final String failure : failures)
        {
            out.append(separator).append(quote(failure));
            separator = ", ";
        }
        out.append("]\n}\n");
        return out.toString();
    }

    public static String number(final double value)
    {
        if (Double.isNaN(value))
        {
            return "n/a";
        }
        final double abs = Math.abs(value);
        if (abs == 0)
        {
            return "0";
        }
        if (abs >= 1000)
        {
            return String.format(Locale.ROOT, "%,.0f", value);
        }
        if (abs >= 100)
        {
            return String.format(Locale.ROOT, "%.1f", value);
        }
        if (abs >= 1)
        {
            return String.format(Locale.ROOT, "%.2f", value);
        }
        return String.format(Locale.ROOT, "%.3g", value);
    }

    public static String ratio(final double ratio)
    {
        return Double.isNaN(ratio) || Double.isInfinite(ratio) ? "n/a" : String.format(Locale.ROOT, "%.2fx", ratio);
    }

    private static String plain(final double value)
    {
        return Double.isNaN(value) ? "" : String.format(Locale.ROOT, "%.6g", value);
    }

    private static String jsonNumber(final double value)
    {
        return Double.isNaN(value) || Double.isInfinite(value) ? "null" : String.format(Locale.ROOT, "%.6g", value);
    }

    private static String csvField(final String text)
    {
        return text.contains(",") || text.contains("\"") ? '"' + text.replace("\"", "\"\"") + '"' : text;
    }

    private static String quote(final String text)
    {
        final StringBuilder out = new StringBuilder("\"");
        for (int i = 0; i < text.length(); i++)
        {
            final char c = text.charAt(i);
            switch (c)
            {
                case '"': out.append("\\\""); break;
                case '\\': out.append("\\\\"); break;
                case '\n': out.append("\\n"); break;
                case '\t': out.append("\\t"); break;
                default:
                    if (c < 0x20)
                    {
                        out.append(String.format(Locale.ROOT, "\\u%04x", (int)c));
                    }
                    else
                    {
                        out.append(c);
                    }
            }
        }
        return out.append('"').toString();
    }
}
