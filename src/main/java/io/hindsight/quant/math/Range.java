package io.hindsight.quant.math;

import java.util.Arrays;

/**
 * A quantization range {@code [min, max]} per channel: one channel for per-tensor quantization,
 * {@code C} channels (axis 0 of the tensor) for per-output-channel weight quantization.
 * Immutable; values are always finite and {@code min <= max} per channel.
 */
public final class Range {
  private final double[] min;
  private final double[] max;

  private Range(double[] min, double[] max) {
    this.min = min;
    this.max = max;
  }

  /** A per-tensor range. */
  public static Range of(double min, double max) {
    return of(new double[] {min}, new double[] {max});
  }

  /** A per-channel range; the arrays are copied. */
  public static Range of(double[] min, double[] max) {
    if (min.length != max.length || min.length == 0) {
      throw new IllegalArgumentException(
          "range needs the same positive number of minima and maxima, got " + min.length + " and " + max.length);
    }
    for (int c = 0; c < min.length; c++) {
      if (!Double.isFinite(min[c]) || !Double.isFinite(max[c]) || min[c] > max[c]) {
        throw new IllegalArgumentException(
            "channel " + c + ": range [" + min[c] + ", " + max[c] + "] must be finite with min <= max");
      }
    }
    return new Range(min.clone(), max.clone());
  }

  /** The same {@code [min, max]} on each of {@code channels} channels. */
  public static Range uniform(int channels, double min, double max) {
    double[] lo = new double[channels];
    double[] hi = new double[channels];
    Arrays.fill(lo, min);
    Arrays.fill(hi, max);
    return of(lo, hi);
  }

  public int channels() {
    return min.length;
  }

  public double min(int channel) {
    return min[channel];
  }

  public double max(int channel) {
    return max[channel];
  }

  /** A copy of the per-channel minima. */
  public double[] mins() {
    return min.clone();
  }

  /** A copy of the per-channel maxima. */
  public double[] maxs() {
    return max.clone();
  }

  /** The smallest minimum over channels (the range itself for per-tensor). */
  public double envelopeMin() {
    double m = min[0];
    for (double v : min) {
      m = Math.min(m, v);
    }
    return m;
  }

  /** The largest maximum over channels (the range itself for per-tensor). */
  public double envelopeMax() {
    double m = max[0];
    for (double v : max) {
      m = Math.max(m, v);
    }
    return m;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Range r && Arrays.equals(min, r.min) && Arrays.equals(max, r.max);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(min) + Arrays.hashCode(max);
  }

  @Override
  public String toString() {
    if (min.length == 1) {
      return "[" + min[0] + ", " + max[0] + "]";
    }
    return "Range(" + min.length + " channels, envelope [" + envelopeMin() + ", " + envelopeMax() + "])";
  }
}
