package io.hindsight.quant.estimator;

import io.hindsight.quant.math.ChannelStats;
import io.hindsight.quant.math.FakeQuant;
import io.hindsight.quant.math.QuantGrid;
import io.hindsight.quant.math.QuantParams;
import io.hindsight.quant.math.Range;
import java.util.Map;

/**
 * {@code dsgc} (dynamic, direction-sensitive gradient clipping, Zhu et al. 2020, "Towards
 * Unified INT8 Training for Convolutional Neural Network"): the symmetric range {@code ±c} whose
 * quantization keeps the gradient's direction best,
 * <pre>
 *   c* = argmax_c  cos(g, Q_c(g)),   c = alpha * max|g|,  alpha in [ALPHA_MIN, 1]
 * </pre>
 * where {@code Q_c} is round-to-nearest-even on the symmetric {@code bits}-bit grid clipped to
 * {@code ±c}. Meant for gradients (per-tensor only).
 *
 * <p>Search: golden-section search over {@code log(alpha)} on {@code [log ALPHA_MIN, 0]} with
 * {@link #EVALUATIONS} evaluations in all (the last one is {@code alpha = 1}, unclipped); the best
 * evaluated {@code alpha} wins, cosines within {@code 1e-9} counting as ties that keep the larger
 * clip (the cosine is blind to magnitude, so among equally well aligned clips the least
 * distorting one is taken). The cosine is evaluated on every
 * element for tensors of at most {@link #SAMPLE_LIMIT} values and on a deterministic strided
 * subsample of about {@code SAMPLE_LIMIT} values (every {@code ceil(E / SAMPLE_LIMIT)}-th) for
 * larger ones, which bounds the search cost. Non-finite values are skipped.
 */
public final class Dsgc extends AbstractRangeEstimator {
  /** The smallest clip fraction searched. */
  public static final double ALPHA_MIN = 1e-3;
  /** Cosine evaluations per search. */
  public static final int EVALUATIONS = 24;
  /** The largest number of values a cosine evaluation reads. */
  public static final int SAMPLE_LIMIT = 1 << 16;
  private static final double INV_PHI = (Math.sqrt(5) - 1) / 2;
  /** Cosines closer than this are ties, resolved toward the larger clip (less distortion of magnitudes). */
  private static final double TIE = 1e-9;

  private final QuantGrid grid;

  public Dsgc(QuantGrid grid) {
    super(EstimatorType.DSGC);
    if (!grid.symmetric()) {
      throw new IllegalArgumentException("dsgc clips symmetrically and needs a symmetric grid");
    }
    this.grid = grid;
  }

  @Override
  public boolean needsCurrentStats(boolean training) {
    return true;
  }

  @Override
  public long searchReadBytes(long elements) {
    return (long) EVALUATIONS * Math.min(elements, SAMPLE_LIMIT) * Float.BYTES;
  }

  @Override
  protected Range estimate(RangeRequest request) {
    ChannelStats s = DynamicRanges.requireCurrent(request, type());
    if (request.channels() != 1) {
      throw new IllegalStateException("dsgc supports per-tensor ranges only, got " + request.channels() + " channels");
    }
    if (request.values() == null) {
      throw new IllegalStateException("dsgc searches the tensor's values and needs them");
    }
    double amax = s.absMax(0);
    if (amax == 0) {
      return Range.of(0, 0);
    }
    double clip = bestClip(request.values(), amax);
    return Range.of(-clip, clip);
  }

  /** The clip value found by the golden-section search (see the class comment). */
  double bestClip(float[] g, double amax) {
    int stride = Math.max(1, (g.length + SAMPLE_LIMIT - 1) / SAMPLE_LIMIT);
    double a = Math.log(ALPHA_MIN);
    double b = 0;
    double c = b - INV_PHI * (b - a);
    double d = a + INV_PHI * (b - a);
    double fc = cosine(g, stride, amax * Math.exp(c));
    double fd = cosine(g, stride, amax * Math.exp(d));
    double bestAlpha = fd >= fc - TIE ? Math.exp(d) : Math.exp(c);
    double best = Math.max(fc, fd);
    for (int i = 2; i < EVALUATIONS - 1; i++) {
      double x;
      double fx;
      if (fc > fd) {
        b = d;
        d = c;
        fd = fc;
        c = b - INV_PHI * (b - a);
        x = c;
        fx = fc = cosine(g, stride, amax * Math.exp(c));
      } else {
        a = c;
        c = d;
        fc = fd;
        d = a + INV_PHI * (b - a);
        x = d;
        fx = fd = cosine(g, stride, amax * Math.exp(d));
      }
      if (fx > best + TIE || (fx >= best - TIE && Math.exp(x) > bestAlpha)) {
        best = Math.max(best, fx);
        bestAlpha = Math.exp(x);
      }
    }
    if (cosine(g, stride, amax) >= best - TIE) {
      bestAlpha = 1.0;
    }
    return bestAlpha * amax;
  }

  /** {@code cos(g, Q_clip(g))} over every {@code stride}-th finite value; 0 if either vector is 0. */
  double cosine(float[] g, int stride, double clip) {
    QuantParams p = QuantParams.perTensor(grid, -clip, clip);
    if (p.zeroWidth(0)) {
      return 0;
    }
    float scale = p.scale(0);
    float lo = p.lo(0);
    float hi = p.hi(0);
    double dot = 0;
    double gg = 0;
    double qq = 0;
    for (int i = 0; i < g.length; i += stride) {
      float x = g[i];
      if (!(Math.abs(x) <= Float.MAX_VALUE)) {
        continue;
      }
      float q = FakeQuant.level(x, scale, lo, hi, false, 0L, i) * scale;
      dot += (double) x * q;
      gg += (double) x * x;
      qq += (double) q * q;
    }
    return gg == 0 || qq == 0 ? 0 : dot / Math.sqrt(gg * qq);
  }

  @Override
  protected void learn(ChannelStats observed, Range used) {
    // stateless: each gradient gets its own search
  }

  @Override
  protected void saveState(Map<String, double[]> state) {}

  @Override
  protected void restoreState(Map<String, double[]> state) {}
}
