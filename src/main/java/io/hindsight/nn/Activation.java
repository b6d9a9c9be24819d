package io.hindsight.nn;

import io.hindsight.tensor.Tensor;

/**
 * Elementwise clamp activations: ReLU ({@code max(x, 0)}) and ReLU6 ({@code min(max(x, 0), 6)}).
 * Saves the input; the gradient passes where the input lies strictly inside the clamp (as PyTorch).
 */
public final class Activation implements Layer {
  private final String name;
  private final float upper;
  private Tensor savedX;

  private Activation(String name, float upper) {
    this.name = name;
    this.upper = upper;
  }

  public static Activation relu(String name) {
    return new Activation(name, Float.POSITIVE_INFINITY);
  }

  public static Activation relu6(String name) {
    return new Activation(name, 6f);
  }

  /** Upper clamp: {@code +Inf} for ReLU, 6 for ReLU6. */
  public float upper() {
    return upper;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public Tensor forward(Tensor x, boolean training) {
    savedX = x;
    Tensor y = Tensor.zerosLike(x);
    float[] xd = x.data();
    float[] yd = y.data();
    for (int i = 0; i < xd.length; i++) {
      float v = xd[i];
      yd[i] = v > 0f ? (v < upper ? v : upper) : (v == v ? 0f : v);
    }
    return y;
  }

  @Override
  public Tensor backward(Tensor dY) {
    if (savedX == null) {
      throw new IllegalStateException(name + ": backward called before forward");
    }
    if (!dY.sameShape(savedX)) {
      throw new IllegalArgumentException(name + ": dY " + dY + " does not match input " + savedX);
    }
    Tensor dX = Tensor.zerosLike(dY);
    float[] xd = savedX.data();
    float[] gd = dY.data();
    float[] dx = dX.data();
    for (int i = 0; i < xd.length; i++) {
      float v = xd[i];
      dx[i] = v > 0f && v < upper ? gd[i] : 0f;
    }
    return dX;
  }
}
