package io.hindsight.data;

import io.hindsight.tensor.Tensor;

/** One mini-batch: images {@code (N, C, H, W)} and their labels {@code (N)}. */
public record Batch(Tensor images, int[] labels) {
  public int size() {
    return labels.length;
  }
}
