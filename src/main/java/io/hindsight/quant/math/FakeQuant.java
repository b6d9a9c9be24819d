package io.hindsight.quant.math;

import io.hindsight.backend.Backend;
import io.hindsight.util.CounterRng;

/**
 * The quantization formula, and the fake-quantization pass of the CPU engine: quantize to the
 * integer grid and dequantize back to float, which is numerically what an integer accelerator
 * computes. {@link #quantize} returns the statistics of its input from the same loop that quantizes
 * it (one read of the input, one write of the output), and {@link #stats} is the statistics-only
 * pass a dynamic range estimator needs first.
 *
 * <p><b>The formula</b> ({@link #level}; the CUDA kernels' {@code hs_level} in
 * {@code src/main/cuda/hs_common.cuh} performs the same IEEE float operations, so levels agree bit
 * for bit). With a channel's {@link QuantParams} {@code (scale, lo, hi)}, a finite {@code x} at flat
 * index {@code i}:
 * <pre>
 *   v = x / scale                               (float division, correctly rounded: ONNX QuantizeLinear's x / y_scale)
 *   clipped  iff  v &lt; lo - 0.5 or v &gt; hi + 0.5 (more than half a step outside the grid)
 *   c = min(max(v, lo), hi)
 *   nearest:     r = rint(c)                    (half to even)
 *   stochastic:  f = floor(c); r = f + (u &lt; c - f ? 1 : 0), u = CounterRng.uniform(key, i)
 *   value = r * scale,  code = r + zeroPoint
 * </pre>
 * Clamping before rounding gives the same level as rounding first (the bounds are integers).
 * Values within half a step of the ends are rounded onto them and neither counted nor masked.
 * Non-finite inputs are counted in {@link ChannelStats#nonFinite()}, excluded from min/max and not
 * counted as clipped; they map like a saturating float-to-int conversion: NaN to level 0 (the value
 * 0), {@code +Inf} to {@code hi} and {@code -Inf} to {@code lo}. The optional clip mask is set for
 * clipped and non-finite elements (zero gradient under a clipping straight-through estimator).
 *
 * <p>Layout: {@code x} is row-major with {@code channels} equal contiguous blocks (axis 0 of the
 * tensor); {@code channels = 1} is per-tensor quantization. Given a {@link Backend}, a per-tensor
 * pass over a large tensor runs in {@value #CHUNKS} fixed chunks on its threads; min/max are
 * combined in chunk order with the same strict comparisons, the counts are sums and stochastic
 * rounding's numbers depend only on the element index, so statistics and outputs are bit for bit
 * those of one loop.
 */
public final class FakeQuant {
  private static final float RNE_MAGIC = 0x1.8p23f;
  /** Chunks of a parallel per-tensor pass (fixed: results never depend on the thread count). */
  static final int CHUNKS = 8;
  /** Smaller tensors are not worth handing to other threads. */
  static final int PARALLEL_MIN_ELEMENTS = 1 << 15;

  private FakeQuant() {}

  /** Round half to even of {@code v}, for {@code |v| < 2^22}. */
  public static float roundHalfEven(float v) {
    return (v + RNE_MAGIC) - RNE_MAGIC;
  }

  /** Whether the scaled value {@code v = x / scale} lies more than half a step outside {@code [lo, hi]}. */
  public static boolean clipped(float v, float lo, float hi) {
    return v < lo - 0.5f || v > hi + 0.5f;
  }

  /**
   * The level (an integer-valued float in {@code [lo, hi]}) of the finite value {@code x}: see the
   * class comment. {@code key} and {@code index} are used by stochastic rounding only.
   */
  public static float level(float x, float scale, float lo, float hi, boolean stochastic, long key, long index) {
    float v = x / scale;
    float c = v < lo ? lo : v > hi ? hi : v;
    if (!stochastic) {
      return roundHalfEven(c);
    }
    float f = (float) Math.floor(c);
    return CounterRng.uniform(key, index) < c - f ? f + 1f : f;
  }

  /** The level of a non-finite value: NaN to 0, {@code +Inf} to {@code hi}, {@code -Inf} to {@code lo}. */
  public static float nonFiniteLevel(float x, float lo, float hi) {
    if (x > 0) {
      return hi;
    }
    return x < 0 ? lo : 0f;
  }

  /** The statistics-only pass: per-channel finite min/max and the non-finite count. */
  public static ChannelStats stats(float[] x, int channels) {
    return stats(x, channels, null);
  }

  /** As {@link #stats(float[], int)}, per-tensor passes over large tensors split over {@code parallel}'s threads. */
  public static ChannelStats stats(float[] x, int channels, Backend parallel) {
    if (useChunks(x.length, channels, parallel)) {
      float[] mins = new float[CHUNKS];
      float[] maxs = new float[CHUNKS];
      long[] nonFinite = new long[CHUNKS];
      parallel.parallelChunks(x.length, CHUNKS, (chunk, from, to) -> {
        float[] mn = {Float.POSITIVE_INFINITY};
        float[] mx = {Float.NEGATIVE_INFINITY};
        nonFinite[chunk] = statsRange(x, from, to, mn, mx);
        mins[chunk] = mn[0];
        maxs[chunk] = mx[0];
      });
      float[] m = {Float.POSITIVE_INFINITY};
      float[] M = {Float.NEGATIVE_INFINITY};
      long nf = combine(mins, maxs, nonFinite, m, M);
      return new ChannelStats(m, M, x.length, 0, nf);
    }
    int inner = innerSize(x.length, channels);
    float[] mins = new float[channels];
    float[] maxs = new float[channels];
    long nonFinite = 0;
    float[] mn = new float[1];
    float[] mx = new float[1];
    for (int c = 0; c < channels; c++) {
      mn[0] = Float.POSITIVE_INFINITY;
      mx[0] = Float.NEGATIVE_INFINITY;
      nonFinite += statsRange(x, c * inner, (c + 1) * inner, mn, mx);
      mins[c] = mn[0];
      maxs[c] = mx[0];
    }
    return new ChannelStats(mins, maxs, x.length, 0, nonFinite);
  }

  /** Finite min/max of x[from:to] folded into minOut[0]/maxOut[0]; returns the non-finite count. */
  private static long statsRange(float[] x, int from, int to, float[] minOut, float[] maxOut) {
    float mn = minOut[0];
    float mx = maxOut[0];
    long nonFinite = 0;
    for (int i = from; i < to; i++) {
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
    minOut[0] = mn;
    maxOut[0] = mx;
    return nonFinite;
  }

  /** Chunk results combined in chunk order, as one loop would have met them; returns the summed counts. */
  private static long combine(float[] mins, float[] maxs, long[] counts, float[] minOut, float[] maxOut) {
    float mn = Float.POSITIVE_INFINITY;
    float mx = Float.NEGATIVE_INFINITY;
    long total = 0;
    for (int k = 0; k < mins.length; k++) {
      if (mins[k] < mn) {
        mn = mins[k];
      }
      if (maxs[k] > mx) {
        mx = maxs[k];
      }
      total += counts[k];
    }
    minOut[0] = mn;
    maxOut[0] = mx;
    return total;
  }

  private static boolean useChunks(int length, int channels, Backend parallel) {
    return parallel != null && parallel.threads() > 1 && channels == 1 && length >= PARALLEL_MIN_ELEMENTS;
  }

  /** Fake-quantizes {@code x} into {@code y} with round-to-nearest-even; see {@link #quantize(float[], float[], QuantParams, Rounding, long, boolean[], Backend)}. */
  public static ChannelStats quantize(float[] x, float[] y, QuantParams p) {
    return quantize(x, y, p, Rounding.NEAREST, 0L, null, null);
  }

  /** As {@link #quantize(float[], float[], QuantParams, Rounding, long, boolean[], Backend)} in one loop. */
  public static ChannelStats quantize(float[] x, float[] y, QuantParams p, Rounding rounding, long key, boolean[] clipMask) {
    return quantize(x, y, p, rounding, key, clipMask, null);
  }

  /**
   * Fake-quantizes {@code x} into {@code y} (same length; may be the same array) and returns the
   * statistics of {@code x}.
   *
   * @param key stochastic rounding's {@link CounterRng#key} for this quantization (ignored for nearest)
   * @param clipMask null, or an array of at least {@code x.length} set to whether each element was clipped or non-finite
   * @param parallel whose threads share per-tensor passes over large tensors (same results as one loop), or null
   */
  public static ChannelStats quantize(
      float[] x, float[] y, QuantParams p, Rounding rounding, long key, boolean[] clipMask, Backend parallel) {
    int channels = p.channels();
    int inner = innerSize(x.length, channels);
    if (y.length != x.length) {
      throw new IllegalArgumentException("output has " + y.length + " elements, input " + x.length);
    }
    if (clipMask != null && clipMask.length < x.length) {
      throw new IllegalArgumentException("clip mask has " + clipMask.length + " entries for " + x.length + " values");
    }
    boolean stochastic = rounding == Rounding.STOCHASTIC;
    if (useChunks(x.length, channels, parallel)) {
      float[] mins = new float[CHUNKS];
      float[] maxs = new float[CHUNKS];
      long[] clips = new long[CHUNKS];
      long[] nonFinites = new long[CHUNKS];
      float scale = p.scale(0);
      float lo = p.lo(0);
      float hi = p.hi(0);
      parallel.parallelChunks(x.length, CHUNKS, (chunk, from, to) -> {
        long packed = channel(x, y, from, to, scale, lo, hi, clipMask, mins, maxs, chunk, stochastic, key);
        clips[chunk] = packed >>> 32;
        nonFinites[chunk] = packed & 0xFFFFFFFFL;
      });
      float[] m = new float[1];
      float[] M = new float[1];
      long nonFinite = combine(mins, maxs, nonFinites, m, M);
      long clipped = 0;
      for (long c : clips) {
        clipped += c;
      }
      return new ChannelStats(m, M, x.length, clipped, nonFinite);
    }
    float[] mins = new float[channels];
    float[] maxs = new float[channels];
    long clipped = 0;
    long nonFinite = 0;
    for (int c = 0; c < channels; c++) {
      int from = c * inner;
      int to = from + inner;
      long packed = channel(x, y, from, to, p.scale(c), p.lo(c), p.hi(c), clipMask, mins, maxs, c, stochastic, key);
      clipped += packed >>> 32;
      nonFinite += packed & 0xFFFFFFFFL;
    }
    return new ChannelStats(mins, maxs, x.length, clipped, nonFinite);
  }

  /**
   * One channel (or chunk) of {@link #quantize}: {@link #level} of each element times the scale.
   * Returns {@code clipped << 32 | nonFinite}. The rounding choice is loop-invariant, so the JIT
   * unswitches it out of the loop.
   */
  private static long channel(
      float[] x, float[] y, int from, int to, float scale, float lo, float hi, boolean[] mask,
      float[] mins, float[] maxs, int c, boolean stochastic, long key) {
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
        out = clipped(xi / scale, lo, hi);
        if (out) {
          clipped++;
        }
        y[i] = level(xi, scale, lo, hi, stochastic, key, i) * scale;
      } else {
        nonFinite++;
        out = true;
        y[i] = nonFiniteLevel(xi, lo, hi) * scale;
      }
      if (mask != null) {
        mask[i] = out;
      }
    }
    mins[c] = mn;
    maxs[c] = mx;
    return clipped << 32 | nonFinite;
  }

  private static int innerSize(int length, int channels) {
    if (channels <= 0 || length % channels != 0) {
      throw new IllegalArgumentException(length + " values cannot be split into " + channels + " channels");
    }
    return length / channels;
  }
}
