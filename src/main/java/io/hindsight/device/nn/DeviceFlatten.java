package io.hindsight.device.nn;

import io.hindsight.device.DeviceTensor;
import io.hindsight.nn.Flatten;

/** {@link Flatten} on the device: a view, no kernel. */
final class DeviceFlatten implements DeviceLayer {
  private final Flatten host;
  private int[] savedInShape;

  DeviceFlatten(Flatten host) {
    this.host = host;
  }

  @Override
  public String name() {
    return host.name();
  }

  @Override
  public DeviceTensor forward(DeviceTensor x, boolean training, StepContext step) {
    savedInShape = x.shape();
    return x.reshape(x.dim(0), -1);
  }

  @Override
  public DeviceTensor backward(DeviceTensor dY, StepContext step) {
    if (savedInShape == null) {
      throw new IllegalStateException(name() + ": backward called before forward");
    }
    return dY.reshape(savedInShape);
  }
}
