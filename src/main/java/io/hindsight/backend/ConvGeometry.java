package io.hindsight.backend;

/**
 * The shape of one 2-D convolution (dilation 1): input {@code (n, inC, inH, inW)}, weights
 * {@code (outC, inC / groups, kH, kW)}, output {@code (n, outC, outH, outW)}.
 */
public record ConvGeometry(
    int n, int inC, int inH, int inW, int outC, int kH, int kW, int stride, int padding, int groups) {

  public ConvGeometry {
    if (n <= 0 || inC <= 0 || inH <= 0 || inW <= 0 || outC <= 0 || kH <= 0 || kW <= 0) {
      throw new IllegalArgumentException("convolution dimensions must be positive: " + this);
    }
    if (stride <= 0 || padding < 0 || groups <= 0) {
      throw new IllegalArgumentException("invalid stride/padding/groups: " + this);
    }
    if (inC % groups != 0 || outC % groups != 0) {
      throw new IllegalArgumentException(
          "channels (" + inC + " in, " + outC + " out) must be divisible by groups " + groups);
    }
    if (inH + 2 * padding < kH || inW + 2 * padding < kW) {
      throw new IllegalArgumentException("kernel larger than padded input: " + this);
    }
  }

  public int outH() {
    return (inH + 2 * padding - kH) / stride + 1;
  }

  public int outW() {
    return (inW + 2 * padding - kW) / stride + 1;
  }

  /** Input channels per group. */
  public int inPerGroup() {
    return inC / groups;
  }

  /** Output channels per group. */
  public int outPerGroup() {
    return outC / groups;
  }

  /** Rows of the im2col matrix of one group: {@code inPerGroup * kH * kW}. */
  public int colRows() {
    return inPerGroup() * kH * kW;
  }

  public int weightSize() {
    return outC * colRows();
  }

  public int inputSize() {
    return n * inC * inH * inW;
  }

  public int outputSize() {
    return n * outC * outH() * outW();
  }

  /**
   * Throws unless the arrays are large enough for this geometry: input {@code x}, weights
   * {@code w} (exactly {@link #weightSize()}) and output (or output gradient) {@code y}.
   */
  public void checkArrays(float[] x, float[] w, float[] y) {
    if (x.length < inputSize()) {
      throw new IllegalArgumentException("conv input has " + x.length + " values, needs " + inputSize());
    }
    if (w.length != weightSize()) {
      throw new IllegalArgumentException("conv weight has " + w.length + " values, needs " + weightSize());
    }
    if (y.length < outputSize()) {
      throw new IllegalArgumentException("conv output has " + y.length + " values, needs " + outputSize());
    }
  }

  /** Multiply-accumulate operations of the forward pass. */
  public long forwardMacs() {
    return (long) n * outC * outH() * outW() * colRows();
  }
}
