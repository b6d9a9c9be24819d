package io.hindsight.util;

/**
 * The random numbers of stochastic rounding, counter-based: the number drawn for element
 * {@code index} of the {@code counter}-th quantization of stream {@code seed} is a pure function of
 * those three values, so a GPU thread can compute any element's number without a shared state, a
 * CPU loop split into chunks draws the same numbers as one loop, and a resumed run continues with
 * the numbers the uninterrupted one would have drawn (the counter is the quantizer's checkpointed
 * step count). The device twin is {@code hs_stream_key} / {@code hs_uniform} in
 * {@code src/main/cuda/hs_common.cuh}; both compute, with 64-bit wrap-around arithmetic:
 * <pre>
 *   mix(z)          = z1 ^ (z1 >>> 31), z1 = (z0 ^ (z0 >>> 27)) * 0x94D049BB133111EB,
 *                                      z0 = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9     (SplitMix64's finalizer)
 *   key(seed, c)    = mix(seed + (c + 1) * 0x9E3779B97F4A7C15)
 *   uniform(key, i) = (mix(key + (i + 1) * 0x9E3779B97F4A7C15) >>> 40) * 2^-24      (24 bits, in [0, 1))
 * </pre>
 */
public final class CounterRng {
  static final long GOLDEN = 0x9E3779B97F4A7C15L;
  private static final float TWO_POW_MINUS_24 = 0x1.0p-24f;

  private CounterRng() {}

  /** SplitMix64's output function. */
  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** The seed of an independent stream {@code streamId} derived from {@code seed} (e.g. one per quantizer). */
  public static long stream(long seed, long streamId) {
    return mix(seed ^ mix(streamId + GOLDEN));
  }

  /** The key of the {@code counter}-th quantization of stream {@code seed} (computed once per tensor, on the host). */
  public static long key(long seed, long counter) {
    return mix(seed + (counter + 1) * GOLDEN);
  }

  /** The uniform number in {@code [0, 1)} of element {@code index}: a multiple of {@code 2^-24}. */
  public static float uniform(long key, long index) {
    return (mix(key + (index + 1) * GOLDEN) >>> 40) * TWO_POW_MINUS_24;
  }
}
