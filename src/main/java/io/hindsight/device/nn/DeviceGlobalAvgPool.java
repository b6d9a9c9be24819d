package io.hindsight.device.nn;

import io.hindsight.device.DeviceTensor;
import io.hindsight.nn.GlobalAvgPool;

/** {@link GlobalAvgPool} on the device: x {@code (N, C, H, W)} to y {@code (N, C)}. Saves the input shape. */
final class DeviceGlobalAvgPool implements DeviceLayer, QuantProducer {
  private final GlobalAvgPool host;
  private DeviceQuantization.ActivationQuantizer consumer;
  private boolean floatNeeded;
  private int[] savedInShape;

  DeviceGlobalAvgPool(GlobalAvgPool host) {
    this.host = host;
  }

  @Override
  public String name() {
    return host.name();
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
  public DeviceTensor forward(DeviceTensor x, boolean training, StepContext step) {
    if (x.rank() != 4) {
      throw new IllegalArgumentException(name() + ": expected a rank-4 input but got " + x);
    }
    savedInShape = x.shape();
    int planes = x.dim(0) * x.dim(1);
    int hw = x.dim(2) * x.dim(3);
    DeviceQuantization.ActivationQuantizer.Fused f = consumer == null ? null : consumer.fusedTarget(step, planes);
    if (f != null) {
      DeviceTensor y = floatNeeded ? step.floats(name() + " output", x.dim(0), x.dim(1)) : null;
      step.kernels().gapQuantForward(x.buffer(), y == null ? null : y.buffer(), planes, hw, f.out());
      return y == null ? DeviceTensor.codes(f.form(), x.dim(0), x.dim(1)) : y.withQuantized(f.form());
    }
    DeviceTensor y = step.floats(name() + " output", x.dim(0), x.dim(1));
    step.kernels().globalAvgPoolForward(x.buffer(), y.buffer(), planes, hw);
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
