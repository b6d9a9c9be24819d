package io.hindsight.quant.traffic;

/**
 * The accelerator memory model of quantization (also in {@code docs/memory-traffic.md}).
 *
 * <p>A tensor of {@code E} elements is produced by a kernel (GEMM, convolution, optimizer update)
 * whose accumulator is 4 bytes wide, and quantized to {@code b} bits. Only off-chip memory
 * (DRAM/HBM) traffic is counted; on-chip registers and caches are free.
 * <ul>
 *   <li><b>Static range</b> (known before the kernel runs): the kernel's epilogue quantizes the
 *       accumulators and writes the low-bit tensor directly, {@code ceil(E * b / 8)} bytes, plus
 *       the statistics it gathered on the way: per channel min and max (2 x 4 bytes) and the
 *       clipped and non-finite counts (2 x 4 bytes), i.e. {@code 8 * C + 8} bytes (16 bytes per
 *       tensor). No full-precision buffer is needed.
 *   <li><b>Dynamic range</b> (depends on the tensor): the kernel writes the full-precision tensor
 *       ({@code 4E}), a reduction reads it for min/max ({@code 4E}), the quantization kernel reads
 *       it again ({@code 4E}) and writes the low-bit tensor ({@code ceil(E * b / 8)}): in total
 *       {@code 12E + ceil(E * b / 8)} bytes, and a full-precision buffer of {@code 4E} bytes must
 *       exist. An estimator that searches the tensor (dsgc) adds its search reads.
 * </ul>
 * A static estimator's dynamic warm-up step is charged as dynamic: it is one.
 */
public final class TrafficModel {
  /** Bytes of the full-precision (accumulator) format. */
  public static final int FULL_PRECISION_BYTES = 4;
  /** Per-channel statistics bytes: min and max as float32. */
  public static final int STATS_BYTES_PER_CHANNEL = 8;
  /** Per-tensor statistics bytes: clipped and non-finite counts as uint32. */
  public static final int STATS_BYTES_COUNTS = 8;

  private TrafficModel() {}

  /** {@code ceil(E * b / 8)}: the packed low-bit tensor. */
  public static long lowBitBytes(long elements, int bits) {
    return (elements * bits + 7) / 8;
  }

  /** {@code 8 * C + 8}: the statistics a static kernel writes. */
  public static long statsBytes(int channels) {
    return (long) STATS_BYTES_PER_CHANNEL * channels + STATS_BYTES_COUNTS;
  }

  /** Bytes moved to quantize with a static range: {@code ceil(E * b / 8) + 8 * C + 8}. */
  public static long staticBytes(long elements, int bits, int channels) {
    return lowBitBytes(elements, bits) + statsBytes(channels);
  }

  /** Bytes moved to quantize with a dynamic range: {@code 12 E + ceil(E * b / 8)}. */
  public static long dynamicBytes(long elements, int bits) {
    return 3L * FULL_PRECISION_BYTES * elements + lowBitBytes(elements, bits);
  }

  /** The full-precision buffer a dynamic range needs: {@code 4 E}. */
  public static long dynamicPeakBytes(long elements) {
    return (long) FULL_PRECISION_BYTES * elements;
  }

  /**
   * The traffic of one quantization.
   *
   * @param dynamic whether this quantization needed the full-precision tensor first (a statistics pass)
   * @param searchReadBytes extra full-precision reads of a range search (0 for most estimators)
   */
  public static TrafficTotals quantization(
      long elements, int bits, int channels, boolean dynamic, long searchReadBytes) {
    long ifStatic = staticBytes(elements, bits, channels);
    long ifDynamic = dynamicBytes(elements, bits);
    long moved = dynamic ? ifDynamic + searchReadBytes : ifStatic;
    long peakIfDynamic = dynamicPeakBytes(elements);
    return new TrafficTotals(1, elements, moved, ifStatic, ifDynamic, dynamic ? peakIfDynamic : 0, peakIfDynamic);
  }
}
