package io.hindsight.quant.math;

import java.util.Arrays;

/**
 * Statistics of one tensor, collected by the same loop that reads it (the "minimal hardware
 * support" in-hindsight estimation needs): per channel the minimum and maximum of the
 * <em>finite</em> values, and over the whole tensor the element count, the number of values that
 * fell outside the representable range (clipped) and the number of NaN/Inf values (excluded
 * from min/max). A channel without finite values has {@code min = +Inf, max = -Inf}.
 */
public final class ChannelStats {
  private final float[] min;
  private final float[] max;
  private final long elements;
  private final long clipped;
  private final long nonFinite;

  /** The arrays are taken over, not copied (the kernel builds them). */
  ChannelStats(float[] min, float[] max, long elements, long clipped, long nonFinite) {
    this.min = min;
    this.max = max;
    this.elements = elements;
    this.clipped = clipped;
    this.nonFinite = nonFinite;
  }

  /** Statistics given directly (tests, restored state); the arrays are copied. */
  public static ChannelStats of(float[] min, float[] max, long elements, long clipped, long nonFinite) {
    if (min.length != max.length || min.length == 0) {
      throw new IllegalArgumentException("need the same positive number of minima and maxima");
    }
    return new ChannelStats(min.clone(), max.clone(), elements, clipped, nonFinite);
  }

  public int channels() {
    return min.length;
  }

  /** Minimum finite value of channel {@code c}, {@code +Inf} if it has none. */
  public float min(int c) {
    return min[c];
  }

  /** Maximum finite value of channel {@code c}, {@code -Inf} if it has none. */
  public float max(int c) {
    return max[c];
  }

  /** {@code max(|min|, |max|)} of channel {@code c}, 0 if it has no finite value. */
  public float absMax(int c) {
    return hasFinite(c) ? Math.max(Math.abs(min[c]), Math.abs(max[c])) : 0f;
  }

  /** Whether channel {@code c} holds at least one finite value. */
  public boolean hasFinite(int c) {
    return min[c] <= max[c];
  }

  /** Smallest finite value of the tensor, NaN if none. */
  public double envelopeMin() {
    float m = Float.POSITIVE_INFINITY;
    for (float v : min) {
      m = Math.min(m, v);
    }
    return m == Float.POSITIVE_INFINITY ? Double.NaN : m;
  }

  /** Largest finite value of the tensor, NaN if none. */
  public double envelopeMax() {
    float m = Float.NEGATIVE_INFINITY;
    for (float v : max) {
      m = Math.max(m, v);
    }
    return m == Float.NEGATIVE_INFINITY ? Double.NaN : m;
  }

  public long elements() {
    return elements;
  }

  /** Values outside the representable range (0 for a statistics-only pass). */
  public long clipped() {
    return clipped;
  }

  /** NaN and infinite values. */
  public long nonFinite() {
    return nonFinite;
  }

  /** {@code clipped / elements}, 0 for an empty tensor. */
  public double clippedFraction() {
    return elements == 0 ? 0.0 : (double) clipped / elements;
  }

  /** The observed finite {@code [min, max]} per channel; channels without finite values give {@code [0, 0]}. */
  public Range finiteRange() {
    double[] lo = new double[min.length];
    double[] hi = new double[min.length];
    for (int c = 0; c < min.length; c++) {
      if (hasFinite(c)) {
        lo[c] = min[c];
        hi[c] = max[c];
      }
    }
    return Range.of(lo, hi);
  }

  @Override
  public String toString() {
    return "ChannelStats{channels=" + min.length + ", min=" + (min.length <= 4 ? Arrays.toString(min) : envelopeMin())
        + ", max=" + (max.length <= 4 ? Arrays.toString(max) : envelopeMax()) + ", elements=" + elements
        + ", clipped=" + clipped + ", nonFinite=" + nonFinite + "}";
  }
}
