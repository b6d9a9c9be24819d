package io.hindsight.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The one chart renderer of the project (the report's plots and the service's
 * {@code /ranges?format=svg}): a dependency-free SVG line chart meant to be read at a glance and in
 * print. Both axes have ticks at round values with grid lines, and a title with its unit; very
 * large or small values share one power of ten, named in the axis title. Each series has a colour
 * and a stroke pattern (solid, dashed, dotted, ...), and optionally markers, so series stay apart
 * in grey-scale print; a band shades the area between two curves. The legend sits to the right of
 * the data area, never on it. Non-finite points are left out (the line breaks there).
 */
public final class SvgChart {
  /** Colour-blind-safe palette (Okabe and Ito), dark enough for thin lines. */
  private static final String[] PALETTE = {
      "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"
  };
  private static final int PLOT_W = 620;
  private static final int PLOT_H = 330;
  private static final int TOP = 48;
  private static final int BOTTOM = 62;
  private static final int LEGEND_GAP = 24;
  private static final double CHAR_W = 7.0; // average glyph width of the 12 px sans-serif text

  /**
   * An axis: its title, the unit of its values (shown as "title (unit)"; may be empty), and whether
   * its values are whole numbers (epochs, steps: no ticks between them).
   */
  public record Axis(String title, String unit, boolean whole) {
    public Axis(String title, String unit) {
      this(title, unit, false);
    }
  }

  /** Stroke patterns that stay distinguishable without colour. */
  public enum Stroke {
    SOLID(null), DASHED("8 5"), DOTTED("2 4"), DASH_DOT("10 4 2 4"), LONG_DASH("16 6");

    final String dashArray;

    Stroke(String dashArray) {
      this.dashArray = dashArray;
    }

    /** The pattern of the {@code i}-th of several series. */
    public static Stroke cycle(int i) {
      return values()[Math.floorMod(i, values().length)];
    }
  }

  /** Marker shapes drawn at each point of a series. */
  public enum Marker { NONE, CIRCLE, SQUARE, TRIANGLE, DIAMOND;

    /** The marker of the {@code i}-th of several series. */
    public static Marker cycle(int i) {
      return values()[1 + Math.floorMod(i, values().length - 1)];
    }
  }

  /**
   * One line.
   *
   * @param colorIndex index into the palette
   * @param width line width in px
   */
  public record Series(String label, double[] x, double[] y, int colorIndex, Stroke stroke, Marker marker,
      double width) {
    public Series {
      if (x.length != y.length) {
        throw new IllegalArgumentException("series " + label + ": x and y lengths differ");
      }
    }
  }

  /** A shaded area between {@code lo} and {@code hi}, drawn under the lines; not in the legend. */
  public record Band(double[] x, double[] lo, double[] hi, int colorIndex) {
    public Band {
      if (x.length != lo.length || x.length != hi.length) {
        throw new IllegalArgumentException("band: x, lo and hi lengths differ");
      }
    }
  }

  private final String title;
  private final Axis xAxis;
  private final Axis yAxis;
  private final List<Series> series = new ArrayList<>();
  private final List<Band> bands = new ArrayList<>();

  public SvgChart(String title, Axis xAxis, Axis yAxis) {
    this.title = title;
    this.xAxis = xAxis;
    this.yAxis = yAxis;
  }

  public SvgChart add(Series s) {
    series.add(s);
    return this;
  }

  public SvgChart add(Band b) {
    bands.add(b);
    return this;
  }

  /** The colour of palette entry {@code i}. */
  public static String color(int i) {
    return PALETTE[Math.floorMod(i, PALETTE.length)];
  }

  public String render() {
    double[] xr = {Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY};
    double[] yr = {Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY};
    for (Series s : series) {
      extend(s.x(), s.y(), xr, yr);
    }
    for (Band b : bands) {
      extend(b.x(), b.lo(), xr, yr);
      extend(b.x(), b.hi(), xr, yr);
    }
    boolean markers = series.stream().anyMatch(s -> s.marker() != Marker.NONE);
    Ticks xt = Ticks.of(xr[0], xr[1], markers ? 0.04 : 0, xAxis.whole());
    Ticks yt = Ticks.of(yr[0], yr[1], 0.05, yAxis.whole());

    int yLabelW = (int) Math.ceil(yt.labels().stream().mapToInt(String::length).max().orElse(1) * CHAR_W);
    int left = 34 + yLabelW + 10;
    int legendW = (int) Math.ceil(series.stream().mapToInt(s -> s.label().length()).max().orElse(0) * CHAR_W) + 52;
    int width = left + PLOT_W + LEGEND_GAP + legendW + 16;
    int height = TOP + PLOT_H + BOTTOM;
    Frame f = new Frame(left, TOP, PLOT_W, PLOT_H, xt.lo(), xt.hi(), yt.lo(), yt.hi());

    StringBuilder sb = new StringBuilder();
    sb.append(fmt("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
        + "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"12\">%n", width, height, width,
        height));
    sb.append(fmt("<title>%s</title>%n", esc(title)));
    sb.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
    sb.append(fmt("<text x=\"%d\" y=\"26\" font-size=\"15\" font-weight=\"bold\">%s</text>%n", left, esc(title)));

    // grid and ticks
    sb.append("<g class=\"grid\" stroke=\"#d9d9d9\" stroke-width=\"1\">\n");
    for (double v : xt.values()) {
      double px = f.px(v);
      sb.append(fmt("<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>%n", px, TOP, px, TOP + PLOT_H));
    }
    for (double v : yt.values()) {
      double py = f.py(v);
      sb.append(fmt("<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>%n", left, py, left + PLOT_W, py));
    }
    sb.append("</g>\n");
    sb.append("<g class=\"ticks\" stroke=\"#333\" stroke-width=\"1\">\n");
    for (double v : xt.values()) {
      double px = f.px(v);
      sb.append(fmt("<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>%n", px, TOP + PLOT_H, px, TOP + PLOT_H + 5));
    }
    for (double v : yt.values()) {
      double py = f.py(v);
      sb.append(fmt("<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>%n", left - 5, py, left, py));
    }
    sb.append("</g>\n");
    for (int i = 0; i < xt.values().size(); i++) {
      sb.append(fmt("<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n", f.px(xt.values().get(i)),
          TOP + PLOT_H + 19, xt.labels().get(i)));
    }
    for (int i = 0; i < yt.values().size(); i++) {
      sb.append(fmt("<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>%n", left - 8,
          f.py(yt.values().get(i)) + 4, yt.labels().get(i)));
    }
    // axis titles
    sb.append(fmt("<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"13\">%s</text>%n", left + PLOT_W / 2,
        TOP + PLOT_H + 46, esc(axisTitle(xAxis, xt))));
    int cy = TOP + PLOT_H / 2;
    sb.append(fmt("<text x=\"18\" y=\"%d\" text-anchor=\"middle\" font-size=\"13\" transform=\"rotate(-90 18 %d)\">"
        + "%s</text>%n", cy, cy, esc(axisTitle(yAxis, yt))));

    // data, clipped to the frame
    sb.append(fmt("<clipPath id=\"data\"><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"/></clipPath>%n", left,
        TOP, PLOT_W, PLOT_H));
    sb.append("<g clip-path=\"url(#data)\">\n");
    for (Band b : bands) {
      for (String poly : bandPolygons(b, f)) {
        sb.append(fmt("<polygon fill=\"%s\" fill-opacity=\"0.16\" stroke=\"none\" points=\"%s\"/>%n",
            color(b.colorIndex()), poly));
      }
    }
    for (Series s : series) {
      for (String pts : segments(s.x(), s.y(), f)) {
        sb.append(fmt("<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"%.1f\" stroke-linejoin=\"round\"%s "
            + "points=\"%s\"><title>%s</title></polyline>%n", color(s.colorIndex()), s.width(), dash(s.stroke()),
            pts, esc(s.label())));
      }
      if (s.marker() != Marker.NONE) {
        for (int i = 0; i < s.x().length; i++) {
          if (Double.isFinite(s.x()[i]) && Double.isFinite(s.y()[i])) {
            sb.append(marker(s.marker(), f.px(s.x()[i]), f.py(s.y()[i]), color(s.colorIndex())));
          }
        }
      }
    }
    sb.append("</g>\n");
    sb.append(fmt("<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#333\"/>%n", left, TOP,
        PLOT_W, PLOT_H));

    // legend, right of the data area
    int lx = left + PLOT_W + LEGEND_GAP;
    int ly = TOP + 8;
    for (Series s : series) {
      String c = color(s.colorIndex());
      sb.append(fmt("<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"%.1f\"%s/>%n", lx, ly,
          lx + 36, ly, c, s.width(), dash(s.stroke())));
      if (s.marker() != Marker.NONE) {
        sb.append(marker(s.marker(), lx + 18, ly, c));
      }
      sb.append(fmt("<text x=\"%d\" y=\"%d\">%s</text>%n", lx + 44, ly + 4, esc(s.label())));
      ly += 20;
    }
    sb.append("</svg>\n");
    return sb.toString();
  }

  private static void extend(double[] x, double[] y, double[] xr, double[] yr) {
    for (int i = 0; i < x.length; i++) {
      if (Double.isFinite(x[i]) && Double.isFinite(y[i])) {
        xr[0] = Math.min(xr[0], x[i]);
        xr[1] = Math.max(xr[1], x[i]);
        yr[0] = Math.min(yr[0], y[i]);
        yr[1] = Math.max(yr[1], y[i]);
      }
    }
  }

  private static String axisTitle(Axis a, Ticks t) {
    String unit = a.unit() == null ? "" : a.unit();
    if (t.exponent() != 0) {
      unit = (unit.isEmpty() ? "" : unit + ", ") + "\u00d710" + superscript(t.exponent());
    }
    return unit.isEmpty() ? a.title() : a.title() + " (" + unit + ")";
  }

  private static String superscript(int e) {
    String digits = "\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079";
    StringBuilder sb = new StringBuilder(e < 0 ? "\u207b" : "");
    for (char c : Integer.toString(Math.abs(e)).toCharArray()) {
      sb.append(digits.charAt(c - '0'));
    }
    return sb.toString();
  }

  private static String dash(Stroke s) {
    return s.dashArray == null ? "" : " stroke-dasharray=\"" + s.dashArray + "\"";
  }

  private static String marker(Marker m, double x, double y, String c) {
    return switch (m) {
      case CIRCLE -> fmt("<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"white\" stroke=\"%s\" stroke-width=\"1.5\"/>%n",
          x, y, c);
      case SQUARE -> fmt("<rect x=\"%.1f\" y=\"%.1f\" width=\"7\" height=\"7\" fill=\"%s\"/>%n", x - 3.5, y - 3.5, c);
      case TRIANGLE -> fmt("<polygon points=\"%.1f,%.1f %.1f,%.1f %.1f,%.1f\" fill=\"%s\"/>%n", x, y - 4.5, x - 4,
          y + 3, x + 4, y + 3, c);
      case DIAMOND -> fmt("<polygon points=\"%.1f,%.1f %.1f,%.1f %.1f,%.1f %.1f,%.1f\" fill=\"white\" stroke=\"%s\" "
          + "stroke-width=\"1.5\"/>%n", x, y - 4.5, x + 4.5, y, x, y + 4.5, x - 4.5, y, c);
      case NONE -> "";
    };
  }

  /** Runs of consecutive finite points as SVG point lists. */
  private static List<String> segments(double[] x, double[] y, Frame f) {
    List<String> out = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    for (int i = 0; i <= x.length; i++) {
      if (i < x.length && Double.isFinite(x[i]) && Double.isFinite(y[i])) {
        cur.append(fmt("%.1f,%.1f ", f.px(x[i]), f.py(y[i])));
      } else if (cur.length() > 0) {
        out.add(cur.toString().trim());
        cur.setLength(0);
      }
    }
    return out;
  }

  /** Runs of consecutive points where both bounds are finite, each as a closed polygon. */
  private static List<String> bandPolygons(Band b, Frame f) {
    List<String> out = new ArrayList<>();
    int start = -1;
    for (int i = 0; i <= b.x().length; i++) {
      boolean ok = i < b.x().length && Double.isFinite(b.x()[i]) && Double.isFinite(b.lo()[i])
          && Double.isFinite(b.hi()[i]);
      if (ok && start < 0) {
        start = i;
      } else if (!ok && start >= 0) {
        StringBuilder p = new StringBuilder();
        for (int j = start; j < i; j++) {
          p.append(fmt("%.1f,%.1f ", f.px(b.x()[j]), f.py(b.hi()[j])));
        }
        for (int j = i - 1; j >= start; j--) {
          p.append(fmt("%.1f,%.1f ", f.px(b.x()[j]), f.py(b.lo()[j])));
        }
        out.add(p.toString().trim());
        start = -1;
      }
    }
    return out;
  }

  /** The data area and the value ranges it shows. */
  private record Frame(int left, int top, int w, int h, double x0, double x1, double y0, double y1) {
    double px(double x) {
      return left + (x - x0) / (x1 - x0) * w;
    }

    double py(double y) {
      return top + h - (y - y0) / (y1 - y0) * h;
    }
  }

  /**
   * The axis bounds (the data range, widened by {@code pad} of it on both sides) and round tick
   * values inside them (steps of 1, 2, 2.5 or 5 times a power of ten, six or seven of them; whole
   * numbers only on a whole axis), their labels, and the power of ten the labels are scaled by (0
   * unless the values are very large or very small).
   */
  record Ticks(double lo, double hi, List<Double> values, List<String> labels, int exponent) {
    static Ticks of(double min, double max, double pad, boolean whole) {
      if (!Double.isFinite(min) || !Double.isFinite(max)) {
        min = 0;
        max = 1;
      }
      if (max == min) {
        double d = min == 0 ? 1 : Math.abs(min) * 0.1;
        min -= d;
        max += d;
      } else {
        double d = (max - min) * pad;
        min -= d;
        max += d;
      }
      double step = niceStep(min, max, whole);
      List<Double> values = new ArrayList<>();
      for (long i = (long) Math.ceil(min / step - 1e-9); i * step <= max + step * 1e-9; i++) {
        values.add(i == 0 ? 0.0 : i * step);
      }
      double biggest = Math.max(Math.abs(min), Math.abs(max));
      int exponent = 0;
      if (biggest >= 1e5 || biggest < 1e-2) {
        exponent = (int) Math.floor(Math.log10(biggest));
      }
      double scale = Math.pow(10, -exponent);
      double scaledStep = step * scale;
      int decimals = Math.max(0, (int) Math.ceil(-Math.log10(scaledStep) - 1e-9));
      if (Math.abs(scaledStep * Math.pow(10, decimals) - Math.rint(scaledStep * Math.pow(10, decimals))) > 1e-6) {
        decimals++; // 2.5, 0.25, ...
      }
      List<String> labels = new ArrayList<>();
      for (double v : values) {
        labels.add(String.format(Locale.ROOT, "%." + decimals + "f", v * scale).replace('-', '\u2212'));
      }
      return new Ticks(min, max, values, labels, exponent);
    }

    /** Of the steps 1, 2, 2.5, 5 times a power of ten, the one giving closest to six ticks in [min, max]. */
    static double niceStep(double min, double max, boolean whole) {
      double p = Math.pow(10, Math.floor(Math.log10((max - min) / 6)));
      double best = Double.NaN;
      long bestMiss = Long.MAX_VALUE;
      for (double base : new double[] {p / 10, p, p * 10}) {
        for (double m : new double[] {1, 2, 2.5, 5}) {
          double step = m * base;
          if (whole && (step < 1 || step != Math.rint(step))) {
            continue;
          }
          long count = (long) Math.floor(max / step + 1e-9) - (long) Math.ceil(min / step - 1e-9) + 1;
          long miss = 2 * Math.abs(count - 6) + (m == 2.5 ? 1 : 0); // 2.5 only where clearly better
          if (miss < bestMiss || miss == bestMiss && step > best) {
            best = step;
            bestMiss = miss;
          }
        }
      }
      return Double.isNaN(best) ? 1 : best;
    }
  }

  private static String fmt(String format, Object... args) {
    return String.format(Locale.ROOT, format, args);
  }

  /** Escapes text for SVG content and attributes. */
  public static String esc(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
