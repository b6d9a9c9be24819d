package io.hindsight.cuda;

/**
 * Compulsory device traffic of each kernel, {@code {bytesRead, bytesWritten}}, from its launch
 * arguments (see {@link TrafficCounter}); statistics count {@link #STATS_BYTES} per channel, as
 * in the memory-traffic model. Pure functions, so they are tested without a GPU.
 */
public final class Traffic {
  private Traffic() {}

  /** Statistics bytes a pass records per channel (min, max, clipped and non-finite counts; the model's). */
  public static final int STATS_BYTES = io.hindsight.quant.traffic.TrafficModel.STATS_BYTES_PER_CHANNEL;

  /** Parameter bytes a per-channel pass reads per channel (scale, zero point, lo, hi; the model's). */
  public static final int PARAM_BYTES = io.hindsight.quant.traffic.TrafficModel.PARAM_BYTES_PER_CHANNEL;

  /** quantize_static_stats / quantize_with_range: read n floats, write n levels and the statistics. */
  public static long[] quantize(long n, int levelBytes) {
    return new long[] {4L * n, (long) levelBytes * n + STATS_BYTES};
  }

  /**
   * quantize_weights_t: read n floats (and per channel its parameters: scale, zero point, lo, hi,
   * 16 bytes, when {@code channels > 1}), write the n forward codes, the n transposed codes and the
   * statistics of each channel (when recorded).
   */
  public static long[] quantizeWeightsTransposed(long n, int channels, boolean stats) {
    long params = channels > 1 ? (long) PARAM_BYTES * channels : 0;
    return new long[] {4L * n + params, 2L * n + (stats ? (long) STATS_BYTES * channels : 0)};
  }

  /** minmax_reduce: read n floats, write the statistics. */
  public static long[] minmax(long n) {
    return new long[] {4L * n, STATS_BYTES};
  }

  /** dequantize: read n levels, write n floats. */
  public static long[] dequantize(long n, int levelBytes) {
    return new long[] {(long) levelBytes * n, 4L * n};
  }

  /**
   * INT8 NT GEMM: read A (m*k) and B (n*k) once plus the per-channel vectors (scales, column sums,
   * bias: 4 bytes each per channel when present), write the int8 (or fp32) output.
   */
  public static long[] gemmS8Nt(long m, long n, long k, int perChannelVectors, boolean f32Out) {
    return new long[] {m * k + n * k + 4L * n * perChannelVectors, (f32Out ? 4L : 1L) * m * n};
  }

  /**
   * Weight-gradient GEMM, phase 1: read G (m*n) and X (m*k), write the chunk sums (chunks*n*k ints);
   * the slices' atomic additions into them resolve in L2 and are not counted.
   */
  public static long[] wgrad(long m, long n, long k, long chunks) {
    return new long[] {m * n + m * k, 4L * chunks * n * k};
  }

  /** Weight gradient, phase 2: read the chunk sums, write dW (n*k floats), read it too when beta != 0. */
  public static long[] wgradFinish(long n, long k, long chunks, boolean readOld) {
    return new long[] {4L * chunks * n * k + (readOld ? 4L * n * k : 0), 4L * n * k};
  }

  /** transpose_s8: read and write rows*cols bytes. */
  public static long[] transposeS8(long rows, long cols) {
    return new long[] {rows * cols, rows * cols};
  }

  /** rowsum_s8: read rows*cols bytes, write rows ints. */
  public static long[] rowSumS8(long rows, long cols) {
    return new long[] {rows * cols, 4L * rows};
  }

  /**
   * sgemm_tiled over {@code batch} products: read op(A) and op(B) once per product (a shared operand,
   * stride 0, once in all), C when beta != 0; write C once per product (once when reduced).
   */
  public static long[] sgemm(long m, long n, long k, int batch, boolean aShared, boolean bShared,
      boolean readC, boolean reduce) {
    long a = 4L * m * k * (aShared ? 1 : batch);
    long b = 4L * k * n * (bShared ? 1 : batch);
    long cCount = reduce ? 1 : batch;
    long c = 4L * m * n * cCount;
    return new long[] {a + b + (readC ? c : 0), c};
  }

  /** Device-to-device copy of {@code bytes}: read and write them. */
  public static long[] copy(long bytes) {
    return new long[] {bytes, bytes};
  }

  /** Element-wise kernel reading {@code inFloats} and writing {@code outFloats} floats. */
  public static long[] elementwise(long inFloats, long outFloats) {
    return new long[] {4L * inFloats, 4L * outFloats};
  }
}
