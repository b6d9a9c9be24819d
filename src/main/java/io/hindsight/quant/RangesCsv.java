package io.hindsight.quant;

import java.io.Flushable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The codec of {@code ranges.csv}, the per-step record of every quantizer's range: written during
 * training ({@link Writer}), read by the report and the service ({@link #read}).
 *
 * <p>Format: the header {@value #HEADER}, then one row per quantizer for every
 * {@code output.rangeEvery}-th step: the step, the quantizer {@code <layer>/<kind>} (kind
 * {@code weight}, {@code activation} or {@code gradient}), the range the tensor was quantized with,
 * the range observed on it (NaN when it held no finite value), and the fraction of its values
 * outside the representable range. Per-channel ranges are their envelope (smallest min, largest
 * max). Numbers are Java's {@code Double.toString}.
 *
 * <p>Reading follows {@link StepCsv}'s rule (a torn last line is left out, anything else malformed
 * is an error); where a resumed run wrote a step again, that step's later rows win.
 */
public final class RangesCsv {
  /** The header, which is also the column list. */
  public static final String HEADER = "step,quantizer,usedMin,usedMax,observedMin,observedMax,clippedFraction";

  private RangesCsv() {}

  /** One row: one quantization of one quantizer at one step. */
  public record Row(long step, String quantizer, double usedMin, double usedMax, double observedMin,
      double observedMax, double clippedFraction) {

    /** The row of a quantization record. */
    public static Row of(QuantizationRecord r) {
      return new Row(r.step(), r.quantizer(), r.usedMin(), r.usedMax(), r.observedMin(), r.observedMax(),
          r.clippedFraction());
    }

    /** This row as a line of the file (no line terminator). */
    public String toCsv() {
      return step + "," + quantizer + "," + usedMin + "," + usedMax + "," + observedMin + "," + observedMax + ","
          + clippedFraction;
    }
  }

  /** Reads a whole file; see the class comment for the rule. */
  public static List<Row> read(Path file) throws IOException {
    return parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
  }

  /**
   * Parses a file's text: the rows in step order (a step's rows in the order first written); of
   * rows with the same step and quantizer, the last one written.
   *
   * @param source the file's name, for messages
   */
  public static List<Row> parse(String text, String source) throws IOException {
    Map<String, Row> rows = new LinkedHashMap<>();
    for (StepCsv.Line l : StepCsv.completeLines(text, source, HEADER)) {
      String[] f = l.fields();
      try {
        rows.put(l.step() + "," + f[1], new Row(l.step(), f[1], num(f[2]), num(f[3]), num(f[4]), num(f[5]),
            num(f[6])));
      } catch (NumberFormatException e) {
        throw new IOException(source + ":" + l.number() + ": not a number: " + e.getMessage(), e);
      }
    }
    List<Row> out = new ArrayList<>(rows.values());
    out.sort(Comparator.comparingLong(Row::step)); // stable: a step keeps its first-written order
    return out;
  }

  private static double num(String s) {
    return Double.parseDouble(s);
  }

  /** The file's text for {@code rows}: the header and one line per row. */
  public static String format(List<Row> rows) {
    StringBuilder sb = new StringBuilder(HEADER).append('\n');
    for (Row r : rows) {
      sb.append(r.toCsv()).append('\n');
    }
    return sb.toString();
  }

  /**
   * A {@link QuantizationListener} that appends a row for every quantization of the steps that
   * are multiples of {@code everySteps}. Register it with {@link QuantizationPlan#addListener}; the
   * caller owns (flushes, closes) the output.
   */
  public static final class Writer implements QuantizationListener {
    private final Appendable out;
    private final long everySteps;

    /**
     * @param writeHeader false when appending to an existing file (a resumed run)
     * @throws UncheckedIOException if the header cannot be written
     */
    public Writer(Appendable out, long everySteps, boolean writeHeader) {
      if (everySteps <= 0) {
        throw new IllegalArgumentException("everySteps must be positive, got " + everySteps);
      }
      this.out = out;
      this.everySteps = everySteps;
      if (writeHeader) {
        write(HEADER);
      }
    }

    @Override
    public void onQuantized(QuantizationRecord record) {
      if (record.step() % everySteps == 0) {
        write(Row.of(record).toCsv());
      }
    }

    /** Flushes the output if it can be flushed. */
    public void flush() {
      if (out instanceof Flushable f) {
        try {
          f.flush();
        } catch (IOException e) {
          throw new UncheckedIOException("cannot flush ranges.csv", e);
        }
      }
    }

    private void write(String line) {
      try {
        out.append(line).append('\n');
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write ranges.csv", e);
      }
    }
  }
}
