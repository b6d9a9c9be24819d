package io.hindsight.device.nn;

import io.hindsight.backend.ConvGeometry;
import io.hindsight.cuda.CudaKernels;
import io.hindsight.device.DeviceBuffer;
import io.hindsight.device.DeviceTensor;
import io.hindsight.nn.Conv2d;
import io.hindsight.quant.math.QuantParams;

/**
 * A fully quantized depthwise {@link Conv2d} (groups = input channels) on the device: direct
 * convolutions on int8 codes with integer sums ({@code dwconv_s8_*}). Each output channel reads one
 * input channel, so its weight scale never meets another channel's in a sum: forward and input
 * gradient both use the per-channel weights. The clipping STE mask of the input zeroes dX where
 * the input was clipped.
 */
final class QuantizedDepthwise extends QuantizedLayer {
  private final Conv2d host;
  private final DeviceBuffer b;
  private final DeviceBuffer dW;
  private final DeviceBuffer dB;
  private DeviceTensor.Quantized savedX;
  private ConvGeometry savedGeometry;

  QuantizedDepthwise(Conv2d host, DeviceParameters params, DeviceQuantization.ActivationQuantizer input,
      DeviceQuantization.WeightQuantizer weight, DeviceQuantization.ActivationQuantizer gradient,
      boolean inputGradient) {
    super(input, weight, gradient, inputGradient);
    if (host.groups() != host.inChannels()) {
      throw new IllegalArgumentException(host.name() + ": a depthwise convolution has groups = input channels");
    }
    this.host = host;
    this.b = host.bias() == null ? null : params.value(host.bias());
    this.dW = params.grad(host.weight());
    this.dB = host.bias() == null ? null : params.grad(host.bias());
  }

  @Override
  public String name() {
    return host.name();
  }

  @Override
  public DeviceTensor forward(DeviceTensor x, boolean training, StepContext step) {
    ConvGeometry g = DeviceConvGeometry.of(host, x);
    DeviceTensor.Quantized xq = codes(x, input, step);
    QuantParams px = xq.params();
    DeviceTensor y = step.floats(name() + " output", g.n(), g.outC(), g.outH(), g.outW());
    step.kernels().dwconvS8Forward(xq.codes(), weight.codes(), weight.scales(), b, y.buffer(), g.n(), g.inC(),
        g.inH(), g.inW(), g.outPerGroup(), g.kH(), g.kW(), g.stride(), g.padding(), g.outH(), g.outW(), px.scale(0),
        px.zeroPoint(0));
    savedX = xq;
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
    CudaKernels k = step.kernels();
    DeviceTensor.Quantized dq = codes(dY, gradient, step);
    float sg = dq.params().scale(0);
    QuantParams px = savedX.params();
    int outHW = g.outH() * g.outW();
    if (dB != null) {
      k.biasGradS8(dq.codes(), g.n(), g.outC(), outHW, 0, sg, dB);
    }
    k.dwconvS8BackwardWeight(savedX.codes(), dq.codes(), dW, g.n(), g.inC(), g.inH(), g.inW(), g.outPerGroup(), g.kH(),
        g.kW(), g.stride(), g.padding(), g.outH(), g.outW(), px.scale(0), px.zeroPoint(0), sg, 0);
    if (!inputGradient) {
      return null; // the model's input: no gradient wanted
    }
    DeviceTensor dX = step.floats(name() + " dX", g.n(), g.inC(), g.inH(), g.inW());
    k.dwconvS8BackwardInput(dq.codes(), weight.codes(), weight.scales(), dX.buffer(), g.n(), g.inC(), g.inH(), g.inW(),
        g.outPerGroup(), g.kH(), g.kW(), g.stride(), g.padding(), g.outH(), g.outW(), sg, 0);
    input.applyMask(dX.buffer(), savedX, (long) g.inputSize());
    return dX;
  }
}
