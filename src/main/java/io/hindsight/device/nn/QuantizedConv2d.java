package io.hindsight.device.nn;

import io.hindsight.backend.ConvGeometry;
import io.hindsight.cuda.Activation;
import io.hindsight.cuda.CudaKernels;
import io.hindsight.cuda.GemmAlgo;
import io.hindsight.cuda.NtEpilogue;
import io.hindsight.device.DeviceBuffer;
import io.hindsight.device.DeviceTensor;
import io.hindsight.nn.Conv2d;
import io.hindsight.quant.math.QuantParams;
import io.hindsight.quant.math.Rounding;

/**
 * A fully quantized dense {@link Conv2d} (groups 1) on the device, integer products throughout, on
 * pixel-major int8 columns (one GEMM over every sample's pixels):
 * <pre>
 *   forward   colT (N*outHW, K) = im2col(Xq)                  K = inC*kH*kW, padding = the zero point
 *             y (N, outC, outH, outW) = dequant(colT . Wq^T) + b   INT8 GEMM stored NCHW
 *   backward  dYt (N*outHW, outC) = dYq in NHWC
 *             dW (outC, K)  = dequant(dYt^T . colT)          INT8 weight-gradient GEMM
 *             dcolT (N*outHW, K) = dequant(dYt . Wq_t)        INT8 GEMM, per-tensor weights
 *             dX = col2im(dcolT)
 * </pre>
 * The clipping STE mask of the input zeroes dX where the input was clipped. The layer reading the
 * model's input computes no dX (backward returns null).
 */
final class QuantizedConv2d extends QuantizedLayer {
  private final Conv2d host;
  private final DeviceBuffer b;
  private final DeviceBuffer dW;
  private final DeviceBuffer dB;
  private DeviceTensor.Quantized savedX;
  private DeviceBuffer savedCols;
  private ConvGeometry savedGeometry;

  QuantizedConv2d(Conv2d host, DeviceParameters params, DeviceQuantization.ActivationQuantizer input,
      DeviceQuantization.WeightQuantizer weight, DeviceQuantization.ActivationQuantizer gradient,
      boolean inputGradient) {
    super(input, weight, gradient, inputGradient);
    if (host.groups() != 1) {
      throw new IllegalArgumentException(host.name() + ": the quantized dense convolution takes groups 1");
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
    CudaKernels k = step.kernels();
    DeviceTensor.Quantized xq = codes(x, input, step);
    QuantParams px = xq.params();
    int outHW = g.outH() * g.outW();
    int rows = g.n() * outHW;
    int cols = g.colRows();
    // kept for the weight gradient when training; in evaluation nothing reads them after the GEMM
    DeviceBuffer colT = training ? step.scope().bytes((long) rows * cols, name() + " int8 columns")
        : step.intermediate("int8 columns", (long) rows * cols, name() + " int8 columns");
    k.im2colS8T(xq.codes(), g.n(), g.inC(), g.inH(), g.inW(), g.kH(), g.kW(), g.stride(), g.padding(), g.outH(),
        g.outW(), px.zeroPoint(0), colT);
    DeviceBuffer colSum = null;
    if (px.zeroPoint(0) != 0) {
      colSum = step.scope().ints(g.outC(), name() + " weight row sums");
      k.rowSumS8(weight.codes(), g.outC(), cols, colSum);
    }
    DeviceTensor y = step.floats(name() + " output", g.n(), g.outC(), g.outH(), g.outW());
    NtEpilogue e = new NtEpilogue(px.scale(0), weight.scales(), weight.channels() > 1, px.zeroPoint(0), colSum, b,
        Activation.NONE, null, Rounding.NEAREST, 0);
    k.gemmS8Nt(GemmAlgo.AUTO, colT, weight.codes(), rows, g.outC(), cols, outHW, e, null, y.buffer(), null);
    savedX = training ? xq : null;
    savedCols = training ? colT : null;
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
    int rows = g.n() * outHW;
    int cols = g.colRows();
    DeviceBuffer dyT = step.intermediate("dY codes (NHWC)", (long) rows * g.outC(), name() + " dY codes (NHWC)");
    k.nchwToNhwcS8(dq.codes(), g.n(), g.outC(), outHW, dyT);
    k.wgrad(dyT, savedCols, rows, g.outC(), cols, sg, px.scale(0), px.zeroPoint(0), 0f, dW);
    if (dB != null) {
      k.biasGradS8(dq.codes(), g.n(), g.outC(), outHW, 0, sg, dB);
    }
    if (!inputGradient) {
      return null; // the model's input: no gradient wanted
    }
    DeviceBuffer dcol = step.intermediate("column gradient", 4L * rows * cols, name() + " column gradient");
    NtEpilogue e = new NtEpilogue(sg, weight.backwardScale(), false, 0, null, null, Activation.NONE, null,
        Rounding.NEAREST, 0);
    k.gemmS8Nt(GemmAlgo.AUTO, dyT, weight.backwardCodesTransposed(), rows, cols, g.outC(), e, null, dcol, null);
    DeviceTensor dX = step.floats(name() + " dX", g.n(), g.inC(), g.inH(), g.inW());
    k.col2imT(dcol, g.n(), g.inC(), g.inH(), g.inW(), g.kH(), g.kW(), g.stride(), g.padding(), g.outH(), g.outW(),
        dX.buffer());
    input.applyMask(dX.buffer(), savedX, (long) g.inputSize());
    return dX;
  }
}
