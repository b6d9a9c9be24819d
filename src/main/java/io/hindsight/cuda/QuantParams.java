package io.hindsight.cuda;

/**
 * Uniform integer quantization parameters: {@code level = clamp(round(x * invScale) + zeroPoint,
 * qmin, qmax)}, {@code x ~ (level - zeroPoint) * scale}. Levels are stored as signed integers of
 * {@code bits} bits (int8 for up to 8 bits, int16 up to 16).
 *
 * <p>{@link #fromRange} is the bit-exact twin of the device function {@code hs_derive_params}
 * (hs_common.cuh), which the dynamic path evaluates on the GPU.
 */
public record QuantParams(int bits, boolean symmetric, float scale, float invScale, int zeroPoint, int qmin, int qmax) {

  public QuantParams {
    checkBits(bits);
    if (qmin > qmax || qmin < -(1 << (bits - 1)) || qmax > (1 << (bits - 1)) - 1) {
      throw new IllegalArgumentException("levels [" + qmin + ", " + qmax + "] do not fit " + bits + " bits");
    }
    if (zeroPoint < qmin || zeroPoint > qmax) {
      throw new IllegalArgumentException("zero point " + zeroPoint + " outside [" + qmin + ", " + qmax + "]");
    }
  }

  /**
   * Parameters for the range {@code [lo, hi]}:
   * <ul>
   *   <li>asymmetric: the range is widened to contain 0 ({@code lo' = min(lo, 0)}, {@code hi' = max(hi, 0)});
   *       {@code scale = (hi' - lo') / (2^bits - 1)}; levels {@code [-2^(bits-1), 2^(bits-1) - 1]};
   *       {@code zeroPoint = clamp(qmin - rint(lo' / scale), qmin, qmax)} (0.0 is exactly representable);</li>
   *   <li>symmetric: {@code scale = max(|lo|, |hi|) / (2^(bits-1) - 1)}, levels
   *       {@code [-(2^(bits-1) - 1), 2^(bits-1) - 1]} (narrow range), zero point 0.</li>
   * </ul>
   * A zero, negative, NaN or infinite scale (all-zero or empty range) becomes 1; {@code lo > hi}
   * (no finite value was seen) is the range {@code [0, 0]}. {@code invScale = 1 / scale}.
   */
  public static QuantParams fromRange(float lo, float hi, int bits, boolean symmetric) {
    checkBits(bits);
    if (!(lo <= hi)) {
      lo = 0f;
      hi = 0f;
    }
    int half = 1 << (bits - 1);
    float scale;
    int qmin;
    int qmax = half - 1;
    if (symmetric) {
      float amax = Math.max(Math.abs(lo), Math.abs(hi));
      scale = amax / (float) (half - 1);
      qmin = -(half - 1);
    } else {
      lo = Math.min(lo, 0f);
      hi = Math.max(hi, 0f);
      scale = (hi + -lo) / (float) ((1 << bits) - 1);
      qmin = -half;
    }
    if (!(scale > 0f) || Float.isInfinite(scale)) {
      scale = 1f;
    }
    int zeroPoint = 0;
    if (!symmetric) {
      float z = (float) qmin - (float) Math.rint(lo / scale);
      z = Math.min(Math.max(z, (float) qmin), (float) qmax);
      zeroPoint = (int) z;
    }
    return new QuantParams(bits, symmetric, scale, 1f / scale, zeroPoint, qmin, qmax);
  }

  /** Bytes per stored level: 1 up to 8 bits, else 2. */
  public int levelBytes() {
    return bits <= 8 ? 1 : 2;
  }

  /** The real value of a level: {@code (level - zeroPoint) * scale}. */
  public float dequantize(int level) {
    return (float) (level - zeroPoint) * scale;
  }

  private static void checkBits(int bits) {
    if (bits < 2 || bits > 16) {
      throw new IllegalArgumentException("bits must be in [2, 16], got " + bits);
    }
  }
}
