package io.hindsight.cuda;

import io.hindsight.quant.math.QuantParams;
import io.hindsight.quant.math.Rounding;

/**
 * What the INT8 NT GEMM does with each INT32 accumulator {@code acc(m, n)} (see {@link GemmRef}):
 * dequantize with {@code scaleA * scaleB[n]} after the zero-point correction of A, add
 * {@code bias[n]}, apply the activation, record statistics, then either re-quantize with
 * {@code out} (the in-hindsight range of this output) or, when {@code out} is null, keep FP32.
 *
 * @param scaleA per-tensor scale of A
 * @param scaleB per-channel scales of B (length N) or one per-tensor scale (length 1)
 * @param zeroPointA zero point of A (0 when A is symmetric)
 * @param bias per-channel bias (length N) or null
 * @param activation fused activation
 * @param out per-tensor quantization of the output (int8), or null for an FP32 output
 * @param rounding rounding of the output levels
 * @param seed stochastic rounding's {@link io.hindsight.util.CounterRng} key; the element index is {@code m * N + n}
 */
public record GemmEpilogue(
    float scaleA, float[] scaleB, int zeroPointA, float[] bias, Activation activation,
    QuantParams out, Rounding rounding, long seed) {

  public GemmEpilogue {
    if (scaleB == null || scaleB.length == 0) {
      throw new IllegalArgumentException("scaleB must hold one per-tensor or N per-channel scales");
    }
    if (out != null && (out.grid().bits() > 8 || out.channels() != 1)) {
      throw new IllegalArgumentException("the GEMM writes per-tensor int8 codes: got " + out);
    }
    activation = activation == null ? Activation.NONE : activation;
    rounding = rounding == null ? Rounding.NEAREST : rounding;
  }

  /** Whether {@code scaleB} holds one scale per output channel. */
  public boolean perChannel() {
    return scaleB.length > 1;
  }

  /** Checks the per-channel arrays against {@code n} output channels. */
  void check(int n) {
    if (scaleB.length != 1 && scaleB.length != n) {
      throw new IllegalArgumentException("scaleB has " + scaleB.length + " scales for " + n + " channels");
    }
    if (bias != null && bias.length != n) {
      throw new IllegalArgumentException("bias has " + bias.length + " values for " + n + " channels");
    }
  }
}
