package io.hindsight.device.nn;

import io.hindsight.device.DeviceTensor;
import io.hindsight.nn.Pool2d;

/** {@link Pool2d} (max or average) on the device ({@code pool2d_fwd/bwd}). Max pooling saves the argmax. */
final class DevicePool2d implements DeviceLayer, QuantProducer {
  private final Pool2d host;
  private DeviceQuantization.ActivationQuantizer consumer;
  private boolean floatNeeded;
  private int[] savedInShape;
  private DeviceTensor savedArgmax;

  DevicePool2d(Pool2d host) {
    this.host = host;
  }

  @Override
  public String name() {
    return host.name();
  }

  private boolean max() {
    return host.kind() == Pool2d.Kind.MAX;
  }

  /** Max pooling writes codes for a quantized consumer ({@code maxpool_quant_fwd}); average pooling does not. */
  @Override
  public boolean produceFor(DeviceQuantization.ActivationQuantizer c, boolean floatNeeded) {
    if (!max()) {
      return false;
    }
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
    int n = x.dim(0);
    int c = x.dim(1);
    int h = x.dim(2);
    int w = x.dim(3);
    int k = host.kernel();
    int oh = (h + 2 * host.padding() - k) / host.stride() + 1;
    int ow = (w + 2 * host.padding() - k) / host.stride() + 1;
    if (oh <= 0 || ow <= 0) {
      throw new IllegalArgumentException(name() + ": input " + x + " smaller than the pooling window");
    }
    DeviceTensor argmax = max() ? DeviceTensor.of(step.scope().ints((long) n * c * oh * ow, name() + " argmax"),
        DeviceTensor.DType.I32, n, c, oh, ow) : null;
    savedInShape = x.shape();
    savedArgmax = argmax;
    long outN = (long) n * c * oh * ow;
    DeviceQuantization.ActivationQuantizer.Fused f = consumer == null ? null : consumer.fusedTarget(step, outN);
    if (f != null) {
      DeviceTensor y = floatNeeded ? step.floats(name() + " output", n, c, oh, ow) : null;
      step.kernels().maxpoolQuantForward(x.buffer(), y == null ? null : y.buffer(), argmax.buffer(), n * c, h, w, k,
          host.stride(), host.padding(), oh, ow, f.out());
      return y == null ? DeviceTensor.codes(f.form(), n, c, oh, ow) : y.withQuantized(f.form());
    }
    DeviceTensor y = step.floats(name() + " output", n, c, oh, ow);
    step.kernels().pool2dForward(x.buffer(), y.buffer(), argmax == null ? null : argmax.buffer(), n * c, h, w, k,
        host.stride(), host.padding(), oh, ow, max());
    return y;
  }

  @Override
  public DeviceTensor backward(DeviceTensor dY, StepContext step) {
    if (savedInShape == null) {
      throw new IllegalStateException(name() + ": backward called before forward");
    }
    int[] s = savedInShape;
    DeviceTensor dX = step.floats(name() + " dX", s);
    step.kernels().pool2dBackward(dY.buffer(), savedArgmax == null ? null : savedArgmax.buffer(), dX.buffer(),
        s[0] * s[1], s[2], s[3], host.kernel(), host.stride(), host.padding(), dY.dim(2), dY.dim(3), max());
    return dX;
  }
}
