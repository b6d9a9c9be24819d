package io.hindsight.quant.estimator;

import io.hindsight.quant.math.ChannelStats;
import io.hindsight.quant.math.Range;
import java.util.Map;

/**
 * {@code hindsight-ema} (static, Fournarakis &amp; Nagel 2021, "in-hindsight with momentum"):
 * {@code r_t = m * r_{t-1} + (1 - m) * s_{t-1}} (min and max separately, per channel), where
 * {@code r_{t-1}} is the range used at step {@code t-1} and {@code s_{t-1}} the statistics
 * observed while quantizing with it. Momentum {@code m} defaults to 0.9. Step 0 warms up (see
 * {@link Warmup}): with dynamic warm-up {@code r_0 = s_0} and so {@code r_1 = s_0}.
 */
public final class HindsightEma extends StaticRangeEstimator {
  public static final double DEFAULT_MOMENTUM = 0.9;
  private static final String MIN = "next.min";
  private static final String MAX = "next.max";

  private final double momentum;
  private Range next;

  public HindsightEma(double momentum, Warmup warmup, double initialMin, double initialMax) {
    this(momentum, warmup, PAPER_WARMUP_STEPS, initialMin, initialMax);
  }

  /** @param warmupSteps training steps of dynamic warm-up ({@link StaticRangeEstimator}) */
  public HindsightEma(double momentum, Warmup warmup, int warmupSteps, double initialMin, double initialMax) {
    super(EstimatorType.HINDSIGHT_EMA, warmup, warmupSteps, initialMin, initialMax);
    DynamicRanges.checkMomentum(momentum);
    this.momentum = momentum;
  }

  public double momentum() {
    return momentum;
  }

  @Override
  protected Range pastEstimate() {
    return next;
  }

  @Override
  protected void learn(ChannelStats observed, Range used) {
    next = Ema.blend(used, observed.finiteRange(), momentum);
  }

  @Override
  protected void saveState(Map<String, double[]> state) {
    StateMaps.putRange(state, MIN, MAX, next);
  }

  @Override
  protected void restoreState(Map<String, double[]> state) {
    next = StateMaps.optionalRange(state, MIN, MAX, type());
  }
}
