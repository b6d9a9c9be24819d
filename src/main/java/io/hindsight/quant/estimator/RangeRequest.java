package io.hindsight.quant.estimator;

import io.hindsight.quant.math.ChannelStats;

/**
 * What a range estimator may look at when asked for the range of the tensor about to be quantized.
 * The quantizer computes {@code current} (a statistics pass) and passes {@code values} only when
 * {@link RangeEstimator#needsCurrentStats(boolean)} said so; otherwise both are null, which is what
 * guarantees that a static estimator cannot use the statistics of step {@code t} at step {@code t}.
 *
 * @param channels 1 for per-tensor, {@code C} (axis 0) for per-channel quantization
 * @param current statistics of the tensor to quantize, or null
 * @param values the tensor's values (row-major, {@code channels} contiguous blocks), or null
 * @param training false in evaluation: the estimate is used but nothing is learned
 */
public record RangeRequest(int channels, ChannelStats current, float[] values, boolean training) {
  public RangeRequest {
    if (channels <= 0) {
      throw new IllegalArgumentException("channels must be positive, got " + channels);
    }
    if (current != null && current.channels() != channels) {
      throw new IllegalArgumentException(
          "statistics have " + current.channels() + " channels, request " + channels);
    }
  }

  /** A request for a static range (no current statistics). */
  public static RangeRequest withoutCurrent(int channels, boolean training) {
    return new RangeRequest(channels, null, null, training);
  }
}
