package io.hindsight.quant.estimator;

import io.hindsight.quant.math.Range;

/** The exponential moving average of ranges, channel by channel. */
final class Ema {
  private Ema() {}

  /** {@code m * previous + (1 - m) * observed}, min and max separately. */
  static Range blend(Range previous, Range observed, double m) {
    if (previous.channels() != observed.channels()) {
      throw new IllegalStateException(
          "cannot average a range of " + previous.channels() + " channels with one of " + observed.channels());
    }
    int c = previous.channels();
    double[] min = new double[c];
    double[] max = new double[c];
    for (int i = 0; i < c; i++) {
      min[i] = m * previous.min(i) + (1 - m) * observed.min(i);
      max[i] = m * previous.max(i) + (1 - m) * observed.max(i);
    }
    return Range.of(min, max);
  }
}
