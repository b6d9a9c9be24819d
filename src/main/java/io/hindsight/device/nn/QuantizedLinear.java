package io.hindsight.device.nn;

import io.hindsight.cuda.Activation;
import io.hindsight.cuda.CudaKernels;
import io.hindsight.cuda.GemmAlgo;
import io.hindsight.cuda.NtEpilogue;
import io.hindsight.device.DeviceBuffer;
import io.hindsight.device.DeviceTensor;
import io.hindsight.nn.Linear;
import io.hindsight.quant.math.QuantParams;
import io.hindsight.quant.math.Rounding;

/**
 * A fully quantized {@link Linear} on the device, integer products throughout:
 * <pre>
 *   forward   y (N, out)  = dequant(Xq (N, in) . Wq (out, in)^T) + b     INT8 GEMM, per-channel scales
 *   backward  dW (out, in) = dequant(dYq^T . Xq)                          INT8 weight-gradient GEMM
 *             db (out)     = dequant(sum over N of dYq)                   integer sums
 *             dX (N, in)   = dequant(dYq . Wq_t)                          INT8 GEMM, per-tensor weights
 * </pre>
 * Xq and dYq usually arrive as codes from the kernels that produced them; the clipping STE mask of
 * the input zeroes dX where the input was clipped.
 */
final class QuantizedLinear extends QuantizedLayer {
  private final Linear host;
  private final DeviceBuffer b;
  private final DeviceBuffer dW;
  private final DeviceBuffer dB;
  private DeviceTensor.Quantized savedX;
  private int savedN;

  QuantizedLinear(Linear host, DeviceParameters params, DeviceQuantization.ActivationQuantizer input,
      DeviceQuantization.WeightQuantizer weight, DeviceQuantization.ActivationQuantizer gradient,
      boolean inputGradient) {
    super(input, weight, gradient, inputGradient);
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
    int in = host.inFeatures();
    int out = host.outFeatures();
    if (x.rank() != 2 || x.dim(1) != in) {
      throw new IllegalArgumentException(name() + ": expected (N, " + in + ") input but got " + x);
    }
    int n = x.dim(0);
    CudaKernels k = step.kernels();
    DeviceTensor.Quantized xq = codes(x, input, step);
    QuantParams px = xq.params();
    DeviceBuffer colSum = null;
    if (px.zeroPoint(0) != 0) {
      colSum = step.scope().ints(out, name() + " weight row sums");
      k.rowSumS8(weight.codes(), out, in, colSum);
    }
    DeviceTensor y = step.floats(name() + " output", n, out);
    NtEpilogue e = new NtEpilogue(px.scale(0), weight.scales(), weight.channels() > 1, px.zeroPoint(0), colSum, b,
        Activation.NONE, null, Rounding.NEAREST, 0);
    k.gemmS8Nt(GemmAlgo.AUTO, xq.codes(), weight.codes(), n, out, in, e, null, y.buffer(), null);
    savedX = xq;
    savedN = n;
    return y;
  }

  @Override
  public DeviceTensor backward(DeviceTensor dY, StepContext step) {
    if (savedX == null) {
      throw new IllegalStateException(name() + ": backward called before forward");
    }
    int in = host.inFeatures();
    int out = host.outFeatures();
    int n = savedN;
    dY.requireShape(name() + " dY", n, out);
    CudaKernels k = step.kernels();
    DeviceTensor.Quantized g = codes(dY, gradient, step);
    float sg = g.params().scale(0);
    QuantParams px = savedX.params();
    // dW (out, in) = sum over the batch of dY^T x
    k.wgrad(g.codes(), savedX.codes(), n, out, in, sg, px.scale(0), px.zeroPoint(0), 0f, dW);
    if (dB != null) {
      k.biasGradS8(g.codes(), n, out, 1, 0, sg, dB);
    }
    if (!inputGradient) {
      return null; // the model's input: no gradient wanted
    }
    // dX (N, in) = dY (N, out) . W (out, in), with the weights' per-tensor codes transposed to (in, out)
    DeviceTensor dX = step.floats(name() + " dX", n, in);
    NtEpilogue e = new NtEpilogue(sg, weight.backwardScale(), false, 0, null, null, Activation.NONE, null,
        Rounding.NEAREST, 0);
    k.gemmS8Nt(GemmAlgo.AUTO, g.codes(), weight.backwardCodesTransposed(), n, in, out, e, null, dX.buffer(), null);
    input.applyMask(dX.buffer(), savedX, (long) n * in);
    return dX;
  }
}
