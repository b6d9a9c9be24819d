package io.hindsight.quant.math;

/**
 * The device format of the clipping straight-through estimator's mask: one bit per element in
 * 32-bit words, bit {@code i & 31} of word {@code i >> 5} set where the gradient stops (the value
 * was clipped or not finite), followed by a <b>summary</b> of one bit per word: bit {@code j & 31}
 * of summary word {@code j >> 5} set when word {@code j} has a bit set.
 *
 * <p>Buffer layout for a capacity of {@code E} elements: {@code W = ceil(E / 32)} words, then
 * {@code S = ceil(W / 32)} summary words ({@link #bufferWords}). Everything is zero when a step
 * starts; the producing kernel sets a stopped element's bit with an atomic OR and, when that word
 * was zero before, the word's summary bit ({@code hs_mask_stop} in hs_common.cuh); {@code
 * apply_mask} reads the summary, and only the words it marks, zeroes the input gradient at the
 * stopped elements and clears what it read. Once ranges settle almost nothing clips, so the
 * backward reads {@code 4S} bytes, a 1024th of the elements, where the bits alone would be an
 * eighth and a byte per element the elements themselves.
 */
public final class SteMaskBits {
  /** Elements per mask word (and mask words per summary word). */
  public static final int BITS_PER_WORD = 32;
  /** Bytes of one mask word. */
  public static final int WORD_BYTES = 4;

  private SteMaskBits() {}

  /** Words of the mask of {@code elements} values: {@code W = ceil(elements / 32)}. */
  public static long words(long elements) {
    if (elements < 0) {
      throw new IllegalArgumentException("a mask of " + elements + " elements");
    }
    return (elements + BITS_PER_WORD - 1) / BITS_PER_WORD;
  }

  /** Summary words of the mask of {@code elements} values: {@code S = ceil(W / 32)}. */
  public static long summaryWords(long elements) {
    return (words(elements) + BITS_PER_WORD - 1) / BITS_PER_WORD;
  }

  /** Words of the whole buffer for {@code elements} values: {@code W + S}. */
  public static long bufferWords(long elements) {
    return words(elements) + summaryWords(elements);
  }

  /** Bytes of the whole buffer for {@code elements} values: {@code 4 (W + S)}. */
  public static long bufferBytes(long elements) {
    return WORD_BYTES * bufferWords(elements);
  }

  /**
   * The mask words {@code W} of a buffer of {@code bufferBytes} (made by {@link #bufferBytes}), that
   * is where its summary begins, in words: the buffer alone says it ({@code W + ceil(W / 32)} grows
   * with {@code W}, so one {@code W} gives each valid size).
   */
  public static long wordsOfBuffer(long bufferBytes) {
    if (bufferBytes < 0 || bufferBytes % WORD_BYTES != 0) {
      throw new IllegalArgumentException("an STE mask buffer of " + bufferBytes + " bytes: not whole words");
    }
    long b = bufferBytes / WORD_BYTES;
    long w = b - (b + BITS_PER_WORD) / (BITS_PER_WORD + 1); // b - ceil(b / 33)
    if (w + (w + BITS_PER_WORD - 1) / BITS_PER_WORD != b) {
      throw new IllegalArgumentException("an STE mask buffer of " + bufferBytes
          + " bytes is not W words and their ceil(W / 32) summary words for any W");
    }
    return w;
  }

  /** Sets element {@code i}'s bit and its word's summary bit in {@code buffer} (laid out for {@code w} words). */
  public static void stop(int[] buffer, long w, long i) {
    int word = (int) (i >>> 5);
    if (word >= w) {
      throw new IllegalArgumentException("element " + i + " is past the mask's " + w + " words");
    }
    buffer[word] |= 1 << (int) (i & 31);
    buffer[(int) (w + (word >>> 5))] |= 1 << (word & 31);
  }

  /** Whether element {@code i}'s bit is set. */
  public static boolean stopped(int[] buffer, long i) {
    return (buffer[(int) (i >>> 5)] >>> (int) (i & 31) & 1) != 0;
  }

  /** The mask buffer of {@code stopped} (one flag per element, true where the gradient stops), summary included. */
  public static int[] pack(boolean[] stopped) {
    int[] b = new int[(int) bufferWords(stopped.length)];
    long w = words(stopped.length);
    for (int i = 0; i < stopped.length; i++) {
      if (stopped[i]) {
        stop(b, w, i);
      }
    }
    return b;
  }
}
