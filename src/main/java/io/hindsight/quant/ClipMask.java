package io.hindsight.quant;

import io.hindsight.tensor.Tensor;

/**
 * Which elements of a layer's last training input were clipped (or non-finite) by its activation
 * quantizer; the clipping straight-through estimator zeroes the input gradient there. The array
 * is reused from step to step (reallocated only when the input grows).
 */
final class ClipMask {
  private boolean[] clipped = new boolean[0];
  private int size = -1; // -1: no training forward since the last evaluation forward

  /** The array the next training quantization of {@code n} values writes into. */
  boolean[] prepare(int n) {
    if (clipped.length < n) {
      clipped = new boolean[n];
    }
    size = n;
    return clipped;
  }

  /** Forgets the mask (an evaluation forward does not produce one). */
  void invalidate() {
    size = -1;
  }

  /** Zeroes {@code dX} (in place) where the input was clipped; {@code dX} has the input's shape. */
  Tensor apply(String layer, Tensor dX) {
    if (size < 0) {
      throw new IllegalStateException(layer + ": no clip mask for the input gradient; the clipping"
          + " straight-through estimator needs a training forward before backward");
    }
    if (dX.size() != size) {
      throw new IllegalArgumentException(layer + ": input gradient " + dX + " has " + dX.size()
          + " values but the quantized input had " + size);
    }
    float[] d = dX.data();
    boolean[] m = clipped;
    for (int i = 0; i < d.length; i++) {
      if (m[i]) {
        d[i] = 0f;
      }
    }
    return dX;
  }
}
