package io.hindsight.cuda;

import io.hindsight.device.DeviceBuffer;
import io.hindsight.device.KernelArgs;
import io.hindsight.quant.math.QuantParams;
import io.hindsight.quant.math.Rounding;
import io.hindsight.quant.math.SteMaskBits;

/**
 * A producer kernel's quantized output ({@code HS_QOUT_PARAMS} of hs_common.cuh): where the int8
 * codes go, an optional STE mask, the per-tensor parameters the estimator fixed before the step,
 * the rounding (stochastic with its {@link io.hindsight.util.CounterRng} key) and the statistics
 * slot the kernel merges into. {@link #NONE}: the kernel writes no quantized output.
 *
 * @param q int8 codes (one per element)
 * @param mask nullable: the clipping STE's mask buffer, one bit per element and a summary bit per word
 *     ({@link SteMaskBits}), zero before the launch; the kernel sets the bits of the clipped and
 *     non-finite values and the summary bits of their words
 * @param params per-tensor parameters (8 bits or fewer)
 * @param stats nullable {@code HsStats} slot
 */
public record QuantOut(DeviceBuffer q, DeviceBuffer mask, QuantParams params, Rounding rounding, long key,
    DeviceBuffer stats) {
  /** No quantized output. */
  public static final QuantOut NONE = new QuantOut(null, null, null, Rounding.NEAREST, 0, null);

  public QuantOut {
    if (q != null && (params == null || params.channels() != 1 || params.grid().bits() > 8)) {
      throw new IllegalArgumentException("a quantized output needs per-tensor parameters of at most 8 bits, got "
          + params);
    }
  }

  public boolean present() {
    return q != null;
  }

  /**
   * Bytes written per element: the code. The mask's bits are set only at the clipped and
   * non-finite values, a count known after the step ({@code DeviceQuantization.endStep}).
   */
  long bytesPerElement() {
    return q == null ? 0 : 1;
  }

  /** Appends the ten {@code HS_QOUT_PARAMS} arguments. */
  KernelArgs append(KernelArgs a) {
    return append(a, "q");
  }

  /**
   * Appends the ten arguments of a quantized output whose parameters are named {@code p}, {@code
   * pMask}, {@code pScale}, ... ({@code "q"}: {@code HS_QOUT_PARAMS}; {@code "q2"}: {@code HS_QOUT2_PARAMS}).
   */
  KernelArgs append(KernelArgs a, String p) {
    DeviceBuffer m = q == null ? null : mask;
    return a.ptr(p, q).ptr(p + "Mask", m)
        .f32(p + "Scale", q == null ? 1f : params.scale(0)).i32(p + "ZeroPoint", q == null ? 0 : params.zeroPoint(0))
        .i32(p + "Lo", q == null ? 0 : params.lo(0)).i32(p + "Hi", q == null ? 0 : params.hi(0))
        .flag(p + "Stochastic", q != null && rounding == Rounding.STOCHASTIC).i64(p + "Key", key)
        .ptr(p + "Stats", q == null ? null : stats).ptr(p + "MaskSummary", m == null ? null : summary(m));
  }

  /** The summary words of a mask buffer ({@link SteMaskBits}: after its {@code W} words). */
  static DeviceBuffer summary(DeviceBuffer mask) {
    long w = SteMaskBits.wordsOfBuffer(mask.bytes());
    return mask.slice(SteMaskBits.WORD_BYTES * w, mask.bytes() - SteMaskBits.WORD_BYTES * w);
  }
}
