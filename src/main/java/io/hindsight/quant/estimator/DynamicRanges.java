package io.hindsight.quant.estimator;

import io.hindsight.quant.math.ChannelStats;

/** Shared checks of the dynamic estimators. */
final class DynamicRanges {
  private DynamicRanges() {}

  static ChannelStats requireCurrent(RangeRequest request, EstimatorType type) {
    if (request.current() == null) {
      throw new IllegalStateException(type + " is dynamic and needs the current tensor's statistics");
    }
    return request.current();
  }

  static void checkMomentum(double momentum) {
    if (!(momentum >= 0 && momentum < 1)) {
      throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
    }
  }
}
