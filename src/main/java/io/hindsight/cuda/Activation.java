package io.hindsight.cuda;

/** Activation fused into the INT8 GEMM epilogue; NaN passes through every one (and is counted). */
public enum Activation {
  NONE,
  /** {@code y < 0 ? 0 : y} */
  RELU,
  /** {@code y < 0 ? 0 : (y > 6 ? 6 : y)} */
  RELU6;

  /** Applies the activation exactly as the kernel does. */
  public float apply(float y) {
    return switch (this) {
      case NONE -> y;
      case RELU -> y < 0f ? 0f : y;
      case RELU6 -> y < 0f ? 0f : (y > 6f ? 6f : y);
    };
  }

  /** The kernels' integer code. */
  int code() {
    return ordinal();
  }
}
