package io.hindsight.nn;

import io.hindsight.tensor.Tensor;

/** Global average pooling: x {@code (N, C, H, W)} to y {@code (N, C)}. Saves the input shape. */
public final class GlobalAvgPool implements Layer {
  private final String name;
  private int[] savedInShape;

  public GlobalAvgPool(String name) {
    this.name = name;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public Tensor forward(Tensor x, boolean training) {
    x.requireRank(name + " input", 4);
    savedInShape = x.shape();
    int planes = x.dim(0) * x.dim(1);
    int hw = x.dim(2) * x.dim(3);
    Tensor y = Tensor.zeros(x.dim(0), x.dim(1));
    float[] xd = x.data();
    float[] yd = y.data();
    for (int p = 0; p < planes; p++) {
      float sum = 0f;
      for (int i = 0; i < hw; i++) {
        sum += xd[p * hw + i];
      }
      yd[p] = sum / hw;
    }
    return y;
  }

  @Override
  public Tensor backward(Tensor dY) {
    if (savedInShape == null) {
      throw new IllegalStateException(name + ": backward called before forward");
    }
    dY.requireShape(name + " dY", savedInShape[0], savedInShape[1]);
    Tensor dX = Tensor.zeros(savedInShape);
    int hw = savedInShape[2] * savedInShape[3];
    float[] gd = dY.data();
    float[] dx = dX.data();
    for (int p = 0; p < gd.length; p++) {
      float g = gd[p] / hw;
      for (int i = 0; i < hw; i++) {
        dx[p * hw + i] = g;
      }
    }
    return dX;
  }
}
