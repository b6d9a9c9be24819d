package io.hindsight.report;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The rows of a run's {@code ranges.csv}
 * ({@code step,quantizer,usedMin,usedMax,observedMin,observedMax,clippedFraction}) grouped by
 * quantizer, and their plot: the range used at each step against the range observed, which for
 * an in-hindsight estimator lags by one step.
 */
public final class RangeHistory {
  /** One row. */
  public record Row(long step, double usedMin, double usedMax, double observedMin, double observedMax,
      double clippedFraction) {}

  private final Map<String, List<Row>> byQuantizer;

  private RangeHistory(Map<String, List<Row>> byQuantizer) {
    this.byQuantizer = byQuantizer;
  }

  public static RangeHistory read(Path csv) throws IOException {
    Map<String, List<Row>> m = new LinkedHashMap<>();
    try (BufferedReader r = Files.newBufferedReader(csv)) {
      String header = r.readLine();
      if (header == null || !header.startsWith("step,quantizer,usedMin,usedMax,observedMin,observedMax")) {
        throw new IOException(csv + ": not a ranges.csv (header " + header + ")");
      }
      String line;
      int n = 1;
      while ((line = r.readLine()) != null) {
        n++;
        if (line.isBlank()) {
          continue;
        }
        String[] f = line.split(",");
        if (f.length < 7) {
          throw new IOException(csv + ":" + n + ": expected 7 columns, got " + f.length);
        }
        try {
          m.computeIfAbsent(f[1], k -> new ArrayList<>()).add(new Row(Long.parseLong(f[0]), num(f[2]), num(f[3]),
              num(f[4]), num(f[5]), num(f[6])));
        } catch (NumberFormatException e) {
          throw new IOException(csv + ":" + n + ": " + e.getMessage(), e);
        }
      }
    }
    return new RangeHistory(m);
  }

  private static double num(String s) {
    return s.isEmpty() ? Double.NaN : Double.parseDouble(s);
  }

  public List<String> quantizers() {
    return List.copyOf(byQuantizer.keySet());
  }

  public List<Row> rows(String quantizer) {
    List<Row> r = byQuantizer.get(quantizer);
    if (r == null) {
      throw new IllegalArgumentException("no quantizer '" + quantizer + "' in ranges.csv; known: " + quantizers());
    }
    return r;
  }

  /** The used-vs-observed plot of one quantizer. */
  public String svg(String quantizer, String title) {
    List<Row> rows = rows(quantizer);
    int n = rows.size();
    double[] x = new double[n];
    double[] uMin = new double[n];
    double[] uMax = new double[n];
    double[] oMin = new double[n];
    double[] oMax = new double[n];
    for (int i = 0; i < n; i++) {
      Row r = rows.get(i);
      x[i] = r.step();
      uMin[i] = r.usedMin();
      uMax[i] = r.usedMax();
      oMin[i] = r.observedMin();
      oMax[i] = r.observedMax();
    }
    return new SvgChart(title, "step", "range")
        .add(new SvgChart.Series("used max", x, uMax, 0, false))
        .add(new SvgChart.Series("used min", x, uMin, 0, true))
        .add(new SvgChart.Series("observed max", x, oMax, 1, false))
        .add(new SvgChart.Series("observed min", x, oMin, 1, true))
        .render();
  }
}
