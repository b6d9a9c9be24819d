package io.hindsight.quant.estimator;

import io.hindsight.quant.math.ChannelStats;
import io.hindsight.quant.math.Range;
import java.util.Map;

/**
 * {@code current-minmax} (dynamic): {@code r_t = s_t}, the min and max of the tensor being
 * quantized (per channel for per-channel quantizers). Needs a statistics pass over the
 * full-precision tensor before quantizing it. Stateless apart from the non-finite fallback.
 */
public final class CurrentMinMax extends AbstractRangeEstimator {

  public CurrentMinMax() {
    super(EstimatorType.CURRENT_MINMAX);
  }

  @Override
  public boolean needsCurrentStats(boolean training) {
    return true;
  }

  @Override
  protected Range estimate(RangeRequest request) {
    return DynamicRanges.requireCurrent(request, type()).finiteRange();
  }

  @Override
  protected void learn(ChannelStats observed, Range used) {
    // nothing to learn: the next range is the next tensor's own
  }

  @Override
  protected void saveState(Map<String, double[]> state) {}

  @Override
  protected void restoreState(Map<String, double[]> state) {}
}
