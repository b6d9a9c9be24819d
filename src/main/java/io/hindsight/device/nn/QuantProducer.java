package io.hindsight.device.nn;

import io.hindsight.device.nn.DeviceQuantization.ActivationQuantizer;

/**
 * A device layer whose forward kernel can write its output as int8 codes for the quantized layer
 * that consumes it (in-hindsight quantization in the producer: the full-precision output then never
 * reaches memory unless {@code floatNeeded}), and/or whose backward kernel can write its input
 * gradient as codes for the quantized layer before it. Wired once when the device model is built;
 * each step the consumer's quantizer says whether its range is static this step (fused) or not
 * (the producer writes floats, the consumer quantizes them).
 */
interface QuantProducer {

  /**
   * Forward: also write the output as codes for {@code consumer}; {@code floatNeeded} when another
   * consumer (a residual path) needs the full-precision output too. Returns whether this layer can
   * (a kernel writing one set of codes takes one consumer; a residual block's sum takes two).
   */
  default boolean produceFor(ActivationQuantizer consumer, boolean floatNeeded) {
    return false;
  }

  /** Backward: write the input gradient as codes for {@code consumer} (the gradient quantizer of the layer before). */
  default boolean produceGradientFor(ActivationQuantizer consumer) {
    return false;
  }
}
