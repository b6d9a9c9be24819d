package io.hindsight.report;

import java.util.List;

/**
 * Test accuracy per epoch of several runs side by side, drawn by {@link SvgChart}: one line per run,
 * each with its own colour, stroke pattern and marker (so runs stay apart in grey-scale print).
 */
public final class AccuracyChart {
  private AccuracyChart() {}

  public static String svg(String title, List<RunSummary> runs) {
    SvgChart chart = new SvgChart(title, new SvgChart.Axis("epoch", "", true), new SvgChart.Axis("test accuracy", "%"));
    for (int i = 0; i < runs.size(); i++) {
      RunSummary r = runs.get(i);
      double[] acc = r.epochTestAccuracy();
      double[] x = new double[acc.length];
      double[] y = new double[acc.length];
      for (int e = 0; e < acc.length; e++) {
        x[e] = e + 1;
        y[e] = 100 * acc[e];
      }
      chart.add(new SvgChart.Series(r.label() + " (" + r.estimator() + ")", x, y, i, SvgChart.Stroke.cycle(i),
          SvgChart.Marker.cycle(i), 1.8));
    }
    return chart.render();
  }
}
