package io.hindsight.quant;

import io.hindsight.nn.QuantHooks;
import io.hindsight.tensor.Tensor;

/**
 * The {@link QuantHooks} of one Linear/Conv2d layer: its weight, activation and gradient
 * quantizers (a null quantizer leaves that tensor in full precision).
 * <ul>
 *   <li>{@link #input}: the activation quantizer, in training and in evaluation (evaluation uses
 *       the current estimate and leaves the estimator unchanged);
 *   <li>{@link #weight}: the weight quantizer (the weight gradient reaches the full-precision
 *       weights unchanged: the identity straight-through estimator);
 *   <li>{@link #gradient}: the gradient quantizer on {@code dY}, with the configured rounding;
 *   <li>{@link #backwardWeight}: per-channel weights re-quantized per tensor for the input gradient
 *       of a dense layer, whose reduction axis is the weights' channel axis (the scheme the integer
 *       product on the device needs, applied here too so that both compute the same thing);
 *   <li>{@link #inputGradient}: the straight-through estimator of the activation quantizer:
 *       identity, or, with {@code steClip}, zero where the training input was clipped (outside the
 *       representable range) or non-finite. Works in place on {@code dX}.
 * </ul>
 */
public final class LayerQuantHooks implements QuantHooks {
  private final String layer;
  private final TensorQuantizer weight;
  private final TensorQuantizer activation;
  private final TensorQuantizer gradient;
  private final ClipMask clipMask; // null unless the activation quantizer uses the clipping STE

  LayerQuantHooks(String layer, TensorQuantizer weight, TensorQuantizer activation, TensorQuantizer gradient) {
    this.layer = layer;
    this.weight = weight;
    this.activation = activation;
    this.gradient = gradient;
    this.clipMask = activation != null && activation.spec().steClip() ? new ClipMask() : null;
  }

  public String layer() {
    return layer;
  }

  /** The weight quantizer, or null (full precision). */
  public TensorQuantizer weightQuantizer() {
    return weight;
  }

  /** The activation quantizer, or null (full precision). */
  public TensorQuantizer activationQuantizer() {
    return activation;
  }

  /** The gradient quantizer, or null (full precision). */
  public TensorQuantizer gradientQuantizer() {
    return gradient;
  }

  @Override
  public Tensor input(Tensor x, boolean training) {
    if (activation == null) {
      return x;
    }
    if (clipMask == null) {
      return activation.quantize(x, training);
    }
    if (!training) {
      clipMask.invalidate();
      return activation.quantize(x, false);
    }
    return activation.quantize(x, true, clipMask.prepare(x.size()));
  }

  @Override
  public Tensor weight(Tensor w, boolean training) {
    return weight == null ? w : weight.quantize(w, training);
  }

  @Override
  public Tensor gradient(Tensor dY) {
    return gradient == null ? dY : gradient.quantize(dY, true);
  }

  @Override
  public Tensor backwardWeight(Tensor forwardWeight, Tensor w, boolean channelsReduced) {
    if (weight == null || !channelsReduced || !weight.spec().perChannel()) {
      return forwardWeight;
    }
    return weight.requantizePerTensor(w);
  }

  @Override
  public Tensor inputGradient(Tensor dX) {
    return clipMask == null ? dX : clipMask.apply(layer, dX);
  }
}
