package io.hindsight.quant.estimator;

import io.hindsight.quant.math.ChannelStats;
import io.hindsight.quant.math.Range;
import java.util.Map;

/**
 * {@code hindsight-minmax} (static, Fournarakis &amp; Nagel 2021): {@code r_t = s_{t-1}}, the min
 * and max observed while quantizing the previous tensor of this quantizer. The range of step
 * {@code t} is fixed before the tensor of step {@code t} exists, so the producing kernel can write
 * the low-bit tensor directly and only report its min/max. Step 0 warms up (see {@link Warmup}).
 */
public final class HindsightMinMax extends StaticRangeEstimator {
  private static final String MIN = "previous.min";
  private static final String MAX = "previous.max";

  private Range previous;

  public HindsightMinMax(Warmup warmup, double initialMin, double initialMax) {
    this(warmup, PAPER_WARMUP_STEPS, initialMin, initialMax);
  }

  /** @param warmupSteps training steps of dynamic warm-up ({@link StaticRangeEstimator}) */
  public HindsightMinMax(Warmup warmup, int warmupSteps, double initialMin, double initialMax) {
    super(EstimatorType.HINDSIGHT_MINMAX, warmup, warmupSteps, initialMin, initialMax);
  }

  @Override
  protected Range pastEstimate() {
    return previous;
  }

  @Override
  protected void learn(ChannelStats observed, Range used) {
    previous = observed.finiteRange();
  }

  @Override
  protected void saveState(Map<String, double[]> state) {
    StateMaps.putRange(state, MIN, MAX, previous);
  }

  @Override
  protected void restoreState(Map<String, double[]> state) {
    previous = StateMaps.optionalRange(state, MIN, MAX, type());
  }
}
