package io.hindsight.quant.estimator;

import io.hindsight.quant.math.ChannelStats;
import io.hindsight.quant.math.Range;
import java.util.Map;

/**
 * {@code running-minmax} (dynamic): an exponential moving average that includes the current
 * batch, {@code r_t = m * r_{t-1} + (1 - m) * s_t} (min and max separately, per channel), with
 * {@code r_0 = s_0}; momentum {@code m} defaults to 0.9.
 *
 * <p>In evaluation it uses the running range {@code r_{t-1}} as it stands, without the current
 * batch (like BatchNorm's running statistics), so no statistics pass is needed; before any
 * training step it falls back to the current tensor's range.
 */
public final class RunningMinMax extends AbstractRangeEstimator {
  public static final double DEFAULT_MOMENTUM = 0.9;
  private static final String MIN = "running.min";
  private static final String MAX = "running.max";

  private final double momentum;
  private Range running;

  public RunningMinMax(double momentum) {
    super(EstimatorType.RUNNING_MINMAX);
    DynamicRanges.checkMomentum(momentum);
    this.momentum = momentum;
  }

  public double momentum() {
    return momentum;
  }

  @Override
  public boolean needsCurrentStats(boolean training) {
    return training || running == null;
  }

  @Override
  protected Range estimate(RangeRequest request) {
    if (!request.training() && running != null) {
      return running;
    }
    ChannelStats s = DynamicRanges.requireCurrent(request, type());
    if (running == null) {
      return s.finiteRange();
    }
    return Ema.blend(running, s.finiteRange(), momentum);
  }

  @Override
  protected void learn(ChannelStats observed, Range used) {
    running = used;
  }

  @Override
  protected void saveState(Map<String, double[]> state) {
    StateMaps.putRange(state, MIN, MAX, running);
  }

  @Override
  protected void restoreState(Map<String, double[]> state) {
    running = StateMaps.optionalRange(state, MIN, MAX, type());
  }
}
