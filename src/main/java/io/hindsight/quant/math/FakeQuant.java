package io.hindsight.quant.math;

import io.hindsight.util.Rng;

/**
 * The fake-quantization kernel: quantize to the integer grid and dequantize back to float, which
 * is numerically what an integer accelerator computes. {@link #quantize} returns the statistics of
 * its input from the same loop that quantizes it (one read of the input, one write of the output),
 * and {@link #stats} is the statistics-only pass a dynamic range estimator needs first.
 *
 * <p>Layout: {@code x} is row-major with {@code channels} equal contiguous blocks (axis 0 of the
 * tensor); {@code channels = 1} is per-tensor quantization.
 *
 * <p>A value is clipped when it lies more than half a quantization step outside the grid (its
 * rounding error exceeds what rounding alone would cause); values within half a step of the ends
 * are rounded onto them and neither counted nor masked.
 *
 * <p>Non-finite inputs are counted in {@link ChannelStats#nonFinite()}, excluded from min/max and
 * not counted as clipped; they map like a saturating float-to-int conversion (CUDA {@code cvt.rni}):
 * NaN to 0, {@code +Inf} to the largest and {@code -Inf} to the smallest representable value.
 * The optional clip mask is set for clipped and non-finite elements (zero gradient under a
 * clipping straight-through estimator).
 *
 * <p>Rounding to nearest-even uses the float "magic number" {@code (v + 1.5 * 2^23) - 1.5 * 2^23},
 * exact IEEE round-half-even for {@code |v| < 2^22}; values are clamped to the grid (at most
 * {@code 2^16} in magnitude) before rounding, which gives the same result as rounding first
 * because the clamp bounds are integers.
 */
public final class FakeQuant {
  private static final float RNE_MAGIC = 0x1.8p23f;
  private static final double TWO_POW_MINUS_32 = 0x1.0p-32;

  private FakeQuant() {}

  /** Round half to even of {@code v}, for {@code |v| < 2^22}. */
  public static float roundHalfEven(float v) {
    return (v + RNE_MAGIC) - RNE_MAGIC;
  }

  /** The statistics-only pass: per-channel finite min/max and the non-finite count. */
  public static ChannelStats stats(float[] x, int channels) {
    int inner = innerSize(x.length, channels);
    float[] mins = new float[channels];
    float[] maxs = new float[channels];
    long nonFinite = 0;
    for (int c = 0; c < channels; c++) {
      float mn = Float.POSITIVE_INFINITY;
      float mx = Float.NEGATIVE_INFINITY;
      int end = (c + 1) * inner;
      for (int i = c * inner; i < end; i++) {
        float v = x[i];
        if (Math.abs(v) <= Float.MAX_VALUE) {
          if (v < mn) {
            mn = v;
          }
          if (v > mx) {
            mx = v;
          }
        } else {
          nonFinite++;
        }
      }
      mins[c] = mn;
      maxs[c] = mx;
    }
    return new ChannelStats(mins, maxs, x.length, 0, nonFinite);
  }

  /**
   * Fake-quantizes {@code x} into {@code y} (same length; may be the same array) and returns the
   * statistics of {@code x}.
   *
   * @param rounding {@link Rounding#STOCHASTIC} needs {@code rng}, which it advances by one draw per element
   * @param clipMask null, or an array of at least {@code x.length} set to whether each element was clipped or non-finite
   */
  public static ChannelStats quantize(
      float[] x, float[] y, QuantParams p, Rounding rounding, Rng rng, boolean[] clipMask) {
    int channels = p.channels();
    int inner = innerSize(x.length, channels);
    if (y.length != x.length) {
      throw new IllegalArgumentException("output has " + y.length + " elements, input " + x.length);
    }
    if (clipMask != null && clipMask.length < x.length) {
      throw new IllegalArgumentException("clip mask has " + clipMask.length + " entries for " + x.length + " values");
    }
    if (rounding == Rounding.STOCHASTIC && rng == null) {
      throw new IllegalArgumentException("stochastic rounding needs a random number generator");
    }
    float[] mins = new float[channels];
    float[] maxs = new float[channels];
    long clipped = 0;
    long nonFinite = 0;
    for (int c = 0; c < channels; c++) {
      int from = c * inner;
      int to = from + inner;
      long packed = channel(x, y, from, to, p.scale(c), p.lo(c), p.hi(c), clipMask, mins, maxs, c,
          rounding == Rounding.NEAREST ? null : rng);
      clipped += packed >>> 32;
      nonFinite += packed & 0xFFFFFFFFL;
    }
    return new ChannelStats(mins, maxs, x.length, clipped, nonFinite);
  }

  /**
   * One channel: round to nearest even ({@code rng == null}) or stochastically ({@code floor(v + u)},
   * u uniform from {@code rng}). Returns {@code clipped << 32 | nonFinite}. The rounding choice is
   * loop-invariant, so the JIT unswitches it out of the loop.
   */
  private static long channel(
      float[] x, float[] y, int from, int to, float scale, float lo, float hi, boolean[] mask,
      float[] mins, float[] maxs, int c, Rng rng) {
    float mn = Float.POSITIVE_INFINITY;
    float mx = Float.NEGATIVE_INFINITY;
    long clipped = 0;
    long nonFinite = 0;
    for (int i = from; i < to; i++) {
      float xi = x[i];
      boolean out;
      if (Math.abs(xi) <= Float.MAX_VALUE) {
        if (xi < mn) {
          mn = xi;
        }
        if (xi > mx) {
          mx = xi;
        }
        float v = xi / scale;
        // clipped = farther than half a step outside the grid: the range's own end points, which
        // x / scale may overshoot by a rounding error, round onto the grid and are not clipped
        out = v < lo - 0.5f || v > hi + 0.5f;
        if (out) {
          clipped++;
        }
        v = v < lo ? lo : v > hi ? hi : v;
        if (rng == null) {
          y[i] = ((v + RNE_MAGIC) - RNE_MAGIC) * scale;
        } else {
          // v has at most 16 integer and 24 fraction bits and u 32 bits: the double sum is exact,
          // so floor(v + u) <= hi for v <= hi, and P(round up) = frac(v) up to 2^-32.
          double u = (rng.nextLong() >>> 32) * TWO_POW_MINUS_32;
          y[i] = (float) Math.floor(v + u) * scale;
        }
      } else {
        nonFinite++;
        out = true;
        y[i] = nonFiniteValue(xi, scale, lo, hi);
      }
      if (mask != null) {
        mask[i] = out;
      }
    }
    mins[c] = mn;
    maxs[c] = mx;
    return clipped << 32 | nonFinite;
  }

  private static float nonFiniteValue(float x, float scale, float lo, float hi) {
    if (x > 0) {
      return hi * scale;
    }
    return x < 0 ? lo * scale : 0f;
  }

  private static int innerSize(int length, int channels) {
    if (channels <= 0 || length % channels != 0) {
      throw new IllegalArgumentException(length + " values cannot be split into " + channels + " channels");
    }
    return length / channels;
  }
}
