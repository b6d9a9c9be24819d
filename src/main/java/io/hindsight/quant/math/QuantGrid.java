package io.hindsight.quant.math;

/**
 * The integer grid of a uniform {@code bits}-bit quantizer. Levels are stored as signed integers of
 * {@code bits} bits (int8 up to 8 bits, int16 up to 16), exactly as an integer accelerator and ONNX's
 * {@code QuantizeLinear} with a signed zero point hold them.
 *
 * <ul>
 *   <li><b>Symmetric</b> (zero point 0): the <em>restricted</em> signed range
 *       {@code [-(2^(b-1) - 1), 2^(b-1) - 1]}, e.g. {@code [-127, 127]} for INT8. The most negative
 *       code {@code -2^(b-1)} is never produced, so the grid is symmetric around 0 and
 *       {@code q(-x) = -q(x)} (as TensorRT and most INT8 training work do).
 *   <li><b>Asymmetric</b> (integer zero point): the full signed range {@code [-2^(b-1), 2^(b-1) - 1]},
 *       e.g. {@code [-128, 127]} for INT8, with a zero point inside it.
 * </ul>
 *
 * @param bits 2..16
 * @param symmetric restricted signed grid with zero point 0 (true) or full signed grid with a zero point (false)
 */
public record QuantGrid(int bits, boolean symmetric) {
  public static final int MIN_BITS = 2;
  public static final int MAX_BITS = 16;

  public QuantGrid {
    if (bits < MIN_BITS || bits > MAX_BITS) {
      throw new IllegalArgumentException("bits must be in [" + MIN_BITS + ", " + MAX_BITS + "], got " + bits);
    }
  }

  /** The smallest integer code: {@code -(2^(b-1) - 1)} symmetric, {@code -2^(b-1)} asymmetric. */
  public int qmin() {
    return symmetric ? -((1 << (bits - 1)) - 1) : -(1 << (bits - 1));
  }

  /** The largest integer code: {@code 2^(b-1) - 1}. */
  public int qmax() {
    return (1 << (bits - 1)) - 1;
  }

  /** The number of steps between the smallest and the largest code ({@code qmax - qmin}). */
  public int steps() {
    return qmax() - qmin();
  }

  /** Bytes per stored level: 1 up to 8 bits, else 2. */
  public int levelBytes() {
    return bits <= 8 ? 1 : 2;
  }
}
