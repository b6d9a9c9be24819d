package io.hindsight.util;

/**
 * A small, fast, seedable random number generator (xoshiro256** seeded by SplitMix64) whose
 * whole state is four longs plus a cached Gaussian, so it can be saved in a checkpoint and a
 * resumed run draws exactly the numbers the uninterrupted run would have drawn.
 */
public final class Rng {
  private long s0;
  private long s1;
  private long s2;
  private long s3;
  private boolean haveGaussian;
  private double nextGaussian;

  public Rng(long seed) {
    long x = seed;
    s0 = splitMix(x += 0x9E3779B97F4A7C15L);
    s1 = splitMix(x += 0x9E3779B97F4A7C15L);
    s2 = splitMix(x += 0x9E3779B97F4A7C15L);
    s3 = splitMix(x + 0x9E3779B97F4A7C15L);
  }

  private static long splitMix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** A generator for an independent stream derived from {@code seed} and a stream id. */
  public static Rng derive(long seed, long stream) {
    return new Rng(splitMix(seed ^ splitMix(stream + 0x632BE59BD9B4E019L)));
  }

  public long nextLong() {
    long result = Long.rotateLeft(s1 * 5, 7) * 9;
    long t = s1 << 17;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = Long.rotateLeft(s3, 45);
    return result;
  }

  /** Uniform in [0, 1) with 24 random bits. */
  public float nextFloat() {
    return (nextLong() >>> 40) * 0x1.0p-24f;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  public double nextDouble() {
    return (nextLong() >>> 11) * 0x1.0p-53;
  }

  /** Uniform integer in [0, bound). */
  public int nextInt(int bound) {
    if (bound <= 0) {
      throw new IllegalArgumentException("bound must be positive: " + bound);
    }
    return (int) (((nextLong() >>> 33) * bound) >>> 31);
  }

  public boolean nextBoolean() {
    return nextLong() < 0;
  }

  /** Standard normal (Marsaglia polar method). */
  public double nextGaussian() {
    if (haveGaussian) {
      haveGaussian = false;
      return nextGaussian;
    }
    double v1;
    double v2;
    double s;
    do {
      v1 = 2 * nextDouble() - 1;
      v2 = 2 * nextDouble() - 1;
      s = v1 * v1 + v2 * v2;
    } while (s >= 1 || s == 0);
    double multiplier = StrictMath.sqrt(-2 * StrictMath.log(s) / s);
    nextGaussian = v2 * multiplier;
    haveGaussian = true;
    return v1 * multiplier;
  }

  /** Fisher-Yates shuffle of {@code a}. */
  public void shuffle(int[] a) {
    for (int i = a.length - 1; i > 0; i--) {
      int j = nextInt(i + 1);
      int t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }

  /** The full state, for checkpoints. */
  public long[] state() {
    return new long[] {s0, s1, s2, s3, haveGaussian ? 1 : 0, Double.doubleToRawLongBits(nextGaussian)};
  }

  /** Restores a state produced by {@link #state()}. */
  public void restore(long[] state) {
    if (state.length != 6) {
      throw new IllegalArgumentException("RNG state must have 6 words, got " + state.length);
    }
    s0 = state[0];
    s1 = state[1];
    s2 = state[2];
    s3 = state[3];
    haveGaussian = state[4] != 0;
    nextGaussian = Double.longBitsToDouble(state[5]);
  }
}
