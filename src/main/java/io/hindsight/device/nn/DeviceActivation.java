package io.hindsight.device.nn;

import io.hindsight.device.DeviceTensor;
import io.hindsight.nn.Activation;

/** {@link Activation} (ReLU, ReLU6) on the device ({@code relu_fwd/bwd}). Saves the input. */
final class DeviceActivation implements DeviceLayer {
  private final Activation host;
  private DeviceTensor savedX;

  DeviceActivation(Activation host) {
    this.host = host;
  }

  @Override
  public String name() {
    return host.name();
  }

  @Override
  public DeviceTensor forward(DeviceTensor x, boolean training, StepContext step) {
    DeviceTensor y = step.floats(name() + " output", x.shape());
    step.kernels().reluForward(x.buffer(), y.buffer(), x.size(), host.upper());
    savedX = x;
    return y;
  }

  @Override
  public DeviceTensor backward(DeviceTensor dY, StepContext step) {
    if (savedX == null) {
      throw new IllegalStateException(name() + ": backward called before forward");
    }
    dY.requireShape(name() + " dY", savedX.shape());
    DeviceTensor dX = step.floats(name() + " dX", dY.shape());
    step.kernels().reluBackward(savedX.buffer(), dY.buffer(), dX.buffer(), dY.size(), host.upper());
    return dX;
  }
}
