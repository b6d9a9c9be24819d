package io.hindsight.quant.math;

/**
 * The device format of the clipping straight-through estimator's mask: one bit per element in
 * 32-bit words, bit {@code i & 31} of word {@code i >> 5} set where the gradient stops (the value
 * was clipped or not finite). The words are zero when a step starts; the producing kernel sets the
 * stopped bits ({@code hs_mask_stop} in hs_common.cuh) and {@code apply_mask} zeroes the input
 * gradient there and clears the words it read. A byte per element would move 8 times the bytes for
 * the same information.
 */
public final class SteMaskBits {
  /** Elements per mask word. */
  public static final int BITS_PER_WORD = 32;
  /** Bytes of one mask word. */
  public static final int WORD_BYTES = 4;

  private SteMaskBits() {}

  /** Words of the mask of {@code elements} values: {@code ceil(elements / 32)}. */
  public static long words(long elements) {
    if (elements < 0) {
      throw new IllegalArgumentException("a mask of " + elements + " elements");
    }
    return (elements + BITS_PER_WORD - 1) / BITS_PER_WORD;
  }

  /** Bytes of the mask of {@code elements} values: {@code 4 ceil(elements / 32)}. */
  public static long bytes(long elements) {
    return WORD_BYTES * words(elements);
  }

  /** Sets element {@code i}'s bit: its gradient stops. */
  public static void stop(int[] words, long i) {
    words[(int) (i >>> 5)] |= 1 << (int) (i & 31);
  }

  /** Whether element {@code i}'s bit is set. */
  public static boolean stopped(int[] words, long i) {
    return (words[(int) (i >>> 5)] >>> (int) (i & 31) & 1) != 0;
  }

  /** The mask of {@code stopped} (one flag per element, true where the gradient stops). */
  public static int[] pack(boolean[] stopped) {
    int[] w = new int[(int) words(stopped.length)];
    for (int i = 0; i < stopped.length; i++) {
      if (stopped[i]) {
        stop(w, i);
      }
    }
    return w;
  }
}
