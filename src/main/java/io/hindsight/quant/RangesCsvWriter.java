package io.hindsight.quant;

import java.io.Flushable;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * A {@link QuantizationListener} writing {@code ranges.csv}:
 * {@code step,quantizer,usedMin,usedMax,observedMin,observedMax,clippedFraction}, one row per
 * quantization of the steps that are multiples of {@code everySteps}. Register it with
 * {@link QuantizationPlan#addListener}; the caller owns (flushes, closes) the output.
 */
public final class RangesCsvWriter implements QuantizationListener {
  private final Appendable out;
  private final long everySteps;

  /**
   * @param writeHeader false when appending to an existing file (a resumed run)
   * @throws UncheckedIOException if the header cannot be written
   */
  public RangesCsvWriter(Appendable out, long everySteps, boolean writeHeader) {
    if (everySteps <= 0) {
      throw new IllegalArgumentException("everySteps must be positive, got " + everySteps);
    }
    this.out = out;
    this.everySteps = everySteps;
    if (writeHeader) {
      write(QuantizationRecord.CSV_HEADER);
    }
  }

  @Override
  public void onQuantized(QuantizationRecord record) {
    if (record.step() % everySteps == 0) {
      write(record.csvRow());
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
