package io.hindsight.onnx;

import io.hindsight.quant.TensorQuantizer;
import io.hindsight.quant.math.ChannelStats;
import io.hindsight.quant.math.FakeQuant;
import io.hindsight.quant.math.QuantGrid;
import io.hindsight.quant.math.QuantParams;
import io.hindsight.tensor.Tensor;

/**
 * The fixed quantization an evaluation-mode forward applies, in the form a QDQ graph stores it:
 * the parameters ({@link QuantParams}: scale, zero point) an evaluation step of a
 * {@link TensorQuantizer} plans, and for weights their INT8 codes. Codes come from
 * {@link FakeQuant#level} (the one quantization formula) plus the zero point, so
 * {@code DequantizeLinear} gives back exactly the values our forward multiplies with.
 */
final class QuantizedTensors {
  /** Codes fit ONNX's int8 tensors up to this many bits. */
  static final int MAX_BITS = 8;

  private QuantizedTensors() {}

  /** INT8 codes of a weight tensor (row-major) and the parameters of their channels (axis 0). */
  record Weights(byte[] codes, QuantParams params) {}

  /**
   * The parameters an activation quantizer uses in evaluation: its current estimate, per tensor.
   *
   * @throws OnnxExportException for a range that depends on each batch (a dynamic estimator) or more than 8 bits
   */
  static QuantParams activation(TensorQuantizer q) {
    requireInt8(q);
    if (q.spec().perChannel()) {
      throw new OnnxExportException(q.name() + ": per-channel activation ranges have no QDQ form");
    }
    if (q.needsCurrentStats(false)) {
      throw new OnnxExportException(q.name() + ": the " + q.spec().estimator().id() + " estimator has no fixed "
          + "range in evaluation (it takes each batch's own range, or has not left its dynamic warm-up), while a "
          + "QDQ graph needs a fixed one; train with a static estimator (e.g. hindsight-minmax) to export this model");
    }
    return q.plan(false, 1, null, null).params();
  }

  /** The weights {@code w} as the quantizer's evaluation step quantizes them. */
  static Weights weights(TensorQuantizer q, Tensor w) {
    requireInt8(q);
    float[] x = w.data();
    int channels = q.spec().perChannel() ? w.dim(0) : 1;
    ChannelStats stats = q.needsCurrentStats(false) ? FakeQuant.stats(x, channels) : null;
    QuantParams p = q.plan(false, channels, stats, stats == null ? null : x).params();
    byte[] codes = new byte[x.length];
    int inner = x.length / channels;
    for (int c = 0; c < channels; c++) {
      float scale = p.scale(c);
      float lo = p.lo(c);
      float hi = p.hi(c);
      for (int i = c * inner; i < (c + 1) * inner; i++) {
        float level = Float.isFinite(x[i]) ? FakeQuant.level(x[i], scale, lo, hi, false, 0L, i)
            : FakeQuant.nonFiniteLevel(x[i], lo, hi);
        codes[i] = (byte) ((int) level + p.zeroPoint(c));
      }
    }
    return new Weights(codes, p);
  }

  /**
   * Whether {@code QuantizeLinear}'s int8 saturation ({@code [-128, 127]}) is narrower than the
   * grid's codes {@code [lo + zeroPoint, hi + zeroPoint]} allow, so that the graph must clip
   * first: symmetric grids ({@code [-127, 127]}), fewer than 8 bits, and zero-width ranges.
   */
  static boolean needsClip(QuantParams p, int c) {
    return p.lo(c) + p.zeroPoint(c) != -128 || p.hi(c) + p.zeroPoint(c) != 127;
  }

  static float[] scales(QuantParams p) {
    float[] s = new float[p.channels()];
    for (int c = 0; c < s.length; c++) {
      s[c] = p.scale(c);
    }
    return s;
  }

  static byte[] zeroPoints(QuantParams p) {
    byte[] z = new byte[p.channels()];
    for (int c = 0; c < z.length; c++) {
      z[c] = (byte) p.zeroPoint(c);
    }
    return z;
  }

  private static void requireInt8(TensorQuantizer q) {
    QuantGrid g = q.spec().grid();
    if (g.bits() > MAX_BITS) {
      throw new OnnxExportException(q.name() + ": " + g.bits() + "-bit codes do not fit ONNX int8 tensors "
          + "(export supports 2 to " + MAX_BITS + " bits)");
    }
  }
}
