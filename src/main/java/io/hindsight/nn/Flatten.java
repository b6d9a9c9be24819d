package io.hindsight.nn;

import io.hindsight.tensor.Tensor;

/** Flattens x {@code (N, ...)} to {@code (N, prod(...))}; a view, no copy. */
public final class Flatten implements Layer {
  private final String name;
  private int[] savedInShape;

  public Flatten(String name) {
    this.name = name;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public Tensor forward(Tensor x, boolean training) {
    savedInShape = x.shape();
    return x.reshape(x.dim(0), -1);
  }

  @Override
  public Tensor backward(Tensor dY) {
    if (savedInShape == null) {
      throw new IllegalStateException(name + ": backward called before forward");
    }
    return dY.reshape(savedInShape);
  }
}
