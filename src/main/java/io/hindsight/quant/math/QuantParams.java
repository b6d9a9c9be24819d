package io.hindsight.quant.math;

/**
 * Scale and zero point of each channel, derived from a {@link Range} and a {@link QuantGrid}, in
 * the form the kernel uses: a value {@code x} is fake-quantized as
 * <pre>
 *   v = clamp(x / scale, lo, hi)        lo = qmin - zeroPoint, hi = qmax - zeroPoint (integers)
 *   y = round(v) * scale                (= (q - zeroPoint) * scale with q = round(v) + zeroPoint)
 * </pre>
 *
 * <ul>
 *   <li>Symmetric: {@code scale = max(|min|, |max|) / qmax}, zero point 0.
 *   <li>Asymmetric: the range is first widened to contain 0 ({@code min' = min(min, 0)},
 *       {@code max' = max(max, 0)}) so that 0 is exactly representable;
 *       {@code scale = (max' - min') / (2^b - 1)}, {@code zeroPoint = round(-min' / scale)}
 *       clamped to {@code [0, 2^b - 1]}.
 *   <li>Zero width (symmetric {@code max|x| = 0}, asymmetric {@code min' = max' = 0}, or a width
 *       so small that the float scale would not be a normal number): {@code scale = 1},
 *       {@code lo = hi = 0}: every value is quantized to exactly 0 (non-zero values count as
 *       clipped). No division by zero happens anywhere.
 * </ul>
 */
public final class QuantParams {
  private final QuantGrid grid;
  private final float[] scale;
  private final float[] lo;
  private final float[] hi;
  private final int[] zeroPoint;

  private QuantParams(QuantGrid grid, int channels) {
    this.grid = grid;
    this.scale = new float[channels];
    this.lo = new float[channels];
    this.hi = new float[channels];
    this.zeroPoint = new int[channels];
  }

  /** The parameters that quantize {@code range} onto {@code grid}, channel by channel. */
  public static QuantParams of(QuantGrid grid, Range range) {
    QuantParams p = new QuantParams(grid, range.channels());
    for (int c = 0; c < range.channels(); c++) {
      if (grid.symmetric()) {
        p.setSymmetric(c, Math.max(Math.abs(range.min(c)), Math.abs(range.max(c))));
      } else {
        p.setAsymmetric(c, Math.min(range.min(c), 0.0), Math.max(range.max(c), 0.0));
      }
    }
    return p;
  }

  private void setSymmetric(int c, double amax) {
    float s = (float) (amax / grid.qmax());
    if (!(s >= Float.MIN_NORMAL) || Float.isInfinite(s)) {
      setZeroWidth(c);
      return;
    }
    scale[c] = s;
    lo[c] = grid.qmin();
    hi[c] = grid.qmax();
    zeroPoint[c] = 0;
  }

  private void setAsymmetric(int c, double min, double max) {
    float s = (float) ((max - min) / grid.qmax());
    if (!(s >= Float.MIN_NORMAL) || Float.isInfinite(s)) {
      setZeroWidth(c);
      return;
    }
    int zp = (int) Math.max(0, Math.min(grid.qmax(), Math.rint(-min / s)));
    scale[c] = s;
    lo[c] = -zp;
    hi[c] = grid.qmax() - zp;
    zeroPoint[c] = zp;
  }

  private void setZeroWidth(int c) {
    scale[c] = 1f;
    lo[c] = 0f;
    hi[c] = 0f;
    zeroPoint[c] = 0;
  }

  public QuantGrid grid() {
    return grid;
  }

  public int channels() {
    return scale.length;
  }

  /** The step between adjacent codes of channel {@code c}. */
  public float scale(int c) {
    return scale[c];
  }

  /** The integer code that represents 0 in channel {@code c} (0 for symmetric grids). */
  public int zeroPoint(int c) {
    return zeroPoint[c];
  }

  /** Smallest code minus the zero point ({@code <= 0}). */
  public float lo(int c) {
    return lo[c];
  }

  /** Largest code minus the zero point ({@code >= 0}). */
  public float hi(int c) {
    return hi[c];
  }

  /** Whether channel {@code c} has a zero-width range (quantizes everything to 0). */
  public boolean zeroWidth(int c) {
    return lo[c] == 0f && hi[c] == 0f;
  }

  /** The smallest value channel {@code c} can represent: {@code lo * scale}. */
  public float representableMin(int c) {
    return lo[c] * scale[c];
  }

  /** The largest value channel {@code c} can represent: {@code hi * scale}. */
  public float representableMax(int c) {
    return hi[c] * scale[c];
  }
}
