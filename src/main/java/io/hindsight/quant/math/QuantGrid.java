package io.hindsight.quant.math;

/**
 * The integer grid of a uniform {@code bits}-bit quantizer.
 *
 * <ul>
 *   <li><b>Symmetric</b> (signed, zero point 0): the <em>restricted</em> signed range
 *       {@code [-(2^(b-1) - 1), 2^(b-1) - 1]}, e.g. {@code [-127, 127]} for INT8. The most negative
 *       code {@code -2^(b-1)} is never produced, so the grid is symmetric around 0 and
 *       {@code q(-x) = -q(x)} (as TensorRT and most INT8 training work do).
 *   <li><b>Asymmetric</b> (unsigned with an integer zero point): {@code [0, 2^b - 1]}, e.g.
 *       {@code [0, 255]} for UINT8.
 * </ul>
 *
 * @param bits 2..16
 * @param symmetric signed restricted grid (true) or unsigned grid with a zero point (false)
 */
public record QuantGrid(int bits, boolean symmetric) {
  public static final int MIN_BITS = 2;
  public static final int MAX_BITS = 16;

  public QuantGrid {
    if (bits < MIN_BITS || bits > MAX_BITS) {
      throw new IllegalArgumentException("bits must be in [" + MIN_BITS + ", " + MAX_BITS + "], got " + bits);
    }
  }

  /** The smallest integer code: {@code -(2^(b-1) - 1)} symmetric, 0 asymmetric. */
  public int qmin() {
    return symmetric ? -((1 << (bits - 1)) - 1) : 0;
  }

  /** The largest integer code: {@code 2^(b-1) - 1} symmetric, {@code 2^b - 1} asymmetric. */
  public int qmax() {
    return symmetric ? (1 << (bits - 1)) - 1 : (1 << bits) - 1;
  }

  /** The number of steps between the smallest and the largest code ({@code qmax - qmin}). */
  public int steps() {
    return qmax() - qmin();
  }
}
