package io.hindsight.quant.estimator;

import io.hindsight.quant.math.QuantGrid;

/** Creates estimators from their parameters. */
public final class RangeEstimators {
  private RangeEstimators() {}

  /**
   * A new estimator of {@code type}; parameters it does not use are ignored.
   *
   * @param grid the quantizer's grid (used by {@code dsgc})
   * @param momentum for {@code running-minmax} and {@code hindsight-ema}
   * @param historyLength and {@code margin}: for {@code amax-history}
   * @param warmup for the static estimators that learn ({@code hindsight-*}, {@code amax-history})
   * @param min the fixed range (or the fixed warm-up range) minimum
   * @param max the fixed range (or the fixed warm-up range) maximum
   */
  public static RangeEstimator create(
      EstimatorType type, QuantGrid grid, double momentum, int historyLength, int margin, Warmup warmup,
      double min, double max) {
    return create(type, grid, momentum, historyLength, margin, warmup, StaticRangeEstimator.PAPER_WARMUP_STEPS, min,
        max);
  }

  /** As above, with {@code warmupSteps} training steps of dynamic warm-up for the static estimators that learn. */
  public static RangeEstimator create(
      EstimatorType type, QuantGrid grid, double momentum, int historyLength, int margin, Warmup warmup,
      int warmupSteps, double min, double max) {
    return switch (type) {
      case CURRENT_MINMAX -> new CurrentMinMax();
      case RUNNING_MINMAX -> new RunningMinMax(momentum);
      case HINDSIGHT_MINMAX -> new HindsightMinMax(warmup, warmupSteps, min, max);
      case HINDSIGHT_EMA -> new HindsightEma(momentum, warmup, warmupSteps, min, max);
      case AMAX_HISTORY -> new AmaxHistory(historyLength, margin, warmup, warmupSteps, min, max);
      case DSGC -> new Dsgc(grid);
      case FIXED -> new FixedRange(min, max);
    };
  }
}
