package io.hindsight.nn;

import io.hindsight.backend.Backend;
import io.hindsight.tensor.Tensor;

/**
 * Elementwise clamp activations: ReLU ({@code max(x, 0)}) and ReLU6 ({@code min(max(x, 0), 6)}).
 * Saves the input; the gradient passes where the input lies strictly inside the clamp (as PyTorch).
 */
public final class Activation implements Layer {
  private static final int CHUNK = 1 << 15;
  private final String name;
  private final float upper;
  private final Backend backend; // null: single-threaded
  private Tensor savedX;

  private Activation(String name, float upper, Backend backend) {
    this.name = name;
    this.upper = upper;
    this.backend = backend;
  }

  public static Activation relu(String name) {
    return new Activation(name, Float.POSITIVE_INFINITY, null);
  }

  public static Activation relu6(String name) {
    return new Activation(name, 6f, null);
  }

  /** ReLU running on the backend's threads. */
  public static Activation relu(String name, Backend backend) {
    return new Activation(name, Float.POSITIVE_INFINITY, backend);
  }

  /** ReLU6 running on the backend's threads. */
  public static Activation relu6(String name, Backend backend) {
    return new Activation(name, 6f, backend);
  }

  private void forEachChunk(int n, Backend.ChunkBody body) {
    if (backend == null || n < 2 * CHUNK) {
      body.run(0, 0, n);
    } else {
      backend.parallelChunks(n, (n + CHUNK - 1) / CHUNK, body);
    }
  }

  /** Bits of the largest float strictly below the upper clamp (the largest finite float for ReLU). */
  private int insideLastBits() {
    return upper == Float.POSITIVE_INFINITY ? 0x7F7FFFFF : Float.floatToRawIntBits(upper) - 1;
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
    forEachChunk(xd.length, (c, from, to) -> {
      // min/max (NaN propagates, -0 becomes +0): branch-free, so random signs cost no mispredictions
      for (int i = from; i < to; i++) {
        yd[i] = Math.min(Math.max(xd[i], 0f), upper);
      }
    });
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
    int insideLast = insideLastBits();
    forEachChunk(xd.length, (c, from, to) -> {
      // dx = (0 < x < upper) ? dy : +0, branch-free: positive floats order like their bits, so the
      // condition is 1 <= bits(x) <= insideLast, turned into an all-ones or all-zeros mask of dy's bits
      for (int i = from; i < to; i++) {
        int b = Float.floatToRawIntBits(xd[i]);
        int outside = ((b - 1) | (insideLast - b)) >> 31;
        dx[i] = Float.intBitsToFloat(Float.floatToRawIntBits(gd[i]) & ~outside);
      }
    });
    return dX;
  }
}
