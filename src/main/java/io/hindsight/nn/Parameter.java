package io.hindsight.nn;

import io.hindsight.tensor.Tensor;

/** A trainable tensor and its gradient, named {@code layerName.weight} / {@code layerName.bias}. */
public final class Parameter {
  private final String name;
  private final Tensor value;
  private final Tensor grad;

  public Parameter(String name, Tensor value) {
    this.name = name;
    this.value = value;
    this.grad = Tensor.zerosLike(value);
  }

  public String name() {
    return name;
  }

  public Tensor value() {
    return value;
  }

  /** The gradient of the last backward pass. */
  public Tensor grad() {
    return grad;
  }

  @Override
  public String toString() {
    return name + value;
  }
}
