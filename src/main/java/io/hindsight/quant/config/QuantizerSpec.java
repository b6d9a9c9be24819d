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
    boolean steClip) {

  public QuantGrid grid() {
    return new QuantGrid(bits, symmetric);
  }

  public boolean perChannel() {
    return granularity == Granularity.PER_CHANNEL;
  }

  /** A fresh estimator with this spec's parameters. */
  public RangeEstimator newEstimator() {
    return RangeEstimators.create(estimator, grid(), momentum, historyLength, margin, warmup, min, max);
  }

  /** A resolved spec of {@code kind} built from the built-in defaults (validated). */
  public static QuantizerSpec defaults(QuantKind kind) {
    return SpecResolver.resolve(kind, null, JsonPaths.child(JsonPaths.ROOT, kind.section()), null, null);
  }
}
