package io.hindsight.report;

import io.hindsight.quant.RangesCsv;
import java.util.List;

/**
 * The range-evolution plot of one quantizer (the paper's figures), drawn by {@link SvgChart} for
 * {@code hindsight report} and the service's {@code /ranges?format=svg}: per training step, the
 * range the tensor was quantized with (solid lines, the band between them shaded) against the
 * range observed on it (dashed max, dotted min). An in-hindsight estimator's used range follows
 * the observed one a step late; where a dashed or dotted line leaves the band, values were clipped.
 */
public final class RangeChart {
  private RangeChart() {}

  /**
   * @param title the chart's title
   * @param rows one quantizer's rows, in step order ({@link RangesCsv#read})
   */
  public static String svg(String title, List<RangesCsv.Row> rows) {
    int n = rows.size();
    double[] x = new double[n];
    double[] usedMin = new double[n];
    double[] usedMax = new double[n];
    double[] observedMin = new double[n];
    double[] observedMax = new double[n];
    for (int i = 0; i < n; i++) {
      RangesCsv.Row r = rows.get(i);
      x[i] = r.step();
      usedMin[i] = r.usedMin();
      usedMax[i] = r.usedMax();
      observedMin[i] = r.observedMin();
      observedMax[i] = r.observedMax();
    }
    String kind = n == 0 ? "tensor" : kind(rows.get(0).quantizer());
    return new SvgChart(title, new SvgChart.Axis("training step", "mini-batches", true),
        new SvgChart.Axis("range bounds", kind + " value"))
        .add(new SvgChart.Band(x, usedMin, usedMax, 0))
        .add(new SvgChart.Series("used max", x, usedMax, 0, SvgChart.Stroke.SOLID, SvgChart.Marker.NONE, 2.2))
        .add(new SvgChart.Series("used min", x, usedMin, 0, SvgChart.Stroke.SOLID, SvgChart.Marker.NONE, 2.2))
        .add(new SvgChart.Series("observed max", x, observedMax, 1, SvgChart.Stroke.DASHED, SvgChart.Marker.NONE,
            1.6))
        .add(new SvgChart.Series("observed min", x, observedMin, 1, SvgChart.Stroke.DOTTED, SvgChart.Marker.NONE,
            1.8))
        .render();
  }

  /** {@code activation} of {@code conv1/activation}. */
  private static String kind(String quantizer) {
    int slash = quantizer.lastIndexOf('/');
    return slash < 0 ? "tensor" : quantizer.substring(slash + 1);
  }
}
