package io.hindsight.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A small, dependency-free SVG line chart: several named series over a shared x axis, with axes,
 * tick labels, a title and a legend. Used for range-evolution plots (used vs observed ranges, as
 * in the paper's figures) and accuracy curves.
 */
public final class SvgChart {
  private static final String[] PALETTE = {
      "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"
  };
  private static final int W = 900;
  private static final int H = 420;
  private static final int LEFT = 80;
  private static final int RIGHT = 220;
  private static final int TOP = 40;
  private static final int BOTTOM = 50;

  /** One line; {@code dashed} draws it dashed, {@code colorIndex} picks from the palette. */
  public record Series(String label, double[] x, double[] y, int colorIndex, boolean dashed) {}

  private final String title;
  private final String xLabel;
  private final String yLabel;
  private final List<Series> series = new ArrayList<>();

  public SvgChart(String title, String xLabel, String yLabel) {
    this.title = title;
    this.xLabel = xLabel;
    this.yLabel = yLabel;
  }

  public SvgChart add(Series s) {
    if (s.x().length != s.y().length) {
      throw new IllegalArgumentException("series " + s.label() + ": x and y lengths differ");
    }
    series.add(s);
    return this;
  }

  public String render() {
    double xMin = Double.POSITIVE_INFINITY;
    double xMax = Double.NEGATIVE_INFINITY;
    double yMin = Double.POSITIVE_INFINITY;
    double yMax = Double.NEGATIVE_INFINITY;
    for (Series s : series) {
      for (int i = 0; i < s.x().length; i++) {
        if (Double.isFinite(s.x()[i]) && Double.isFinite(s.y()[i])) {
          xMin = Math.min(xMin, s.x()[i]);
          xMax = Math.max(xMax, s.x()[i]);
          yMin = Math.min(yMin, s.y()[i]);
          yMax = Math.max(yMax, s.y()[i]);
        }
      }
    }
    if (!Double.isFinite(xMin)) {
      xMin = 0;
      xMax = 1;
      yMin = 0;
      yMax = 1;
    }
    if (xMax == xMin) {
      xMax = xMin + 1;
    }
    if (yMax == yMin) {
      yMax = yMin + 1;
    }
    double pad = (yMax - yMin) * 0.05;
    yMin -= pad;
    yMax += pad;
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
            + "font-family=\"sans-serif\" font-size=\"12\">%n", W, H, W, H));
    sb.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
    sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"22\" font-size=\"15\" font-weight=\"bold\">%s</text>%n",
        LEFT, esc(title)));
    int pw = W - LEFT - RIGHT;
    int ph = H - TOP - BOTTOM;
    sb.append(String.format(Locale.ROOT,
        "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#333\"/>%n", LEFT, TOP, pw, ph));
    for (int i = 0; i <= 5; i++) {
      double xv = xMin + (xMax - xMin) * i / 5;
      double yv = yMin + (yMax - yMin) * i / 5;
      int px = LEFT + pw * i / 5;
      int py = TOP + ph - ph * i / 5;
      sb.append(String.format(Locale.ROOT,
          "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#ddd\"/>"
              + "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>%n",
          px, TOP, px, TOP + ph, px, TOP + ph + 16, fmt(xv)));
      sb.append(String.format(Locale.ROOT,
          "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#ddd\"/>"
              + "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>%n",
          LEFT, py, LEFT + pw, py, LEFT - 6, py + 4, fmt(yv)));
    }
    sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>%n",
        LEFT + pw / 2, H - 12, esc(xLabel)));
    sb.append(String.format(Locale.ROOT,
        "<text x=\"16\" y=\"%d\" text-anchor=\"middle\" transform=\"rotate(-90 16 %d)\">%s</text>%n",
        TOP + ph / 2, TOP + ph / 2, esc(yLabel)));
    int legendY = TOP + 10;
    for (Series s : series) {
      String color = PALETTE[Math.floorMod(s.colorIndex(), PALETTE.length)];
      StringBuilder pts = new StringBuilder();
      for (int i = 0; i < s.x().length; i++) {
        if (!Double.isFinite(s.x()[i]) || !Double.isFinite(s.y()[i])) {
          continue;
        }
        double px = LEFT + (s.x()[i] - xMin) / (xMax - xMin) * pw;
        double py = TOP + ph - (s.y()[i] - yMin) / (yMax - yMin) * ph;
        pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", px, py));
      }
      sb.append(String.format(Locale.ROOT,
          "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.6\"%s points=\"%s\"/>%n", color,
          s.dashed() ? " stroke-dasharray=\"6 4\"" : "", pts.toString().trim()));
      sb.append(String.format(Locale.ROOT,
          "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"2\"%s/>"
              + "<text x=\"%d\" y=\"%d\">%s</text>%n",
          W - RIGHT + 12, legendY, W - RIGHT + 40, legendY, color, s.dashed() ? " stroke-dasharray=\"6 4\"" : "",
          W - RIGHT + 46, legendY + 4, esc(s.label())));
      legendY += 18;
    }
    sb.append("</svg>\n");
    return sb.toString();
  }

  private static String fmt(double v) {
    double a = Math.abs(v);
    if (a != 0 && (a < 1e-3 || a >= 1e5)) {
      return String.format(Locale.ROOT, "%.2e", v);
    }
    return String.format(Locale.ROOT, a >= 100 ? "%.0f" : a >= 1 ? "%.2f" : "%.4f", v);
  }

  static String esc(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
