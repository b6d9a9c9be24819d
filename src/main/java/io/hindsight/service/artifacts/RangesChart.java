package io.hindsight.service.artifacts;

import java.util.List;
import java.util.Locale;

/**
 * Draws one quantizer's ranges over training steps as a self-contained SVG: the range used
 * (solid) and the range observed (dashed), min and max, against the step.
 */
final class RangesChart {
  private RangesChart() {}

  static String svg(String quantizer, List<RangesCsv.Row> rows) {
    int w = 800;
    int h = 360;
    int left = 70;
    int right = 20;
    int top = 40;
    int bottom = 40;
    double minStep = rows.stream().mapToDouble(RangesCsv.Row::step).min().orElse(0);
    double maxStep = rows.stream().mapToDouble(RangesCsv.Row::step).max().orElse(1);
    double lo = Double.POSITIVE_INFINITY;
    double hi = Double.NEGATIVE_INFINITY;
    for (RangesCsv.Row r : rows) {
      for (double v : new double[] {r.usedMin(), r.usedMax(), r.observedMin(), r.observedMax()}) {
        if (Double.isFinite(v)) {
          lo = Math.min(lo, v);
          hi = Math.max(hi, v);
        }
      }
    }
    if (!(lo < hi)) {
      lo = Double.isFinite(lo) ? lo - 1 : -1;
      hi = lo + 2;
    }
    double sx = (w - left - right) / Math.max(1e-9, maxStep - minStep);
    double sy = (h - top - bottom) / (hi - lo);
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\""
        + " viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">%n", w, h, w, h));
    sb.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", w, h));
    sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"20\" font-size=\"14\">%s: quantization range per step"
        + "</text>%n", left, escape(quantizer)));
    sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>%n", left,
        h - bottom, w - right, h - bottom));
    sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>%n", left, top,
        left, h - bottom));
    sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%.4g</text>%n", left - 4, top + 4,
        hi));
    sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%.4g</text>%n", left - 4,
        h - bottom, lo));
    sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">step %.0f</text>%n", left, h - 15, minStep));
    sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">step %.0f</text>%n", w - right,
        h - 15, maxStep));
    String[][] series = {{"usedMin", "#1f77b4", ""}, {"usedMax", "#d62728", ""},
        {"observedMin", "#1f77b4", " stroke-dasharray=\"4 3\""}, {"observedMax", "#d62728", " stroke-dasharray=\"4 3\""}};
    for (int s = 0; s < series.length; s++) {
      StringBuilder pts = new StringBuilder();
      for (RangesCsv.Row r : rows) {
        double v = switch (s) {
          case 0 -> r.usedMin();
          case 1 -> r.usedMax();
          case 2 -> r.observedMin();
          default -> r.observedMax();
        };
        if (Double.isFinite(v)) {
          pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", left + (r.step() - minStep) * sx,
              h - bottom - (v - lo) * sy));
        }
      }
      sb.append(String.format(Locale.ROOT, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\"%s points=\"%s\">"
          + "<title>%s</title></polyline>%n", series[s][1], series[s][2], pts.toString().trim(), series[s][0]));
      sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" fill=\"%s\">%s</text>%n", w - right - 110,
          top + 14 * s, series[s][1], series[s][0] + (series[s][2].isEmpty() ? " (used)" : " (seen)")));
    }
    sb.append("</svg>\n");
    return sb.toString();
  }

  static String escape(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
