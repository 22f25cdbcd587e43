package dev.shmstreams.benchmarks.peers;

import dev.shmstreams.benchmarks.Report;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.labels.ItemLabelAnchor;
import org.jfree.chart.labels.ItemLabelPosition;
import org.jfree.chart.labels.StandardCategoryItemLabelGenerator;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.data.category.DefaultCategoryDataset;

import java.awt.Color;
import java.awt.Font;
import java.awt.Paint;
import java.io.IOException;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The run's charts (JFreeChart PNGs, as the examples draw theirs): a throughput bar chart per
 * message size at saturation (log scale), the one-way latency percentiles of 64-byte messages at
 * 1,000/s, and the handoff latency and CPU of 4K frames at 30/s. Drawn from {@link PeerTables},
 * so every bar is a number of the run's tables.
 */
final class PeerCharts
{
    private static final Color PROJECT = new Color(0x1f77b4);
    private static final Color LIMIT = new Color(0x7f7f7f);
    private static final Color OTHER = new Color(0xff7f0e);
    private static final Color REFERENCE = new Color(0xbcbd22);
    private static final Color[] SERIES = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0xd62728),
        new Color(0x2ca02c)};

    private final PeerTables tables;
    private final Path directory;

    PeerCharts(final PeerTables tables, final Path directory)
    {
        this.tables = tables;
        this.directory = directory;
    }

    List<Path> write() throws IOException
    {
        final List<Path> files = new ArrayList<>();
        for (final String phase : new String[]{"sat-64", "sat-1m", "sat-1080p", "sat-4k"})
        {
            final Path file = throughput(phase);
            if (file != null)
            {
                files.add(file);
            }
        }
        final Path latency = percentiles("rate-64", "latency", new String[]{"p50", "p99", "p99.9"}, 1,
            "One-way latency, 64-byte messages at 1,000/s (from the due time: coordinated omission corrected)",
            "µs (log scale)", "latency-64b-1000.png");
        if (latency != null)
        {
            files.add(latency);
        }
        final Path video = percentiles("rate-4k", "handoff", new String[]{"p50", "p99"}, 1000,
            "4K frames at 30/s: latency from frame filled to frame received", "ms (log scale)", "latency-4k-30fps.png");
        if (video != null)
        {
            files.add(video);
        }
        final Path cpu = cpu();
        if (cpu != null)
        {
            files.add(cpu);
        }
        return files;
    }

    private static Color color(final String peer)
    {
        switch (peer)
        {
            case "ring":
            case "stages":
                return PROJECT;
            case "limit":
                return LIMIT;
            case "memcpy":
            case "akka-async":
                return REFERENCE;
            default:
                return OTHER;
        }
    }

    private Path throughput(final String phase) throws IOException
    {
        final Map<String, Map<String, Double>> peers = tables.values().get(phase);
        if (peers == null)
        {
            return null;
        }
        final boolean small = phase.equals("sat-64");
        final DefaultCategoryDataset data = new DefaultCategoryDataset();
        final List<Color> colors = new ArrayList<>();
        double min = Double.MAX_VALUE;
        double max = 0;
        for (final Map.Entry<String, Map<String, Double>> peer : peers.entrySet())
        {
            final Double value = small ? peer.getValue().get(PeerTables.FPS) : peer.getValue().get(PeerTables.GBPS);
            if (value == null || value <= 0)
            {
                continue;
            }
            final double shown = small ? value / 1e6 : value;
            data.addValue(shown, "rate", PeerBenchmark.NAMES.getOrDefault(peer.getKey(), peer.getKey()));
            colors.add(color(peer.getKey()));
            min = Math.min(min, shown);
            max = Math.max(max, shown);
        }
        if (colors.isEmpty())
        {
            return null;
        }
        final String title = (small ? "64-byte messages" : phase.equals("sat-1m") ? "1 MiB frames" :
            phase.equals("sat-1080p") ? "3,110,400-byte frames (1080p NV12)" : "12,441,600-byte frames (4K NV12)") +
            ", saturation, every byte written and read";
        final JFreeChart chart = ChartFactory.createBarChart(title, null,
            small ? "million messages/s (log scale)" : "GB/s of payload (log scale)", data,
            PlotOrientation.HORIZONTAL, false, false, false);
        final CategoryPlot plot = chart.getCategoryPlot();
        final BarRenderer renderer = new BarRenderer()
        {
            private static final long serialVersionUID = 1L;

            @Override
            public Paint getItemPaint(final int row, final int column)
            {
                return colors.get(column);
            }
        };
        style(plot, renderer, min, max, small ? "0.00" : "0.000");
        return save(chart, phase.replace("sat-", "throughput-") + ".png", 1000, 560);
    }

    /** Grouped bars of percentiles for every peer (and variant) of the phases whose names start with the prefix. */
    private Path percentiles(final String prefix, final String kind, final String[] percentiles, final double divisor,
        final String title, final String axis, final String name) throws IOException
    {
        final DefaultCategoryDataset data = new DefaultCategoryDataset();
        double min = Double.MAX_VALUE;
        double max = 0;
        for (final Map.Entry<String, Map<String, Map<String, Double>>> phase : tables.values().entrySet())
        {
            if (!phase.getKey().startsWith(prefix))
            {
                continue;
            }
            final String variant = phase.getKey().endsWith("-spin") ? " (spin)" :
                phase.getKey().endsWith("-blocking") ? " (blocking)" : "";
            for (final Map.Entry<String, Map<String, Double>> peer : phase.getValue().entrySet())
            {
                for (final String percentile : percentiles)
                {
                    final Double us = peer.getValue().get(kind + " " + percentile + " us");
                    if (us != null && us > 0)
                    {
                        data.addValue(us / divisor, percentile,
                            PeerBenchmark.NAMES.getOrDefault(peer.getKey(), peer.getKey()) + variant);
                        min = Math.min(min, us / divisor);
                        max = Math.max(max, us / divisor);
                    }
                }
            }
        }
        if (data.getColumnCount() == 0)
        {
            return null;
        }
        final JFreeChart chart = ChartFactory.createBarChart(title, null, axis, data, PlotOrientation.HORIZONTAL,
            true, false, false);
        final BarRenderer renderer = new BarRenderer();
        for (int i = 0; i < percentiles.length; i++)
        {
            renderer.setSeriesPaint(i, SERIES[i % SERIES.length]);
        }
        style(chart.getCategoryPlot(), renderer, min, max, "#,##0.0");
        return save(chart, name, 1000, 160 + 34 * data.getColumnCount());
    }

    private Path cpu() throws IOException
    {
        final Map<String, Map<String, Double>> peers = tables.values().get("rate-4k");
        if (peers == null)
        {
            return null;
        }
        final DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (final Map.Entry<String, Map<String, Double>> peer : peers.entrySet())
        {
            final String label = PeerBenchmark.NAMES.getOrDefault(peer.getKey(), peer.getKey());
            final Double producer = peer.getValue().get(PeerTables.SHARE_PRODUCER);
            final Double consumer = peer.getValue().get(PeerTables.SHARE_CONSUMER);
            if (producer != null)
            {
                data.addValue(producer, "producer process", label);
            }
            if (consumer != null)
            {
                data.addValue(consumer, peer.getKey().equals("limit") ? "one process (limit)" : "consumer process", label);
            }
        }
        if (data.getColumnCount() == 0)
        {
            return null;
        }
        final JFreeChart chart = ChartFactory.createStackedBarChart(
            "CPU of 4K frames at 30/s (blocking waits where the peer has a choice; the limit spins)", null,
            "% of one core", data, PlotOrientation.HORIZONTAL, true, false, false);
        final CategoryPlot plot = chart.getCategoryPlot();
        final BarRenderer renderer = (BarRenderer)plot.getRenderer();
        renderer.setBarPainter(new StandardBarPainter());
        renderer.setShadowVisible(false);
        for (int i = 0; i < SERIES.length; i++)
        {
            renderer.setSeriesPaint(i, SERIES[i]);
        }
        renderer.setDefaultItemLabelGenerator(new StandardCategoryItemLabelGenerator("{2}", new DecimalFormat("0.0")));
        renderer.setDefaultItemLabelsVisible(true);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        ((NumberAxis)plot.getRangeAxis()).setAutoRangeIncludesZero(true);
        chart.setBackgroundPaint(Color.WHITE);
        return save(chart, "cpu-4k-30fps.png", 1000, 160 + 40 * data.getColumnCount());
    }

    private static void style(final CategoryPlot plot, final BarRenderer renderer, final double min, final double max,
        final String format)
    {
        renderer.setBarPainter(new StandardBarPainter());
        renderer.setShadowVisible(false);
        renderer.setItemMargin(0.05);
        // a log axis has no zero: bars start one decade under the smallest value
        renderer.setBase(Math.pow(10, Math.floor(Math.log10(min))));
        renderer.setIncludeBaseInRange(false);
        renderer.setDefaultItemLabelGenerator(new StandardCategoryItemLabelGenerator("{2}", new DecimalFormat(format)));
        renderer.setDefaultItemLabelsVisible(true);
        renderer.setDefaultItemLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        // labels right of the bar's end, so that neighbouring bars' labels never overlap
        renderer.setDefaultPositiveItemLabelPosition(new ItemLabelPosition(ItemLabelAnchor.OUTSIDE3, TextAnchor.CENTER_LEFT));
        plot.setRenderer(renderer);
        final LogAxis axis = new LogAxis(plot.getRangeAxis().getLabel());
        axis.setBase(10);
        axis.setSmallestValue(renderer.getBase());
        // one tick a decade, and room right of the longest bar for its label
        axis.setTickUnit(new NumberTickUnit(1.0, new DecimalFormat("0.###")));
        axis.setNumberFormatOverride(new DecimalFormat("#,##0.###"));
        axis.setRange(renderer.getBase(), Math.pow(10, Math.ceil(Math.log10(max * 3))));
        plot.setRangeAxis(axis);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
    }

    private Path save(final JFreeChart chart, final String name, final int width, final int height) throws IOException
    {
        chart.setBackgroundPaint(Color.WHITE);
        final Path file = directory.resolve(name);
        ChartUtils.saveChartAsPNG(file.toFile(), chart, width, height);
        System.out.println("chart: " + file + " (" + Report.number(width) + " x " + height + ")");
        return file;
    }
}
