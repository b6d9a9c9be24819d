package io.hindsight.cuda;

/** How a scaled value becomes an integer level (see {@link QuantRef}). */
public enum Rounding {
  /** Round half to even ({@code Math.rint}, CUDA {@code rintf}). */
  NEAREST_EVEN,
  /** {@code floor(v + u)} with {@code u = QuantRef.uniform(seed, index)}: unbiased, {@code E[level] = v}. */
  STOCHASTIC;

  /** The kernels' integer flag. */
  int flag() {
    return this == STOCHASTIC ? 1 : 0;
  }
}
