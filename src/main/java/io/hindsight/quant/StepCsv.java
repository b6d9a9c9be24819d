package io.hindsight.quant;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The one rule by which the per-step CSV files a run appends to ({@code ranges.csv},
 * {@code traffic.csv}) are read back, whoever reads them (the report, the service, a resumed run):
 *
 * <ul>
 *   <li>the first line is the header; it fixes the number of columns;
 *   <li>the last line is left out when it lacks its newline or has the wrong number of columns or a
 *       step that is not a whole number: an interrupted write cut it (a reader may also see a line
 *       that a running job has only half written);
 *   <li>blank lines are skipped; any other malformed line is an error naming the file and line;
 *   <li>a step that appears again (a resumed run redoes the steps after its checkpoint) replaces
 *       the earlier rows of that step: that merge is the format's codec's ({@link RangesCsv}).
 * </ul>
 */
public final class StepCsv {
  private StepCsv() {}

  /** A complete data line: its 1-based line number, its step and its fields (the step is field 0). */
  public record Line(int number, long step, String[] fields) {}

  /**
   * The complete data lines of {@code text} (a whole file), in file order.
   *
   * @param source the file's name, for messages
   * @param header the expected header, or null to accept any
   * @throws IOException on a wrong header or a malformed line that is not the last
   */
  public static List<Line> completeLines(String text, String source, String header) throws IOException {
    List<String> lines = text.lines().toList();
    if (lines.isEmpty()) {
      throw new IOException(source + ": empty (expected the header " + header + ")");
    }
    String head = lines.get(0);
    if (header != null && !head.equals(header)) {
      throw new IOException(source + ": not the expected header: got '" + head + "', expected '" + header + "'");
    }
    int columns = head.split(",", -1).length;
    boolean lastHasNewline = text.endsWith("\n");
    List<Line> out = new ArrayList<>();
    for (int i = 1; i < lines.size(); i++) {
      String line = lines.get(i);
      boolean last = i == lines.size() - 1;
      if (line.isBlank()) {
        continue;
      }
      if (last && !lastHasNewline) {
        break; // cut by an interrupted write
      }
      String[] f = line.split(",", -1);
      Long step = f.length == columns ? parseStep(f[0]) : null;
      if (step == null) {
        if (last) {
          break; // cut by an interrupted write
        }
        throw new IOException(source + ":" + (i + 1) + ": expected " + columns + " columns starting with a step, got '"
            + line + "'");
      }
      out.add(new Line(i + 1, step, f));
    }
    return out;
  }

  private static Long parseStep(String s) {
    try {
      return Long.valueOf(s);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /**
   * Rewrites {@code csv} with its header and the complete lines of steps up to {@code lastStep}:
   * before a resumed run appends, since it redoes the steps after its checkpoint.
   */
  public static void keepStepsUpTo(Path csv, long lastStep) throws IOException {
    String text = Files.readString(csv, StandardCharsets.UTF_8);
    if (text.isEmpty()) {
      return;
    }
    StringBuilder kept = new StringBuilder(text.lines().findFirst().orElseThrow()).append('\n');
    for (Line l : completeLines(text, csv.toString(), null)) {
      if (l.step() <= lastStep) {
        kept.append(String.join(",", l.fields())).append('\n');
      }
    }
    Files.writeString(csv, kept, StandardCharsets.UTF_8);
  }
}
