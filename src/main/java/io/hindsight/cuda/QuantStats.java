package io.hindsight.cuda;

import io.hindsight.quant.math.ChannelStats;

/**
 * Statistics a producing kernel records about the tensor it quantizes (in-hindsight range
 * estimation): the min and max of its finite values, how many values were clipped (their rounded
 * level fell outside {@code [qmin, qmax]}) and how many were NaN or infinite (excluded from min/max,
 * never counted as clipped). With no finite value, {@code min = +Inf} and {@code max = -Inf}.
 *
 * <p>On the device this is the 24-byte {@code HsStats} struct of hs_common.cuh: int32 min key,
 * int32 max key, uint64 clipped, uint64 non-finite, where a key is the float's bits made
 * order-preserving as signed ints ({@link #key}).
 */
public record QuantStats(float min, float max, long clipped, long nonFinite) {
  /** Size of the device struct in bytes. */
  public static final int BYTES = 24;

  /** The statistics of nothing: {@code min = +Inf}, {@code max = -Inf}, no counts. */
  public static QuantStats empty() {
    return new QuantStats(Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0, 0);
  }

  /** Whether any finite value was seen. */
  public boolean hasRange() {
    return min <= max;
  }

  /** Combines two statistics (the order of {@link #key}, so -0.0 sorts below +0.0). */
  public QuantStats merge(QuantStats o) {
    float mn = key(o.min) < key(min) ? o.min : min;
    float mx = key(o.max) > key(max) ? o.max : max;
    return new QuantStats(mn, mx, clipped + o.clipped, nonFinite + o.nonFinite);
  }

  /** Order-preserving int key of a float: {@code bits >= 0 ? bits : bits ^ 0x7FFFFFFF}. */
  public static int key(float f) {
    int b = Float.floatToRawIntBits(f);
    return b >= 0 ? b : b ^ 0x7FFFFFFF;
  }

  /** Inverse of {@link #key}. */
  public static float fromKey(int k) {
    return Float.intBitsToFloat(k >= 0 ? k : k ^ 0x7FFFFFFF);
  }

  /** Device struct words (6 ints: minKey, maxKey, clipped lo/hi, non-finite lo/hi) of the identity. */
  public static int[] identityWords() {
    return new int[] {key(Float.POSITIVE_INFINITY), key(Float.NEGATIVE_INFINITY), 0, 0, 0, 0};
  }

  /** These statistics of a tensor of {@code elements} values, per tensor, as the host quantizers take them. */
  public ChannelStats perTensor(long elements) {
    return ChannelStats.of(new float[] {min}, new float[] {max}, elements, clipped, nonFinite);
  }

  /** The device struct's 6 words (as {@link #fromWords} reads them), for a record the host uploads. */
  public int[] words() {
    return new int[] {key(min), key(max), (int) clipped, (int) (clipped >>> 32), (int) nonFinite,
        (int) (nonFinite >>> 32)};
  }

  /** Decodes the device struct from its 6 little-endian words. */
  public static QuantStats fromWords(int[] w, int offset) {
    long clipped = (w[offset + 2] & 0xFFFFFFFFL) | ((long) w[offset + 3] << 32);
    long nonFinite = (w[offset + 4] & 0xFFFFFFFFL) | ((long) w[offset + 5] << 32);
    return new QuantStats(fromKey(w[offset]), fromKey(w[offset + 1]), clipped, nonFinite);
  }
}
