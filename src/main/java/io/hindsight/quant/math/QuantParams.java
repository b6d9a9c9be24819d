package io.hindsight.quant.math;

/**
 * Scale and zero point of each channel, derived from a {@link Range} and a {@link QuantGrid}: the
 * one definition that the CPU engine, the CUDA kernels (whose arguments are {@link #scale},
 * {@link #zeroPoint}, {@link #lo} and {@link #hi}) and the ONNX export use. A value is quantized by
 * {@link FakeQuant#level} to the level {@code r} in {@code [lo, hi]}; the stored integer code is
 * {@code q = r + zeroPoint} in {@code [qmin, qmax]} and its value is {@code r * scale}
 * {@code = (q - zeroPoint) * scale}.
 *
 * <p>Derivation, channel by channel, in double precision from the range's double bounds, the scale
 * rounded once to float:
 * <ul>
 *   <li>Symmetric: {@code scale = float(max(|min|, |max|) / qmax)}, zero point 0, {@code lo = qmin},
 *       {@code hi = qmax}.
 *   <li>Asymmetric: the range is first widened to contain 0 ({@code min' = min(min, 0)},
 *       {@code max' = max(max, 0)}) so that 0 is exactly representable;
 *       {@code scale = float((max' - min') / (qmax - qmin))}; {@code z = rint(-min' / scale)} (half to
 *       even) clamped to {@code [0, qmax - qmin]} is the number of levels below zero, so
 *       {@code zeroPoint = qmin + z}, {@code lo = -z}, {@code hi = qmax - qmin - z}.
 *   <li>Zero width (symmetric {@code max|x| = 0}, asymmetric {@code min' = max' = 0}, or a width so
 *       small that the float scale would not be a normal number, or an infinite scale):
 *       {@code scale = 1}, zero point 0, {@code lo = hi = 0}: every value is quantized to exactly 0
 *       (non-zero finite values count as clipped). No division by zero happens anywhere.
 * </ul>
 * The device's dynamic path derives the same parameters from a range it measured itself
 * ({@code hs_derive_params} in {@code src/main/cuda/hs_common.cuh}, the same double operations).
 */
public final class QuantParams {
  private final QuantGrid grid;
  private final float[] scale;
  private final int[] lo;
  private final int[] hi;
  private final int[] zeroPoint;

  private QuantParams(QuantGrid grid, int channels) {
    this.grid = grid;
    this.scale = new float[channels];
    this.lo = new int[channels];
    this.hi = new int[channels];
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

  /** Per-tensor parameters of the range {@code [min, max]}. */
  public static QuantParams perTensor(QuantGrid grid, double min, double max) {
    return of(grid, Range.of(min, max));
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
    int steps = grid.steps();
    float s = (float) ((max - min) / steps);
    if (!(s >= Float.MIN_NORMAL) || Float.isInfinite(s)) {
      setZeroWidth(c);
      return;
    }
    int z = (int) Math.max(0, Math.min(steps, Math.rint(-min / s)));
    scale[c] = s;
    lo[c] = -z;
    hi[c] = steps - z;
    zeroPoint[c] = grid.qmin() + z;
  }

  private void setZeroWidth(int c) {
    scale[c] = 1f;
    lo[c] = 0;
    hi[c] = 0;
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

  /** The smallest level of channel {@code c}: its smallest code minus the zero point ({@code <= 0}). */
  public int lo(int c) {
    return lo[c];
  }

  /** The largest level of channel {@code c}: its largest code minus the zero point ({@code >= 0}). */
  public int hi(int c) {
    return hi[c];
  }

  /** Whether channel {@code c} has a zero-width range (quantizes everything to 0). */
  public boolean zeroWidth(int c) {
    return lo[c] == 0 && hi[c] == 0;
  }

  /** The smallest value channel {@code c} can represent: {@code lo * scale}. */
  public float representableMin(int c) {
    return lo[c] * scale[c];
  }

  /** The largest value channel {@code c} can represent: {@code hi * scale}. */
  public float representableMax(int c) {
    return hi[c] * scale[c];
  }

  @Override
  public String toString() {
    if (scale.length == 1) {
      return "QuantParams(" + grid.bits() + "-bit " + (grid.symmetric() ? "symmetric" : "asymmetric") + ", scale "
          + scale[0] + ", zeroPoint " + zeroPoint[0] + ", levels [" + lo[0] + ", " + hi[0] + "])";
    }
    return "QuantParams(" + grid.bits() + "-bit, " + scale.length + " channels)";
  }
}
