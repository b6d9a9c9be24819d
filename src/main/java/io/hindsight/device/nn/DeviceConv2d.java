package io.hindsight.device.nn;

import io.hindsight.backend.ConvGeometry;
import io.hindsight.cuda.ConvOnDevice;
import io.hindsight.device.DeviceBuffer;
import io.hindsight.device.DeviceTensor;
import io.hindsight.nn.Conv2d;

/**
 * {@link Conv2d} on the device ({@link ConvOnDevice}: im2col + batched GEMM, depthwise kernels):
 * x {@code (N, inC, H, W)} to y {@code (N, outC, outH, outW)}. Saves x for the weight gradient.
 */
final class DeviceConv2d implements DeviceLayer {
  private final Conv2d host;
  private final DeviceBuffer w;
  private final DeviceBuffer b;
  private final DeviceBuffer dW;
  private final DeviceBuffer dB;
  private DeviceTensor savedX;
  private ConvGeometry savedGeometry;

  DeviceConv2d(Conv2d host, DeviceParameters params) {
    this.host = host;
    this.w = params.value(host.weight());
    this.dW = params.grad(host.weight());
    this.b = host.bias() == null ? null : params.value(host.bias());
    this.dB = host.bias() == null ? null : params.grad(host.bias());
  }

  @Override
  public String name() {
    return host.name();
  }

  @Override
  public DeviceTensor forward(DeviceTensor x, boolean training, StepContext step) {
    ConvGeometry g = DeviceConvGeometry.of(host, x);
    DeviceTensor y = step.floats(name() + " output", g.n(), g.outC(), g.outH(), g.outW());
    ConvOnDevice.forward(step.kernels(), step, g, x.buffer(), w, b, y.buffer());
    savedX = x;
    savedGeometry = g;
    return y;
  }

  @Override
  public DeviceTensor backward(DeviceTensor dY, StepContext step) {
    if (savedX == null) {
      throw new IllegalStateException(name() + ": backward called before forward");
    }
    ConvGeometry g = savedGeometry;
    dY.requireShape(name() + " dY", g.n(), g.outC(), g.outH(), g.outW());
    DeviceTensor dX = step.floats(name() + " dX", g.n(), g.inC(), g.inH(), g.inW());
    ConvOnDevice.backward(step.kernels(), step, g, savedX.buffer(), w, dY.buffer(), dX.buffer(), dW, dB);
    return dX;
  }
}
