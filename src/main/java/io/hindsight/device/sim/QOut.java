package io.hindsight.device.sim;

import io.hindsight.cuda.QuantizeRef;
import io.hindsight.quant.math.FakeQuant;
import io.hindsight.quant.math.SteMaskBits;

/**
 * The reference of a producer's quantized output ({@code HS_QOUT_PARAMS} and {@code hs_qout_put}
 * in hs_common.cuh): int8 codes by {@link FakeQuant#level} plus the zero point, the STE mask's
 * stopped bits and their words' summary bits set ({@link SteMaskBits}: zero before the launch), and statistics
 * merged as the kernels' atomics do (order-independent). Absent when the launch passes no {@code q}.
 */
final class QOut {
  private final View q;
  private final View mask;
  private final View maskSummary;
  private final View stats;
  private final float scale;
  private final int zeroPoint;
  private final float lo;
  private final float hi;
  private final boolean stochastic;
  private final long key;
  private final KeyStats seen = new KeyStats();
  private long clipped;

  private QOut(SimLaunch l, String p) {
    this.q = l.view(p);
    this.mask = l.view(p + "Mask");
    this.maskSummary = l.view(p + "MaskSummary");
    if (mask != null && maskSummary == null) {
      throw new IllegalArgumentException(p + "Mask without " + p + "MaskSummary");
    }
    this.stats = l.view(p + "Stats");
    this.scale = l.f32(p + "Scale");
    this.zeroPoint = l.i32(p + "ZeroPoint");
    this.lo = l.i32(p + "Lo");
    this.hi = l.i32(p + "Hi");
    this.stochastic = l.flag(p + "Stochastic");
    this.key = l.i64(p + "Key");
  }

  /** The launch's quantized output ({@code HS_QOUT_PARAMS}). */
  static QOut of(SimLaunch l) {
    return new QOut(l, "q");
  }

  /**
   * The launch's quantized output whose parameters are named {@code p}, {@code pMask}, ...
   * ({@code HS_QOUT2_PARAMS}: "q2").
   */
  static QOut of(SimLaunch l, String p) {
    return new QOut(l, p);
  }

  /**
   * An output with the given parameters (a channel's of {@code quantize_channels}, a row's of
   * {@code quantize_weights_t}), no mask; statistics merged by {@link #commitTo}.
   */
  QOut(View q, float scale, int zeroPoint, int lo, int hi, boolean stochastic, long key) {
    this.q = q;
    this.mask = null;
    this.maskSummary = null;
    this.stats = null;
    this.scale = scale;
    this.zeroPoint = zeroPoint;
    this.lo = lo;
    this.hi = hi;
    this.stochastic = stochastic;
    this.key = key;
  }

  /**
   * Quantizes value {@code v} of flat element {@code idx} into the output (when there is one) and its
   * statistics ({@code hs_qout_put}); returns the code stored (0 without an output).
   */
  byte put(long idx, float v) {
    if (q == null) {
      return 0;
    }
    byte code = (byte) QuantizeRef.code(v, scale, zeroPoint, lo, hi, stochastic, key, idx);
    if (seen.add(v)) {
      if (FakeQuant.clipped(v / scale, lo, hi)) {
        clipped++;
        stop(idx);
      }
    } else {
      stop(idx);
    }
    q.putB(idx, code);
    return code;
  }

  /**
   * hs_mask_stop: sets element {@code idx}'s bit of the mask (when there is one) and, when its word
   * was zero, the word's summary bit.
   */
  private void stop(long idx) {
    if (mask != null) {
      long word = idx / SteMaskBits.BITS_PER_WORD;
      int before = mask.getI(word);
      mask.putI(word, before | 1 << (int) (idx % SteMaskBits.BITS_PER_WORD));
      if (before == 0) {
        long s = word / SteMaskBits.BITS_PER_WORD;
        maskSummary.putI(s, maskSummary.getI(s) | 1 << (int) (word % SteMaskBits.BITS_PER_WORD));
      }
    }
  }

  /** Merges the statistics into the launch's {@code qStats} (when there is a quantized output). */
  void commit() {
    if (q != null && stats != null) {
      seen.mergeInto(stats, 0, clipped);
    }
  }

  /** Merges the statistics into {@code target[index]}. */
  void commitTo(View target, int index) {
    if (q != null && target != null) {
      seen.mergeInto(target, index, clipped);
    }
  }
}
