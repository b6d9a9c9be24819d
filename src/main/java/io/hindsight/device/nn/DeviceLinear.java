package io.hindsight.device.nn;

import io.hindsight.cuda.CudaKernels;
import io.hindsight.device.DeviceBuffer;
import io.hindsight.device.DeviceTensor;
import io.hindsight.nn.Linear;

/**
 * {@link Linear} on the device: {@code y = x W^T + b}, x {@code (N, in)}, W {@code (out, in)},
 * y {@code (N, out)}. Saves x for the weight gradient.
 */
final class DeviceLinear implements DeviceLayer {
  private final Linear host;
  private final DeviceBuffer w;
  private final DeviceBuffer b;
  private final DeviceBuffer dW;
  private final DeviceBuffer dB;
  private DeviceTensor savedX;

  DeviceLinear(Linear host, DeviceParameters params) {
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
    int in = host.inFeatures();
    int out = host.outFeatures();
    if (x.rank() != 2 || x.dim(1) != in) {
      throw new IllegalArgumentException(name() + ": expected (N, " + in + ") input but got " + x);
    }
    int n = x.dim(0);
    DeviceTensor y = step.floats(name() + " output", n, out);
    CudaKernels k = step.kernels();
    // y (N, out) = x (N, in) * W^T (in, out)
    k.sgemm(false, true, n, out, in, 1f, x.buffer(), in, 0, w, in, 0, 0f, y.buffer(), out, 0, 1, false);
    if (b != null) {
      k.addBiasNchw(y.buffer(), b, n, out, 1);
    }
    savedX = x;
    return y;
  }

  @Override
  public DeviceTensor backward(DeviceTensor dY, StepContext step) {
    if (savedX == null) {
      throw new IllegalStateException(name() + ": backward called before forward");
    }
    int in = host.inFeatures();
    int out = host.outFeatures();
    int n = savedX.dim(0);
    dY.requireShape(name() + " dY", n, out);
    CudaKernels k = step.kernels();
    // dW (out, in) = dY^T (out, N) * x (N, in)
    k.sgemm(true, false, out, in, n, 1f, dY.buffer(), out, 0, savedX.buffer(), in, 0, 0f, dW, in, 0, 1, false);
    if (dB != null) {
      k.biasGradNchw(dY.buffer(), n, out, 1, dB);
    }
    // dX (N, in) = dY (N, out) * W (out, in)
    DeviceTensor dX = step.floats(name() + " dX", n, in);
    k.sgemm(false, false, n, in, out, 1f, dY.buffer(), out, 0, w, in, 0, 0f, dX.buffer(), in, 0, 1, false);
    return dX;
  }
}
