package io.hindsight.device.nn;

import io.hindsight.device.DeviceTensor;
import io.hindsight.device.nn.DeviceQuantization.ActivationQuantizer;
import io.hindsight.device.nn.DeviceQuantization.WeightQuantizer;

/**
 * What the quantized device layers share: their three quantizers and how an input reaches them as
 * int8 codes (written by the producing kernel for this layer's activation quantizer, or quantized
 * here from the full-precision tensor), likewise the incoming gradient.
 */
abstract class QuantizedLayer implements DeviceLayer {
  final ActivationQuantizer input;
  final WeightQuantizer weight;
  final ActivationQuantizer gradient;
  /** Whether backward computes the input gradient (not for the layer reading the model's input: {@code QuantRoutes#inputGradient}). */
  final boolean inputGradient;

  QuantizedLayer(ActivationQuantizer input, WeightQuantizer weight, ActivationQuantizer gradient,
      boolean inputGradient) {
    this.input = input;
    this.weight = weight;
    this.gradient = gradient;
    this.inputGradient = inputGradient;
  }

  /** The quantizer of this layer's input activation (the producer of the input writes codes for it). */
  ActivationQuantizer inputQuantizer() {
    return input;
  }

  /** The quantizer of the gradient arriving at this layer (the producer of that gradient writes codes for it). */
  ActivationQuantizer gradientQuantizer() {
    return gradient;
  }

  /** The codes of {@code t} for {@code q}: the producer's when it wrote them for q, else quantized here. */
  static DeviceTensor.Quantized codes(DeviceTensor t, ActivationQuantizer q, StepContext step) {
    DeviceTensor.Quantized form = t.quantized(q);
    if (form != null) {
      return form;
    }
    if (!t.hasFloats()) {
      throw new IllegalStateException(q.host().name() + ": received int8 codes of another quantizer and no floats");
    }
    return q.quantize(t, step);
  }
}
