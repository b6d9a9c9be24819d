package io.hindsight.cuda;

import io.hindsight.quant.math.FakeQuant;
import io.hindsight.quant.math.QuantGrid;
import io.hindsight.quant.math.QuantParams;
import io.hindsight.quant.math.Range;
import io.hindsight.quant.math.Rounding;

/**
 * Reference of the quantization kernels of quantize.cu, bit-exact: every element's code is
 * {@link FakeQuant#level} plus the zero point (the kernels' {@code hs_level}, the same IEEE
 * operations), and the statistics (finite min/max, clipped and non-finite counts) do not depend on
 * the order in which threads meet the elements. Per-tensor parameters: channel 0 of a
 * {@link QuantParams}.
 */
public final class QuantizeRef {
  private QuantizeRef() {}

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

    public void clip() {
      clipped++;
    }

    /** Adds {@code o}'s observations (min/max and counts do not depend on the order). */
    public void merge(Accumulator o) {
      minKey = Math.min(minKey, o.minKey);
      maxKey = Math.max(maxKey, o.maxKey);
      clipped += o.clipped;
      nonFinite += o.nonFinite;
    }

    public QuantStats stats() {
      return new QuantStats(QuantStats.fromKey(minKey), QuantStats.fromKey(maxKey), clipped, nonFinite);
    }
  }

  /** The stored code of one element with per-tensor parameters; see {@link #code(float, QuantParams, int, Rounding, long, long, Accumulator)}. */
  public static int code(float x, QuantParams p, Rounding rounding, long key, long index, Accumulator acc) {
    return code(x, p, 0, rounding, key, index, acc);
  }

  /**
   * The stored code of one element ({@code quantize_one}) with channel {@code channel}'s parameters:
   * level plus zero point; updates {@code acc} when non-null.
   */
  public static int code(float x, QuantParams p, int channel, Rounding rounding, long key, long index, Accumulator acc) {
    float scale = p.scale(channel);
    float lo = p.lo(channel);
    float hi = p.hi(channel);
    if (acc != null) {
      acc.observe(x);
    }
    if (acc != null && Float.isFinite(x) && FakeQuant.clipped(x / scale, lo, hi)) {
      acc.clip();
    }
    return code(x, scale, p.zeroPoint(channel), lo, hi, rounding == Rounding.STOCHASTIC, key, index);
  }

  /**
   * The stored code of any {@code x} (finite or not) of flat element {@code index} with one channel's
   * parameters, without statistics ({@code hs_quantize}): {@link FakeQuant#level} (or
   * {@link FakeQuant#nonFiniteLevel}) plus the zero point.
   */
  public static int code(float x, float scale, int zeroPoint, float lo, float hi, boolean stochastic, long key,
      long index) {
    float level = Float.isFinite(x) ? FakeQuant.level(x, scale, lo, hi, stochastic, key, index)
        : FakeQuant.nonFiniteLevel(x, lo, hi);
    return (int) level + zeroPoint;
  }

  /** {@code quantize_static_stats} with int8 codes (bits up to 8); returns the statistics. */
  public static QuantStats quantize(float[] x, QuantParams p, Rounding rounding, long key, byte[] out) {
    if (p.grid().levelBytes() != 1 || out.length < x.length) {
      throw new IllegalArgumentException("int8 output needs bits <= 8 and " + x.length + " elements");
    }
    Accumulator acc = new Accumulator();
    for (int i = 0; i < x.length; i++) {
      out[i] = (byte) code(x[i], p, rounding, key, i, acc);
    }
    return acc.stats();
  }

  /** {@code quantize_static_stats} with int16 codes (any bits up to 16); returns the statistics. */
  public static QuantStats quantize(float[] x, QuantParams p, Rounding rounding, long key, short[] out) {
    if (out.length < x.length) {
      throw new IllegalArgumentException("output holds " + out.length + " of " + x.length + " elements");
    }
    Accumulator acc = new Accumulator();
    for (int i = 0; i < x.length; i++) {
      out[i] = (short) code(x[i], p, rounding, key, i, acc);
    }
    return acc.stats();
  }

  /** {@code minmax_reduce}: min/max of the finite values and the non-finite count (the dynamic path's first pass). */
  public static QuantStats minMax(float[] x) {
    Accumulator acc = new Accumulator();
    for (float v : x) {
      acc.observe(v);
    }
    return acc.stats();
  }

  /**
   * The parameters {@code quantize_with_range} derives on the device from a measured range
   * ({@code hs_derive_params}): {@link QuantParams#perTensor}, with no finite value seen
   * ({@code min > max}) treated as the range {@code [0, 0]}.
   */
  public static QuantParams paramsFromStats(QuantStats range, int bits, boolean symmetric) {
    QuantGrid grid = new QuantGrid(bits, symmetric);
    return range.hasRange() ? QuantParams.of(grid, Range.of(range.min(), range.max())) : QuantParams.perTensor(grid, 0, 0);
  }

  /** {@code dequantize}: {@code (code - zeroPoint) * scale} for every code. */
  public static float[] dequantize(byte[] q, float scale, int zeroPoint) {
    float[] y = new float[q.length];
    for (int i = 0; i < q.length; i++) {
      y[i] = (float) (q[i] - zeroPoint) * scale;
    }
    return y;
  }
}
