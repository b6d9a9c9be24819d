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
 *       nothing else, the full-precision tensor never reaches memory; likewise the model's input
 *       quantized by the host at its upload ({@link Route.Feed#HOST}), whatever the range;
 *   <li>otherwise a quantizing pass reads the floats ({@code 4E}, plus {@code 16 C} of per-channel
 *       parameters when {@code C > 1}); a <b>dynamic</b> range adds a statistics pass before it
 *       ({@code 4E + 16 C}); the floats are charged their write ({@code 4E}) when they exist only
 *       for the quantizer ({@link Route.Feed#WRITTEN_FOR_QUANTIZER}, or a producer that would have
 *       quantized a static range);
 *   <li>the clipping STE's mask, one bit per element in {@code W = ceil(E / 32)} words and a
 *       summary bit per word in {@code S = ceil(W / 32)} words ({@link SteMaskBits}, zero between
 *       steps): at each of the {@code M} clipped and non-finite elements the producer ORs its bit
 *       and, for the first in a word, the word's summary bit; backward reads the summary ({@code
 *       4S}) and the marked words, writes a zero over the input gradient at those elements and
 *       clears what it read: {@code 4S + 8M} plus {@code 12} per marked word and {@code 4} per
 *       marked summary word, at most {@code 4S + 24M} ({@link #maskBytes});
 *   <li>a dense layer's input-gradient weights: per-tensor codes, transposed, written by the same
 *       pass that reads the floats once for the forward codes ({@code ceil(E b / 8)}): per-tensor
 *       weights' forward codes, or per-channel weights re-quantized per tensor.
 * </ul>
 * A static estimator's dynamic warm-up step is charged as dynamic: it is one. An estimator that
 * searches the tensor (dsgc) adds its search reads to a dynamic quantization. A dynamic range whose
 * statistics the tensor's writer recorded (the weights after the first step: the optimizer's update
 * records them) is charged their record instead of a statistics pass.
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
   * or not finite ({@link SteMaskBits}: {@code W} words of bits, {@code S} summary words): the
   * summary read in backward ({@code 4S}); per masked element its word's atomic OR in the producer
   * and the input gradient's zero ({@code 4M + 4M}); per word holding a masked element, at most
   * {@code min(M, W)}, its summary bit's OR in the producer, its read in backward and its clearing
   * ({@code 3 * 4}); per summary word marking one, at most {@code min(M, S)}, its clearing ({@code 4}).
   */
  public static long maskBytes(long elements, long masked) {
    return maskSummaryBytes(elements) + maskStopBytes(elements, masked) + maskApplyReadBytes(elements, masked)
        + maskApplyWrittenBytes(elements, masked);
  }

  /** What the mask application reads whatever was clipped: the summary, {@code 4S}. */
  public static long maskSummaryBytes(long elements) {
    return (long) SteMaskBits.WORD_BYTES * SteMaskBits.summaryWords(elements);
  }

  /** The producer's share of {@link #maskBytes}: the ORs of the masked elements' words and of their summary bits. */
  public static long maskStopBytes(long elements, long masked) {
    return (long) SteMaskBits.WORD_BYTES * (masked + Math.min(masked, SteMaskBits.words(elements)));
  }

  /** The mask application's late reads (beyond its summary): the words holding masked elements. */
  public static long maskApplyReadBytes(long elements, long masked) {
    return (long) SteMaskBits.WORD_BYTES * Math.min(masked, SteMaskBits.words(elements));
  }

  /**
   * The mask application's writes: a zero over each masked element's gradient, the words it read
   * and the summary words it read marked, cleared.
   */
  public static long maskApplyWrittenBytes(long elements, long masked) {
    return maskZeroingBytes(masked) + (long) SteMaskBits.WORD_BYTES
        * (Math.min(masked, SteMaskBits.words(elements)) + Math.min(masked, SteMaskBits.summaryWords(elements)));
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

  /** As {@link #bytes(long, int, int, boolean, boolean, Route, long)} with a statistics pass where the range is dynamic. */
  public static long bytes(long elements, int bits, int channels, boolean dynamic, Route route, long masked) {
    return bytes(elements, bits, channels, dynamic, false, route, masked);
  }

  /**
   * The bytes of one quantization along {@code route} (without an estimator's search reads), of which
   * {@code masked} elements were clipped or not finite (the STE mask's zeroing writes).
   *
   * @param statsByWriter a dynamic range's statistics were recorded by the kernel that wrote the
   *     tensor (the optimizer's update of the weights, for the next step's weight quantization): the
   *     statistics' record ({@code 16 C}) instead of a statistics pass ({@code 4E + 16 C})
   */
  public static long bytes(long elements, int bits, int channels, boolean dynamic, boolean statsByWriter, Route route,
      long masked) {
    long floats = (long) FULL_PRECISION_BYTES * elements;
    long codes = lowBitBytes(elements, bits);
    long stats = statsBytes(channels);
    Route.Feed feed = route.feed();
    boolean host = feed == Route.Feed.HOST; // the host measured and quantized it: its upload writes the codes and statistics
    boolean fused = host || (!dynamic && feed.producerQuantizes());
    long b = codes + stats;
    if (!fused) {
      b += floats + (channels > 1 ? (long) PARAM_BYTES_PER_CHANNEL * channels : 0);
    }
    if (dynamic && !host) {
      b += statsByWriter ? stats : floats + stats;
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

  /** As {@link #quantization(long, int, int, boolean, boolean, long, Route, long)} with a statistics pass where the range is dynamic. */
  public static TrafficTotals quantization(
      long elements, int bits, int channels, boolean dynamic, long searchReadBytes, Route route, long masked) {
    return quantization(elements, bits, channels, dynamic, false, searchReadBytes, route, masked);
  }

  /** As {@link #quantization(long, int, int, boolean, long, Route, long)} with nothing clipped. */
  public static TrafficTotals quantization(
      long elements, int bits, int channels, boolean dynamic, long searchReadBytes, Route route) {
    return quantization(elements, bits, channels, dynamic, searchReadBytes, route, 0);
  }

  /**
   * The traffic of one quantization.
   *
   * @param dynamic whether this quantization needed the full-precision tensor's statistics first
   * @param statsByWriter whether the kernel that wrote the tensor recorded those statistics (no
   *     statistics pass; see {@link #bytes(long, int, int, boolean, boolean, Route, long)}), which
   *     the dynamic alternative then shares
   * @param searchReadBytes extra full-precision reads of a range search (0 for most estimators)
   * @param masked elements clipped or not finite in this quantization: the STE mask's zeroing writes
   *     (charged to both alternatives: the count of the pass that ran)
   */
  public static TrafficTotals quantization(long elements, int bits, int channels, boolean dynamic,
      boolean statsByWriter, long searchReadBytes, Route route, long masked) {
    long ifStatic = bytes(elements, bits, channels, false, route, masked);
    long ifDynamic = bytes(elements, bits, channels, true, statsByWriter, route, masked);
    long moved = dynamic ? ifDynamic + searchReadBytes : ifStatic;
    long peak = writesFloats(route.feed(), dynamic) ? dynamicPeakBytes(elements) : 0;
    long peakIfDynamic = writesFloats(route.feed(), true) ? dynamicPeakBytes(elements) : 0;
    return new TrafficTotals(1, elements, moved, ifStatic, ifDynamic, peak, peakIfDynamic);
  }
}
