package io.hindsight.cuda;

/**
 * CPU reference of the quantization kernels (quantize.cu, hs_common.cuh), bit-exact: the GPU
 * validation compares levels and statistics for equality.
 *
 * <p>One element {@code x} at flat index {@code i} with parameters {@code p}:
 * <pre>
 *   finite x:  v = x * invScale                          (float multiply, no FMA)
 *              r = rint(v)                               (NEAREST_EVEN: half to even)
 *                | floor(v + uniform(seed, i))           (STOCHASTIC: float add, then floor)
 *              level = r + zeroPoint, clamped to [qmin, qmax]; clamping counts as clipped;
 *              min/max track x (order of QuantStats.key)
 *   NaN:       level = zeroPoint (0.0), counted non-finite
 *   +-Inf:     level = qmax / qmin, counted non-finite (not clipped)
 * </pre>
 */
public final class QuantRef {
  private static final float TWO_POW_MINUS_24 = 5.9604644775390625e-8f;

  private QuantRef() {}

  /**
   * The counter-based uniform number of stochastic rounding: SplitMix64 at position {@code index}
   * of stream {@code seed}, top 24 bits scaled to {@code [0, 1)}:
   * <pre>
   *   z = seed + (index + 1) * 0x9E3779B97F4A7C15
   *   z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9
   *   z = (z ^ (z >>> 27)) * 0x94D049BB133111EB
   *   z =  z ^ (z >>> 31)
   *   u = (z >>> 40) * 2^-24
   * </pre>
   */
  public static float uniform(long seed, long index) {
    long z = seed + (index + 1) * 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    z = z ^ (z >>> 31);
    return (float) (int) (z >>> 40) * TWO_POW_MINUS_24;
  }

  /** Running statistics of one quantization, merged into a {@link QuantStats} at the end. */
  public static final class Accumulator {
    private int minKey = QuantStats.key(Float.POSITIVE_INFINITY);
    private int maxKey = QuantStats.key(Float.NEGATIVE_INFINITY);
    private long clipped;
    private long nonFinite;

    /** Records a value's contribution to min/max or to the non-finite count. */
    public void observe(float x) {
      if (Float.isFinite(x)) {
        int k = QuantStats.key(x);
        minKey = Math.min(minKey, k);
        maxKey = Math.max(maxKey, k);
      } else {
        nonFinite++;
      }
    }

    void clip() {
      clipped++;
    }

    public QuantStats stats() {
      return new QuantStats(QuantStats.fromKey(minKey), QuantStats.fromKey(maxKey), clipped, nonFinite);
    }
  }

  /** The level of one element (see the class comment); updates {@code acc} when non-null. */
  public static int quantize(float x, QuantParams p, Rounding rounding, long seed, long index, Accumulator acc) {
    if (acc != null) {
      acc.observe(x);
    }
    if (Float.isNaN(x)) {
      return p.zeroPoint();
    }
    if (Float.isInfinite(x)) {
      return x > 0 ? p.qmax() : p.qmin();
    }
    float v = x * p.invScale();
    float r = rounding == Rounding.STOCHASTIC
        ? (float) Math.floor(v + uniform(seed, index))
        : (float) Math.rint(v);
    float lo = (float) (p.qmin() - p.zeroPoint());
    float hi = (float) (p.qmax() - p.zeroPoint());
    if (r < lo) {
      if (acc != null) {
        acc.clip();
      }
      return p.qmin();
    }
    if (r > hi) {
      if (acc != null) {
        acc.clip();
      }
      return p.qmax();
    }
    return (int) r + p.zeroPoint();
  }

  /** Quantizes {@code x} into int8 levels (bits up to 8); returns the statistics. */
  public static QuantStats quantize(float[] x, QuantParams p, Rounding rounding, long seed, byte[] out) {
    if (p.levelBytes() != 1 || out.length < x.length) {
      throw new IllegalArgumentException("int8 output needs bits <= 8 and " + x.length + " elements");
    }
    Accumulator acc = new Accumulator();
    for (int i = 0; i < x.length; i++) {
      out[i] = (byte) quantize(x[i], p, rounding, seed, i, acc);
    }
    return acc.stats();
  }

  /** Quantizes {@code x} into int16 levels (any bits up to 16); returns the statistics. */
  public static QuantStats quantize(float[] x, QuantParams p, Rounding rounding, long seed, short[] out) {
    if (out.length < x.length) {
      throw new IllegalArgumentException("output holds " + out.length + " of " + x.length + " elements");
    }
    Accumulator acc = new Accumulator();
    for (int i = 0; i < x.length; i++) {
      out[i] = (short) quantize(x[i], p, rounding, seed, i, acc);
    }
    return acc.stats();
  }

  /** Min/max of the finite values and the non-finite count (the dynamic path's first pass). */
  public static QuantStats minMax(float[] x) {
    Accumulator acc = new Accumulator();
    for (float v : x) {
      acc.observe(v);
    }
    return acc.stats();
  }

  /** {@code (level - zeroPoint) * scale} for every level. */
  public static float[] dequantize(byte[] q, float scale, int zeroPoint) {
    float[] y = new float[q.length];
    for (int i = 0; i < q.length; i++) {
      y[i] = (float) (q[i] - zeroPoint) * scale;
    }
    return y;
  }
}
