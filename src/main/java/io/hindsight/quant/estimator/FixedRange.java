package io.hindsight.quant.estimator;

import io.hindsight.quant.math.ChannelStats;
import io.hindsight.quant.math.Range;
import java.util.Map;

/**
 * {@code fixed} (static): {@code r_t = [min, max]}, given by the user, on every channel and step.
 * A symmetric quantizer uses {@code ±max(|min|, |max|)}; an asymmetric one widens it to contain 0.
 */
public final class FixedRange extends AbstractRangeEstimator {
  private final double min;
  private final double max;

  public FixedRange(double min, double max) {
    super(EstimatorType.FIXED);
    if (!(Double.isFinite(min) && Double.isFinite(max) && min < max)) {
      throw new IllegalArgumentException("fixed range needs finite min < max, got [" + min + ", " + max + "]");
    }
    this.min = min;
    this.max = max;
  }

  @Override
  public boolean needsCurrentStats(boolean training) {
    return false;
  }

  @Override
  protected Range estimate(RangeRequest request) {
    return Range.uniform(request.channels(), min, max);
  }

  @Override
  protected void learn(ChannelStats observed, Range used) {
    // the range never changes
  }

  @Override
  protected void saveState(Map<String, double[]> state) {}

  @Override
  protected void restoreState(Map<String, double[]> state) {}
}
