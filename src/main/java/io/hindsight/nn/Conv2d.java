package io.hindsight.nn;

import io.hindsight.backend.Backend;
import io.hindsight.backend.ConvGeometry;
import io.hindsight.tensor.Tensor;
import java.util.List;

/**
 * 2-D convolution (dilation 1) with stride, zero padding and groups (groups == channels is a
 * depthwise convolution). x {@code (N, inC, H, W)}, W {@code (outC, inC/groups, k, k)},
 * y {@code (N, outC, outH, outW)}. Saves the input and weights used in forward.
 */
public final class Conv2d implements Layer {
  private final String name;
  private final Backend backend;
  private final int inC;
  private final int outC;
  private final int kernel;
  private final int stride;
  private final int padding;
  private final int groups;
  private final Parameter weight;
  private final Parameter bias;
  private final QuantHooks quant;
  private Tensor savedX;
  private Tensor savedW;
  private ConvGeometry savedGeometry;

  public Conv2d(
      String name, Backend backend, int inC, int outC, int kernel, int stride, int padding, int groups,
      boolean withBias, QuantHooks quant) {
    if (inC <= 0 || outC <= 0 || kernel <= 0 || stride <= 0 || padding < 0 || groups <= 0) {
      throw new IllegalArgumentException(name + ": invalid convolution arguments");
    }
    if (inC % groups != 0 || outC % groups != 0) {
      throw new IllegalArgumentException(
          name + ": channels (" + inC + " in, " + outC + " out) must be divisible by groups " + groups);
    }
    this.name = name;
    this.backend = backend;
    this.inC = inC;
    this.outC = outC;
    this.kernel = kernel;
    this.stride = stride;
    this.padding = padding;
    this.groups = groups;
    this.weight = new Parameter(name + ".weight", Tensor.zeros(outC, inC / groups, kernel, kernel));
    this.bias = withBias ? new Parameter(name + ".bias", Tensor.zeros(outC)) : null;
    this.quant = quant == null ? QuantHooks.NONE : quant;
  }

  @Override
  public String name() {
    return name;
  }

  public int inChannels() {
    return inC;
  }

  public int outChannels() {
    return outC;
  }

  public int kernel() {
    return kernel;
  }

  public int stride() {
    return stride;
  }

  public int padding() {
    return padding;
  }

  public int groups() {
    return groups;
  }

  /** The geometry of the last forward pass (its batch and input size), or null before the first. */
  public ConvGeometry lastGeometry() {
    return savedGeometry;
  }

  public Parameter weight() {
    return weight;
  }

  public Parameter bias() {
    return bias;
  }

  /** Where quantization plugs into this layer ({@link QuantHooks#NONE}: full precision). */
  public QuantHooks quantHooks() {
    return quant;
  }

  @Override
  public Tensor forward(Tensor x, boolean training) {
    x.requireRank(name + " input", 4);
    if (x.dim(1) != inC) {
      throw new IllegalArgumentException(name + ": expected " + inC + " input channels but got " + x);
    }
    ConvGeometry g = new ConvGeometry(x.dim(0), inC, x.dim(2), x.dim(3), outC, kernel, kernel, stride, padding, groups);
    savedGeometry = g;
    savedX = quant.input(x, training);
    savedW = quant.weight(weight.value(), training);
    Tensor y = Tensor.zeros(g.n(), outC, g.outH(), g.outW());
    backend.conv2dForward(g, savedX.data(), savedW.data(), bias == null ? null : bias.value().data(), y.data());
    return y;
  }

  @Override
  public Tensor backward(Tensor dY) {
    if (savedX == null) {
      throw new IllegalStateException(name + ": backward called before forward");
    }
    ConvGeometry g = savedGeometry;
    dY.requireShape(name + " dY", g.n(), outC, g.outH(), g.outW());
    Tensor gq = quant.gradient(dY);
    // dX sums over the output channels of each group: re-quantized weights where there are several
    Tensor wBackward = quant.backwardWeight(savedW, weight.value(), g.outPerGroup() > 1);
    Tensor dX = Tensor.zeros(g.n(), inC, g.inH(), g.inW());
    backend.conv2dBackward(g, savedX.data(), wBackward.data(), gq.data(), dX.data(), weight.grad().data(),
        bias == null ? null : bias.grad().data());
    return quant.inputGradient(dX);
  }

  @Override
  public List<Parameter> parameters() {
    return bias == null ? List.of(weight) : List.of(weight, bias);
  }
}
