package io.hindsight.cuda;

import io.hindsight.device.DeviceBuffer;
import io.hindsight.device.DeviceScope;
import io.hindsight.quant.math.QuantParams;
import io.hindsight.quant.math.Rounding;

/**
 * The device-side arguments of the INT8 NT GEMM epilogue (the host-side twin is {@link GemmEpilogue},
 * whose comment and {@link GemmRef} define the arithmetic).
 *
 * @param scaleB device floats: N per-channel scales, or 1 per-tensor scale
 * @param colSumB device ints {@code sum_k B[n, k]} (N); needed only when {@code zeroPointA != 0}
 * @param bias device floats (N) or null
 * @param out output quantization (int8), or null for an FP32 output
 */
public record NtEpilogue(
    float scaleA, DeviceBuffer scaleB, boolean scaleBPerChannel, int zeroPointA, DeviceBuffer colSumB,
    DeviceBuffer bias, Activation activation, QuantParams out, Rounding rounding, long seed) {

  public NtEpilogue {
    if (scaleB == null) {
      throw new IllegalArgumentException("scaleB is required");
    }
    if (zeroPointA != 0 && colSumB == null) {
      throw new IllegalArgumentException("an asymmetric A (zero point " + zeroPointA + ") needs colSumB");
    }
    if (out != null && (out.grid().bits() > 8 || out.channels() != 1)) {
      throw new IllegalArgumentException("the GEMM writes per-tensor int8 codes: got " + out);
    }
    activation = activation == null ? Activation.NONE : activation;
    rounding = rounding == null ? Rounding.NEAREST : rounding;
  }

  /**
   * Uploads a host epilogue's vectors into {@code arena}; the column sums of B (N, K) are computed
   * on the device ({@code rowsum_s8}) when A is asymmetric.
   */
  public static NtEpilogue upload(CudaKernels kernels, DeviceScope arena, GemmEpilogue e, DeviceBuffer b, int n, int k) {
    e.check(n);
    DeviceBuffer scaleB = arena.upload(e.scaleB());
    DeviceBuffer bias = e.bias() == null ? null : arena.upload(e.bias());
    DeviceBuffer colSum = null;
    if (e.zeroPointA() != 0) {
      colSum = arena.ints(n);
      kernels.rowSumS8(b, n, k, colSum);
    }
    return new NtEpilogue(e.scaleA(), scaleB, e.perChannel(), e.zeroPointA(), colSum, bias, e.activation(),
        e.out(), e.rounding(), e.seed());
  }

  /** How many per-channel vectors the epilogue reads (for the traffic count). */
  int perChannelVectors() {
    return (scaleBPerChannel ? 1 : 0) + (zeroPointA != 0 ? 1 : 0) + (bias != null ? 1 : 0);
  }
}
