package dev.shmstreams.examples.backpressure;

import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.IntervalMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.renderer.xy.XYStepRenderer;
import org.jfree.chart.ui.Layer;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The backpressure example's chart (JFreeChart): producer, consumer and drop rates above, the
 * ring's occupancy below, the consumer's slow phase shaded in both.
 */
final class RateChart
{
    final XYSeries producer = new XYSeries("producer: frames committed/s");
    final XYSeries consumer = new XYSeries("consumer: frames received/s");
    final XYSeries dropped = new XYSeries("dropped by the policy/s");
    final XYSeries occupancy = new XYSeries("ring occupancy (slots)");
    double slowFrom = Double.NaN;
    double slowTo = Double.NaN;

    /**
     * @param title chart title.
     * @param slots the ring's size: the occupancy axis goes to it.
     * @param file  the PNG to write.
     */
    void write(final String title, final int slots, final Path file) throws IOException
    {
        final XYSeriesCollection rates = new XYSeriesCollection();
        rates.addSeries(producer);
        rates.addSeries(consumer);
        rates.addSeries(dropped);
        final XYLineAndShapeRenderer rateRenderer = new XYLineAndShapeRenderer(true, false);
        rateRenderer.setSeriesPaint(0, new Color(0x1f77b4));
        rateRenderer.setSeriesPaint(1, new Color(0x2ca02c));
        rateRenderer.setSeriesPaint(2, new Color(0xd62728));
        for (int i = 0; i < 3; i++)
        {
            rateRenderer.setSeriesStroke(i, new BasicStroke(2f));
        }
        final XYPlot ratePlot = new XYPlot(rates, null, new NumberAxis("frames per second"), rateRenderer);

        final XYStepRenderer ringRenderer = new XYStepRenderer();
        ringRenderer.setSeriesPaint(0, new Color(0x9467bd));
        ringRenderer.setSeriesStroke(0, new BasicStroke(2f));
        final NumberAxis slotsAxis = new NumberAxis("ring occupancy");
        slotsAxis.setRange(0, slots + 0.5);
        slotsAxis.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        final XYPlot ringPlot = new XYPlot(new XYSeriesCollection(occupancy), null, slotsAxis, ringRenderer);

        if (!Double.isNaN(slowFrom))
        {
            for (final XYPlot plot : new XYPlot[] { ratePlot, ringPlot })
            {
                final IntervalMarker slow = new IntervalMarker(slowFrom, Double.isNaN(slowTo) ? producer.getMaxX() : slowTo,
                    new Color(255, 200, 0, 60));
                if (plot == ratePlot)
                {
                    slow.setLabel("consumer slow");
                    slow.setLabelAnchor(RectangleAnchor.TOP);
                    slow.setLabelTextAnchor(TextAnchor.TOP_CENTER);
                }
                plot.addDomainMarker(slow, Layer.BACKGROUND);
            }
        }

        final CombinedDomainXYPlot plot = new CombinedDomainXYPlot(new NumberAxis("seconds"));
        plot.setGap(12);
        plot.add(ratePlot, 3);
        plot.add(ringPlot, 1);
        final JFreeChart chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        ChartUtils.saveChartAsPNG(file.toFile(), chart, 1000, 620);
    }
}
