package io.hindsight.device.nn;

import io.hindsight.device.DeviceTensor;
import io.hindsight.nn.Dropout;

/**
 * {@link Dropout} on the device ({@code dropout_fwd}, then {@code mul_tensors} in backward). The
 * mask's key is drawn from the host layer's generator exactly as the CPU layer draws it, so both
 * engines drop the same elements and consume the same random stream.
 */
final class DeviceDropout implements DeviceLayer {
  private final Dropout host;
  private DeviceTensor savedMask;

  DeviceDropout(Dropout host) {
    this.host = host;
  }

  @Override
  public String name() {
    return host.name();
  }

  @Override
  public DeviceTensor forward(DeviceTensor x, boolean training, StepContext step) {
    if (!training || host.probability() == 0f) {
      savedMask = null;
      return x;
    }
    DeviceTensor y = step.floats(name() + " output", x.shape());
    DeviceTensor mask = step.floats(name() + " mask", x.shape());
    step.kernels().dropoutForward(x.buffer(), y.buffer(), mask.buffer(), x.size(), host.probability(), host.nextMaskKey());
    savedMask = mask;
    return y;
  }

  @Override
  public DeviceTensor backward(DeviceTensor dY, StepContext step) {
    if (savedMask == null) {
      return dY;
    }
    DeviceTensor dX = step.floats(name() + " dX", dY.shape());
    step.kernels().multiply(dY.buffer(), savedMask.buffer(), dX.buffer(), dY.size());
    return dX;
  }
}
