package io.hindsight.quant.estimator;

import io.hindsight.quant.math.Range;
import java.util.Map;

/** Reading estimator state maps with clear errors. */
final class StateMaps {
  private StateMaps() {}

  static double[] required(Map<String, double[]> state, String key, EstimatorType type) {
    double[] v = state.get(key);
    if (v == null) {
      throw new IllegalArgumentException(type + " estimator state lacks '" + key + "' (has " + state.keySet() + ")");
    }
    return v;
  }

  static double scalar(Map<String, double[]> state, String key, EstimatorType type) {
    double[] v = required(state, key, type);
    if (v.length != 1) {
      throw new IllegalArgumentException(type + " estimator state '" + key + "' must hold one value, has " + v.length);
    }
    return v[0];
  }

  /** The range stored under two keys, null when neither is present. */
  static Range optionalRange(Map<String, double[]> state, String minKey, String maxKey, EstimatorType type) {
    double[] min = state.get(minKey);
    double[] max = state.get(maxKey);
    if (min == null && max == null) {
      return null;
    }
    if (min == null || max == null) {
      throw new IllegalArgumentException(type + " estimator state has only one of '" + minKey + "' and '" + maxKey + "'");
    }
    return Range.of(min, max);
  }

  static void putRange(Map<String, double[]> state, String minKey, String maxKey, Range range) {
    if (range != null) {
      state.put(minKey, range.mins());
      state.put(maxKey, range.maxs());
    }
  }
}
