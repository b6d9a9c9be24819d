package io.hindsight.quant.math;

/** How a scaled value is mapped to an integer code. */
public enum Rounding {
  /** Round to nearest, ties to even (IEEE-754 default; what integer hardware does). Deterministic. */
  NEAREST,
  /**
   * Stochastic rounding: {@code floor(v + u)} with {@code u} uniform in {@code [0, 1)}, so that
   * {@code E[q] = v} (unbiased). Drawn from a seeded {@link io.hindsight.util.Rng}; meant for gradients.
   */
  STOCHASTIC
}
