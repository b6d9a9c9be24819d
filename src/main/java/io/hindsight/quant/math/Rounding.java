package io.hindsight.quant.math;

/** How a scaled value is mapped to an integer level (see {@link FakeQuant#level}). */
public enum Rounding {
  /** Round to nearest, ties to even (IEEE-754 default, ONNX {@code QuantizeLinear}, CUDA {@code rintf}). Deterministic. */
  NEAREST,
  /**
   * Stochastic rounding: {@code floor(v)} plus one with probability {@code frac(v)} (to within
   * {@code 2^-24}), so that {@code E[level] = v} (unbiased). The uniform numbers come from
   * {@link CounterRng}; meant for gradients.
   */
  STOCHASTIC;

  /** The kernels' integer flag ({@code stochastic} argument). */
  public int flag() {
    return this == STOCHASTIC ? 1 : 0;
  }
}
