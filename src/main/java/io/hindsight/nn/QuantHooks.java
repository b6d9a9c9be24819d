package io.hindsight.nn;

import io.hindsight.tensor.Tensor;

/**
 * Where fully quantized training plugs into a Linear or Conv2d layer: the input activation and
 * the weights are quantized before the forward product, the incoming gradient {@code dY} before
 * both backward products, and the input gradient passes the straight-through estimator of the
 * input quantizer. {@link #NONE} is full precision.
 */
public interface QuantHooks {

  /** Full precision: every hook is the identity. */
  QuantHooks NONE = new QuantHooks() {};

  /** The input activation as the layer's product will see it. */
  default Tensor input(Tensor x, boolean training) {
    return x;
  }

  /** The weights as the layer's product will see them. */
  default Tensor weight(Tensor w, boolean training) {
    return w;
  }

  /** The output gradient {@code dY} as both backward products will see it. */
  default Tensor gradient(Tensor dY) {
    return dY;
  }

  /**
   * The weights of the input-gradient product {@code dX = dY W}. An integer product cannot apply a
   * per-output-channel weight scale when the output channels are the reduction axis
   * ({@code channelsReduced}: a dense layer, not a depthwise one), so a per-channel weight
   * quantizer gives per-tensor codes here (the weights re-quantized with the envelope of the range
   * forward used); otherwise the weights forward used.
   *
   * @param forwardWeight the weights as the forward product saw them
   * @param weight the full-precision weights
   */
  default Tensor backwardWeight(Tensor forwardWeight, Tensor weight, boolean channelsReduced) {
    return forwardWeight;
  }

  /** Applies the input quantizer's straight-through estimator to {@code dX}. */
  default Tensor inputGradient(Tensor dX) {
    return dX;
  }
}
