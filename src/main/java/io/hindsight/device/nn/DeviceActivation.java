package io.hindsight.device.nn;

import io.hindsight.device.DeviceTensor;
import io.hindsight.nn.Activation;

/**
 * {@link Activation} (ReLU, ReLU6) on the device ({@code relu_fwd/bwd}, or, producing codes for a
 * quantized consumer, {@code act_quant_fwd} / {@code act_bwd_quant}). Saves the input.
 */
final class DeviceActivation implements DeviceLayer, QuantProducer {
  private final Activation host;
  private DeviceQuantization.ActivationQuantizer consumer;
  private boolean floatNeeded;
  private DeviceQuantization.ActivationQuantizer gradientConsumer;
  private DeviceTensor savedX;

  DeviceActivation(Activation host) {
    this.host = host;
  }

  @Override
  public String name() {
    return host.name();
  }

  /** The activation's upper clamp (+Inf for ReLU). */
  float upper() {
    return host.upper();
  }

  @Override
  public boolean produceFor(DeviceQuantization.ActivationQuantizer c, boolean floatNeeded) {
    if (consumer != null && consumer != c) {
      return false; // its kernel writes one set of codes
    }
    this.consumer = c;
    this.floatNeeded = floatNeeded;
    return true;
  }

  @Override
  public boolean produceGradientFor(DeviceQuantization.ActivationQuantizer c) {
    this.gradientConsumer = c;
    return true;
  }

  @Override
  public DeviceTensor forward(DeviceTensor x, boolean training, StepContext step) {
    savedX = x;
    DeviceQuantization.ActivationQuantizer.Fused f = consumer == null ? null : consumer.fusedTarget(step, x.size());
    if (f == null) {
      DeviceTensor y = step.floats(name() + " output", x.shape());
      step.kernels().reluForward(x.buffer(), y.buffer(), x.size(), host.upper());
      return y;
    }
    DeviceTensor y = floatNeeded ? step.floats(name() + " output", x.shape()) : null;
    step.kernels().actQuantForward(x.buffer(), y == null ? null : y.buffer(), x.size(), true, host.upper(), f.out());
    return y == null ? DeviceTensor.codes(f.form(), x.shape()) : y.withQuantized(f.form());
  }

  @Override
  public DeviceTensor backward(DeviceTensor dY, StepContext step) {
    if (savedX == null) {
      throw new IllegalStateException(name() + ": backward called before forward");
    }
    dY.requireShape(name() + " dY", savedX.shape());
    DeviceQuantization.ActivationQuantizer.Fused f = gradientConsumer == null ? null
        : gradientConsumer.fusedTarget(step, dY.size());
    if (f != null) {
      step.kernels().actBackwardQuant(savedX.buffer(), null, dY.buffer(), null, dY.size(), host.upper(), f.out());
      return DeviceTensor.codes(f.form(), dY.shape());
    }
    DeviceTensor dX = step.floats(name() + " dX", dY.shape());
    step.kernels().reluBackward(savedX.buffer(), dY.buffer(), dX.buffer(), dY.size(), host.upper());
    return dX;
  }
}
