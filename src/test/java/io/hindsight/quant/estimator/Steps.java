package io.hindsight.quant.estimator;

import io.hindsight.quant.math.ChannelStats;
import io.hindsight.quant.math.FakeQuant;
import io.hindsight.quant.math.QuantGrid;
import io.hindsight.quant.math.QuantParams;
import io.hindsight.quant.math.Range;
import io.hindsight.quant.math.Rounding;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/** Drives an estimator through the quantizer protocol, as {@code TensorQuantizer} does. */
final class Steps {
  static final QuantGrid GRID = new QuantGrid(8, true);

  private Steps() {}

  /** One training step on a per-tensor tensor; returns the range used. */
  static Range train(RangeEstimator e, float... values) {
    return step(e, true, 1, values);
  }

  /** One evaluation step; returns the range used. */
  static Range eval(RangeEstimator e, float... values) {
    return step(e, false, 1, values);
  }

  static Range step(RangeEstimator e, boolean training, int channels, float[] values) {
    ChannelStats current = e.needsCurrentStats(training) ? FakeQuant.stats(values, channels) : null;
    Range r = e.range(new RangeRequest(channels, current, current == null ? null : values, training));
    ChannelStats observed = FakeQuant.quantize(values, new float[values.length], QuantParams.of(GRID, r),
        Rounding.NEAREST, 0L, null);
    if (training) {
      e.update(observed, r);
    }
    return r;
  }

  /** A comparable view of a state map. */
  static Map<String, String> view(Map<String, double[]> state) {
    Map<String, String> m = new TreeMap<>();
    state.forEach((k, v) -> m.put(k, Arrays.toString(v)));
    return m;
  }

  static RangeEstimator create(EstimatorType type) {
    return RangeEstimators.create(type, GRID, 0.9, 4, 0, Warmup.DYNAMIC, -1, 1);
  }
}
