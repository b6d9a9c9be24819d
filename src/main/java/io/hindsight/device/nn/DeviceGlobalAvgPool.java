package io.hindsight.device.nn;

import io.hindsight.device.DeviceTensor;
import io.hindsight.nn.GlobalAvgPool;

/** {@link GlobalAvgPool} on the device: x {@code (N, C, H, W)} to y {@code (N, C)}. Saves the input shape. */
final class DeviceGlobalAvgPool implements DeviceLayer {
  private final GlobalAvgPool host;
  private int[] savedInShape;

  DeviceGlobalAvgPool(GlobalAvgPool host) {
    this.host = host;
  }

  @Override
  public String name() {
    return host.name();
  }

  @Override
  public DeviceTensor forward(DeviceTensor x, boolean training, StepContext step) {
    if (x.rank() != 4) {
      throw new IllegalArgumentException(name() + ": expected a rank-4 input but got " + x);
    }
    DeviceTensor y = step.floats(name() + " output", x.dim(0), x.dim(1));
    step.kernels().globalAvgPoolForward(x.buffer(), y.buffer(), x.dim(0) * x.dim(1), x.dim(2) * x.dim(3));
    savedInShape = x.shape();
    return y;
  }

  @Override
  public DeviceTensor backward(DeviceTensor dY, StepContext step) {
    if (savedInShape == null) {
      throw new IllegalStateException(name() + ": backward called before forward");
    }
    int[] s = savedInShape;
    dY.requireShape(name() + " dY", s[0], s[1]);
    DeviceTensor dX = step.floats(name() + " dX", s);
    step.kernels().globalAvgPoolBackward(dY.buffer(), dX.buffer(), s[0] * s[1], s[2] * s[3]);
    return dX;
  }
}
