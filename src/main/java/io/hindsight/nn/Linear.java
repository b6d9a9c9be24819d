package io.hindsight.nn;

import io.hindsight.backend.Backend;
import io.hindsight.tensor.Tensor;
import java.util.List;

/**
 * Fully connected layer {@code y = x W^T + b}: x {@code (N, in)}, W {@code (out, in)}, y {@code (N, out)}.
 * Saves the (possibly quantized) input and weights used in forward.
 */
public final class Linear implements Layer {
  private final String name;
  private final Backend backend;
  private final int in;
  private final int out;
  private final Parameter weight; // (out, in)
  private final Parameter bias; // (out) or null
  private final QuantHooks quant;
  private Tensor savedX; // (N, in) as used in the product
  private Tensor savedW; // (out, in) as used in the product

  public Linear(String name, Backend backend, int in, int out, boolean withBias, QuantHooks quant) {
    if (in <= 0 || out <= 0) {
      throw new IllegalArgumentException(name + ": features must be positive (in=" + in + ", out=" + out + ")");
    }
    this.name = name;
    this.backend = backend;
    this.in = in;
    this.out = out;
    this.weight = new Parameter(name + ".weight", Tensor.zeros(out, in));
    this.bias = withBias ? new Parameter(name + ".bias", Tensor.zeros(out)) : null;
    this.quant = quant == null ? QuantHooks.NONE : quant;
  }

  @Override
  public String name() {
    return name;
  }

  public int inFeatures() {
    return in;
  }

  public int outFeatures() {
    return out;
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
    x.requireRank(name + " input", 2);
    int n = x.dim(0);
    if (x.dim(1) != in) {
      throw new IllegalArgumentException(name + ": expected (N, " + in + ") input but got " + x);
    }
    savedX = quant.input(x, training);
    savedW = quant.weight(weight.value(), training);
    Tensor y = Tensor.zeros(n, out);
    // y (N, out) = x (N, in) * W^T (in, out)
    backend.gemm(false, true, n, out, in, 1f, savedX.data(), 0, in, savedW.data(), 0, in, 0f, y.data(), 0, out);
    if (bias != null) {
      float[] b = bias.value().data();
      float[] yd = y.data();
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < out; j++) {
          yd[i * out + j] += b[j];
        }
      }
    }
    return y;
  }

  @Override
  public Tensor backward(Tensor dY) {
    if (savedX == null) {
      throw new IllegalStateException(name + ": backward called before forward");
    }
    int n = savedX.dim(0);
    dY.requireShape(name + " dY", n, out);
    Tensor g = quant.gradient(dY);
    // dW (out, in) = dY^T (out, N) * x (N, in)
    backend.gemm(true, false, out, in, n, 1f, g.data(), 0, out, savedX.data(), 0, in, 0f,
        weight.grad().data(), 0, in);
    if (bias != null) {
      float[] db = bias.grad().data();
      java.util.Arrays.fill(db, 0f);
      float[] gd = g.data();
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < out; j++) {
          db[j] += gd[i * out + j];
        }
      }
    }
    // dX (N, in) = dY (N, out) * W (out, in): the output channels are the reduction axis
    Tensor wBackward = quant.backwardWeight(savedW, weight.value(), true);
    Tensor dX = Tensor.zeros(n, in);
    backend.gemm(false, false, n, in, out, 1f, g.data(), 0, out, wBackward.data(), 0, in, 0f, dX.data(), 0, in);
    return quant.inputGradient(dX);
  }

  @Override
  public List<Parameter> parameters() {
    return bias == null ? List.of(weight) : List.of(weight, bias);
  }
}
