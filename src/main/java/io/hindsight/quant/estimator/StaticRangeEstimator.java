package io.hindsight.quant.estimator;

import io.hindsight.quant.math.ChannelStats;
import io.hindsight.quant.math.Range;

/**
 * A static estimator that learns from past statistics: once it has learned anything, its range
 * comes from {@link #pastEstimate()} alone and it never asks for the current tensor. Before that
 * it warms up: {@link Warmup#DYNAMIC} uses the current tensor's statistics (a dynamic step),
 * {@link Warmup#FIXED} a given initial range.
 */
public abstract class StaticRangeEstimator extends AbstractRangeEstimator {
  private final Warmup warmup;
  private final double initialMin;
  private final double initialMax;

  /**
   * @param initialMin the warm-up range minimum, used only with {@link Warmup#FIXED}
   * @param initialMax the warm-up range maximum, used only with {@link Warmup#FIXED}
   */
  protected StaticRangeEstimator(EstimatorType type, Warmup warmup, double initialMin, double initialMax) {
    super(type);
    if (!type.isStatic()) {
      throw new IllegalArgumentException(type + " is not a static estimator");
    }
    if (warmup == Warmup.FIXED && !(initialMin < initialMax && Double.isFinite(initialMin) && Double.isFinite(initialMax))) {
      throw new IllegalArgumentException(
          "fixed warm-up needs a finite initial range with min < max, got [" + initialMin + ", " + initialMax + "]");
    }
    this.warmup = warmup;
    this.initialMin = initialMin;
    this.initialMax = initialMax;
  }

  public Warmup warmup() {
    return warmup;
  }

  /** The range learned from earlier steps, or null before the first finite observation. */
  protected abstract Range pastEstimate();

  @Override
  public final boolean needsCurrentStats(boolean training) {
    return pastEstimate() == null && warmup == Warmup.DYNAMIC;
  }

  @Override
  protected final Range estimate(RangeRequest request) {
    Range past = pastEstimate();
    if (past != null) {
      if (past.channels() != request.channels()) {
        throw new IllegalStateException(type() + " estimator learned " + past.channels()
            + " channels but was asked for " + request.channels());
      }
      return past;
    }
    if (warmup == Warmup.FIXED) {
      return Range.uniform(request.channels(), initialMin, initialMax);
    }
    if (request.current() == null) {
      throw new IllegalStateException(type() + " estimator warms up dynamically and needs the current statistics");
    }
    return warmupRange(request.current());
  }

  /** The dynamic warm-up range from the current statistics; the finite {@code [min, max]} by default. */
  protected Range warmupRange(ChannelStats current) {
    return current.finiteRange();
  }
}
