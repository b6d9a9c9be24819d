package io.hindsight.quant.traffic;

import io.hindsight.quant.math.SteMaskBits;

/**
 * The accelerator memory model of quantization ({@code docs/memory-traffic.md} explains it with
 * examples): the device bytes our kernels move to give one tensor of {@code E} elements its
 * {@code b}-bit codes, by the tensor's {@link Route}. Compulsory bytes only: each element a pass
 * reads or writes counts once; caches and registers are free; the statistics count 16 bytes per
 * channel each time a pass records them (min, max, clipped and non-finite counts).
 * <ul>
 *   <li>codes {@code ceil(E b / 8)} and the statistics {@code 16 C}, always;
 *   <li>a <b>static</b> range with a producer that quantizes ({@link Route.Feed#producerQuantizes}):
 *       nothing else, the full-precision tensor never reaches memory;
 *   <li>otherwise a quantizing pass reads the floats ({@code 4E}, plus {@code 16 C} of per-channel
 *       parameters when {@code C > 1}); a <b>dynamic</b> range adds a statistics pass before it
 *       ({@code 4E + 16 C}); the floats are charged their write ({@code 4E}) when they exist only
 *       for the quantizer ({@link Route.Feed#WRITTEN_FOR_QUANTIZER}, or a producer that would have
 *       quantized a static range);
 *   <li>the clipping STE's mask, one bit per element ({@link SteMaskBits}, {@code W = ceil(E / 32)}
 *       words, zero between steps): a bit set by the producer at each of the {@code M} clipped and
 *       non-finite elements (an atomic OR of a word, {@code 4M}), the words read in backward
 *       ({@code 4W}), a zero written over the input gradient at those elements and their words
 *       cleared ({@code 4M + 4M}): {@code 4W + 12M};
 *   <li>a dense layer's input-gradient weights: per-tensor codes, transposed, written by the same
 *       pass that reads the floats once for the forward codes ({@code ceil(E b / 8)}): per-tensor
 *       weights' forward codes, or per-channel weights re-quantized per tensor.
 * </ul>
 * A static estimator's dynamic warm-up step is charged as dynamic: it is one. An estimator that
 * searches the tensor (dsgc) adds its search reads to a dynamic quantization.
 */
public final class TrafficModel {
  /** Bytes of the full-precision (accumulator) format. */
  public static final int FULL_PRECISION_BYTES = 4;
  /** Statistics bytes per channel and pass: min and max as float32, clipped and non-finite counts as uint32. */
  public static final int STATS_BYTES_PER_CHANNEL = 16;
  /** Per-channel parameter bytes a quantizing pass reads: scale, zero point, lo, hi. */
  public static final int PARAM_BYTES_PER_CHANNEL = 16;
  /**
   * The mask application's writes: one float zeroed for each of {@code masked} elements (clipped or
   * not finite) whose gradient the clipping STE stops.
   */
  public static long maskZeroingBytes(long masked) {
    return (long) FULL_PRECISION_BYTES * masked;
  }

  /**
   * The clipping STE mask's bytes for {@code elements} values of which {@code masked} were clipped
   * or not finite: the words read in backward ({@code 4W}); per masked element a word's atomic OR
   * in the producer, the input gradient's zero and the clearing of its word ({@code 3 * 4M}; the
   * ORs and clears are at most that many words).
   */
  public static long maskBytes(long elements, long masked) {
    return SteMaskBits.bytes(elements) + 2L * SteMaskBits.WORD_BYTES * masked + maskZeroingBytes(masked);
  }

  private TrafficModel() {}

  /** {@code ceil(E * b / 8)}: the packed low-bit tensor. */
  public static long lowBitBytes(long elements, int bits) {
    return (elements * bits + 7) / 8;
  }

  /** {@code 16 C}: the statistics one pass records. */
  public static long statsBytes(int channels) {
    return (long) STATS_BYTES_PER_CHANNEL * channels;
  }

  /** Bytes moved to quantize a producer-quantized tensor with a static range: {@code ceil(E * b / 8) + 16 C}. */
  public static long staticBytes(long elements, int bits, int channels) {
    return bytes(elements, bits, channels, false, Route.PRODUCER);
  }

  /** Bytes moved to quantize a produced tensor with a dynamic range: {@code 12 E + ceil(E * b / 8) + 32 C}. */
  public static long dynamicBytes(long elements, int bits, int channels) {
    return bytes(elements, bits, channels, true, Route.PRODUCER);
  }

  /** The full-precision buffer a dynamic range needs: {@code 4 E}. */
  public static long dynamicPeakBytes(long elements) {
    return (long) FULL_PRECISION_BYTES * elements;
  }

  /** As {@link #bytes(long, int, int, boolean, Route, long)} with nothing clipped. */
  public static long bytes(long elements, int bits, int channels, boolean dynamic, Route route) {
    return bytes(elements, bits, channels, dynamic, route, 0);
  }

  /**
   * The bytes of one quantization along {@code route} (without an estimator's search reads), of which
   * {@code masked} elements were clipped or not finite (the STE mask's zeroing writes).
   */
  public static long bytes(long elements, int bits, int channels, boolean dynamic, Route route, long masked) {
    long floats = (long) FULL_PRECISION_BYTES * elements;
    long codes = lowBitBytes(elements, bits);
    long stats = statsBytes(channels);
    Route.Feed feed = route.feed();
    boolean fused = !dynamic && feed.producerQuantizes();
    long b = codes + stats;
    if (!fused) {
      b += floats + (channels > 1 ? (long) PARAM_BYTES_PER_CHANNEL * channels : 0);
    }
    if (dynamic) {
      b += floats + stats;
    }
    if (writesFloats(feed, dynamic)) {
      b += floats;
    }
    if (route.steMask()) {
      b += maskBytes(elements, masked);
    }
    b += switch (route.inputGradientWeights()) {
      case NONE -> 0;
      case TRANSPOSED, REQUANTIZED -> codes; // written by the quantizing pass (quantize_weights_t)
    };
    return b;
  }

  private static boolean writesFloats(Route.Feed feed, boolean dynamic) {
    return feed == Route.Feed.WRITTEN_FOR_QUANTIZER || (dynamic && feed == Route.Feed.PRODUCER);
  }

  /** As {@link #quantization(long, int, int, boolean, long, Route, long)} for a tensor quantized by its producer. */
  public static TrafficTotals quantization(
      long elements, int bits, int channels, boolean dynamic, long searchReadBytes) {
    return quantization(elements, bits, channels, dynamic, searchReadBytes, Route.PRODUCER, 0);
  }

  /** As {@link #quantization(long, int, int, boolean, long, Route, long)} with nothing clipped. */
  public static TrafficTotals quantization(
      long elements, int bits, int channels, boolean dynamic, long searchReadBytes, Route route) {
    return quantization(elements, bits, channels, dynamic, searchReadBytes, route, 0);
  }

  /**
   * The traffic of one quantization.
   *
   * @param dynamic whether this quantization needed the full-precision tensor first (a statistics pass)
   * @param searchReadBytes extra full-precision reads of a range search (0 for most estimators)
   * @param masked elements clipped or not finite in this quantization: the STE mask's zeroing writes
   *     (charged to both alternatives: the count of the pass that ran)
   */
  public static TrafficTotals quantization(
      long elements, int bits, int channels, boolean dynamic, long searchReadBytes, Route route, long masked) {
    long ifStatic = bytes(elements, bits, channels, false, route, masked);
    long ifDynamic = bytes(elements, bits, channels, true, route, masked);
    long moved = dynamic ? ifDynamic + searchReadBytes : ifStatic;
    long peak = writesFloats(route.feed(), dynamic) ? dynamicPeakBytes(elements) : 0;
    long peakIfDynamic = writesFloats(route.feed(), true) ? dynamicPeakBytes(elements) : 0;
    return new TrafficTotals(1, elements, moved, ifStatic, ifDynamic, peak, peakIfDynamic);
  }
}
