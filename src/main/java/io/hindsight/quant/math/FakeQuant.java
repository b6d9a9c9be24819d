package io.hindsight.quant.math;

import io.hindsight.backend.Backend;
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
 *
 * <p>Given a {@link Backend}, a per-tensor pass over a large tensor runs in {@value #CHUNKS} fixed
 * chunks on its threads; min/max are combined in chunk order with the same strict comparisons and
 * the counts are sums, so the statistics and every output value are bit for bit those of one loop.
 * Stochastic rounding draws its uniforms first, in element order (one per finite element, as one
 * loop would), so the random stream does not depend on the chunking either.
 */
public final class FakeQuant {
  private static final float RNE_MAGIC = 0x1.8p23f;
  private static final double TWO_POW_MINUS_32 = 0x1.0p-32;
  /** Chunks of a parallel per-tensor pass (fixed: results never depend on the thread count). */
  static final int CHUNKS = 8;
  /** Smaller tensors are not worth handing to other threads. */
  static final int PARALLEL_MIN_ELEMENTS = 1 << 15;
  private static final ThreadLocal<int[]> DRAWS = ThreadLocal.withInitial(() -> new int[0]);

  private FakeQuant() {}

  /** Round half to even of {@code v}, for {@code |v| < 2^22}. */
  public static float roundHalfEven(float v) {
    return (v + RNE_MAGIC) - RNE_MAGIC;
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

  /**
   * Fake-quantizes {@code x} into {@code y} (same length; may be the same array) and returns the
   * statistics of {@code x}.
   *
   * @param rounding {@link Rounding#STOCHASTIC} needs {@code rng}, which it advances by one draw per element
   * @param clipMask null, or an array of at least {@code x.length} set to whether each element was clipped or non-finite
   */
  public static ChannelStats quantize(
      float[] x, float[] y, QuantParams p, Rounding rounding, Rng rng, boolean[] clipMask) {
    return quantize(x, y, p, rounding, rng, clipMask, null);
  }

  /**
   * As {@link #quantize(float[], float[], QuantParams, Rounding, Rng, boolean[])}, per-tensor
   * passes over large tensors split over {@code parallel}'s threads (null: one loop).
   */
  public static ChannelStats quantize(
      float[] x, float[] y, QuantParams p, Rounding rounding, Rng rng, boolean[] clipMask, Backend parallel) {
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
    int[] draws = rounding == Rounding.NEAREST ? null : draw(x, rng);
    if (useChunks(x.length, channels, parallel)) {
      float[] mins = new float[CHUNKS];
      float[] maxs = new float[CHUNKS];
      long[] clips = new long[CHUNKS];
      long[] nonFinites = new long[CHUNKS];
      float scale = p.scale(0);
      float lo = p.lo(0);
      float hi = p.hi(0);
      parallel.parallelChunks(x.length, CHUNKS, (chunk, from, to) -> {
        long packed = channel(x, y, from, to, scale, lo, hi, clipMask, mins, maxs, chunk, draws);
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
      long packed = channel(x, y, from, to, p.scale(c), p.lo(c), p.hi(c), clipMask, mins, maxs, c, draws);
      clipped += packed >>> 32;
      nonFinite += packed & 0xFFFFFFFFL;
    }
    return new ChannelStats(mins, maxs, x.length, clipped, nonFinite);
  }

  /**
   * The uniforms of stochastic rounding, drawn in element order: draws[i] holds the top 32 bits of
   * one {@code rng.nextLong()} for each finite x[i] (non-finite elements draw nothing, as in one
   * loop). A per-thread buffer, valid until the next call on this thread.
   */
  private static int[] draw(float[] x, Rng rng) {
    int[] d = DRAWS.get();
    if (d.length < x.length) {
      d = new int[x.length];
      DRAWS.set(d);
    }
    for (int i = 0; i < x.length; i++) {
      if (Math.abs(x[i]) <= Float.MAX_VALUE) {
        d[i] = (int) (rng.nextLong() >>> 32);
      }
    }
    return d;
  }

  /**
   * One channel (or chunk): round to nearest even ({@code draws == null}) or stochastically
   * ({@code floor(v + u)}, u = draws[i] / 2^32). Returns {@code clipped << 32 | nonFinite}. The
   * rounding choice is loop-invariant, so the JIT unswitches it out of the loop.
   */
  private static long channel(
      float[] x, float[] y, int from, int to, float scale, float lo, float hi, boolean[] mask,
      float[] mins, float[] maxs, int c, int[] draws) {
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
        if (draws == null) {
          y[i] = ((v + RNE_MAGIC) - RNE_MAGIC) * scale;
        } else {
          // v has at most 16 integer and 24 fraction bits and u 32 bits: the double sum is exact,
          // so floor(v + u) <= hi for v <= hi, and P(round up) = frac(v) up to 2^-32.
          double u = (draws[i] & 0xFFFFFFFFL) * TWO_POW_MINUS_32;
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
