package io.hindsight.quant.config;

import io.hindsight.quant.estimator.EstimatorType;
import io.hindsight.quant.estimator.RangeEstimator;
import io.hindsight.quant.estimator.RangeEstimators;
import io.hindsight.quant.estimator.Warmup;
import io.hindsight.quant.math.QuantGrid;
import io.hindsight.quant.math.Rounding;

/**
 * The fully resolved and validated configuration of one quantizer (defaults and overrides
 * merged); see {@link TensorQuantConfig} for the meaning of each field. {@code min} and
 * {@code max} are NaN when not given.
 */
public record QuantizerSpec(
    boolean enabled,
    int bits,
    EstimatorType estimator,
    Granularity granularity,
    Rounding rounding,
    boolean symmetric,
    double momentum,
    int historyLength,
    int margin,
    double min,
    double max,
    Warmup warmup,
    boolean steClip,
    int warmupSteps) {

  /** Without {@code warmupSteps}: the paper's single dynamic warm-up step. */
  public QuantizerSpec(boolean enabled, int bits, EstimatorType estimator, Granularity granularity, Rounding rounding,
      boolean symmetric, double momentum, int historyLength, int margin, double min, double max, Warmup warmup,
      boolean steClip) {
    this(enabled, bits, estimator, granularity, rounding, symmetric, momentum, historyLength, margin, min, max, warmup,
        steClip, io.hindsight.quant.estimator.StaticRangeEstimator.PAPER_WARMUP_STEPS);
  }

  public QuantGrid grid() {
    return new QuantGrid(bits, symmetric);
  }

  public boolean perChannel() {
    return granularity == Granularity.PER_CHANNEL;
  }

  /** A fresh estimator with this spec's parameters. */
  public RangeEstimator newEstimator() {
    return RangeEstimators.create(estimator, grid(), momentum, historyLength, margin, warmup, warmupSteps, min, max);
  }

  /** A resolved spec of {@code kind} built from the built-in defaults (validated). */
  public static QuantizerSpec defaults(QuantKind kind) {
    return SpecResolver.resolve(kind, null, JsonPaths.child(JsonPaths.ROOT, kind.section()), null, null);
  }
}
