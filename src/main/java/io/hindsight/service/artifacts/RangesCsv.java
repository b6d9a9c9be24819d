package io.hindsight.service.artifacts;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a run's {@code ranges.csv} ({@code step,quantizer,usedMin,usedMax,observedMin,observedMax,
 * clippedFraction}, one row per quantizer per step) as written by the quantization plugin.
 */
final class RangesCsv {
  static final String HEADER = "step,quantizer,usedMin,usedMax,observedMin,observedMax,clippedFraction";

  private RangesCsv() {}

  /** One row. */
  record Row(long step, String quantizer, double usedMin, double usedMax, double observedMin, double observedMax,
      double clippedFraction) {}

  /**
   * Rows of {@code quantizer} (all rows when null), in step order. Malformed lines are skipped;
   * where a resumed run wrote a step again, the later row wins.
   */
  static List<Row> read(Path file, String quantizer) throws IOException {
    java.util.Map<String, Row> rows = new java.util.LinkedHashMap<>();
    try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line = in.readLine();
      while ((line = in.readLine()) != null) {
        String[] f = line.split(",", -1);
        if (f.length != 7 || (quantizer != null && !f[1].equals(quantizer))) {
          continue;
        }
        try {
          rows.put(f[0] + "," + f[1], new Row(Long.parseLong(f[0]), f[1], Double.parseDouble(f[2]), Double.parseDouble(f[3]),
              Double.parseDouble(f[4]), Double.parseDouble(f[5]), Double.parseDouble(f[6])));
        } catch (NumberFormatException e) {
          // a torn last line of a run that was killed mid-write
        }
      }
    }
    List<Row> out = new ArrayList<>(rows.values());
    out.sort(java.util.Comparator.comparingLong(Row::step));
    return out;
  }
}
