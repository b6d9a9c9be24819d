package io.hindsight.quant.estimator;

import io.hindsight.quant.math.ChannelStats;
import io.hindsight.quant.math.Range;
import java.util.Arrays;
import java.util.Map;

/**
 * {@code amax-history} (static, NVIDIA Transformer Engine "delayed scaling" with the {@code max}
 * algorithm): keeps the absolute maxima {@code a_i = max|x|} of the last {@code historyLength}
 * quantized tensors (default 16) and uses the symmetric range
 * <pre>
 *   r_t = ± max(a_{t-L}, ..., a_{t-1}) / 2^margin
 * </pre>
 * per channel: the amax range shrunk by {@code 2^margin} (default 0), as the job spec defines it.
 * A positive margin trades clipping of the largest values for resolution; a negative margin
 * leaves headroom for values that grow between steps and equals Transformer Engine's margin
 * {@code -margin} (TE divides its scale factor, which multiplies x, by {@code 2^margin}).
 * Dynamic warm-up uses {@code ±max|x_0| / 2^margin}; fixed warm-up uses the given initial range.
 */
public final class AmaxHistory extends StaticRangeEstimator {
  public static final int DEFAULT_HISTORY_LENGTH = 16;
  public static final int DEFAULT_MARGIN = 0;
  private static final String HISTORY = "history";
  private static final String META = "meta"; // {channels, count, next}

  private final int historyLength;
  private final int margin;
  private final double headroom;
  private double[] history; // (historyLength, channels), a ring buffer of per-channel amax
  private int channels;
  private int count;
  private int next;

  public AmaxHistory(int historyLength, int margin, Warmup warmup, double initialMin, double initialMax) {
    this(historyLength, margin, warmup, PAPER_WARMUP_STEPS, initialMin, initialMax);
  }

  /** @param warmupSteps training steps of dynamic warm-up ({@link StaticRangeEstimator}) */
  public AmaxHistory(int historyLength, int margin, Warmup warmup, int warmupSteps, double initialMin,
      double initialMax) {
    super(EstimatorType.AMAX_HISTORY, warmup, warmupSteps, initialMin, initialMax);
    if (historyLength < 1) {
      throw new IllegalArgumentException("historyLength must be >= 1, got " + historyLength);
    }
    if (margin < -30 || margin > 30) {
      throw new IllegalArgumentException("margin must be in [-30, 30], got " + margin);
    }
    this.historyLength = historyLength;
    this.margin = margin;
    this.headroom = Math.scalb(1.0, -margin);
  }

  public int historyLength() {
    return historyLength;
  }

  public int margin() {
    return margin;
  }

  @Override
  protected Range pastEstimate() {
    if (count == 0) {
      return null;
    }
    double[] amax = new double[channels];
    for (int h = 0; h < count; h++) {
      for (int c = 0; c < channels; c++) {
        amax[c] = Math.max(amax[c], history[h * channels + c]);
      }
    }
    return symmetric(amax);
  }

  @Override
  protected Range warmupRange(ChannelStats current) {
    double[] amax = new double[current.channels()];
    for (int c = 0; c < amax.length; c++) {
      amax[c] = current.absMax(c);
    }
    return symmetric(amax);
  }

  private Range symmetric(double[] amax) {
    double[] lo = new double[amax.length];
    double[] hi = new double[amax.length];
    for (int c = 0; c < amax.length; c++) {
      hi[c] = amax[c] * headroom;
      lo[c] = -hi[c];
    }
    return Range.of(lo, hi);
  }

  @Override
  protected void learn(ChannelStats observed, Range used) {
    if (history == null) {
      channels = observed.channels();
      history = new double[historyLength * channels];
    } else if (observed.channels() != channels) {
      throw new IllegalStateException(
          "amax history holds " + channels + " channels, observed " + observed.channels());
    }
    for (int c = 0; c < channels; c++) {
      history[next * channels + c] = observed.absMax(c);
    }
    next = (next + 1) % historyLength;
    count = Math.min(count + 1, historyLength);
  }

  @Override
  protected void saveState(Map<String, double[]> state) {
    if (history != null) {
      state.put(HISTORY, history.clone());
      state.put(META, new double[] {channels, count, next});
    }
  }

  @Override
  protected void restoreState(Map<String, double[]> state) {
    double[] h = state.get(HISTORY);
    if (h == null) {
      history = null;
      channels = 0;
      count = 0;
      next = 0;
      return;
    }
    double[] meta = StateMaps.required(state, META, type());
    int c = (int) meta[0];
    if (meta.length != 3 || c <= 0 || h.length != historyLength * c) {
      throw new IllegalArgumentException("amax-history state does not match historyLength " + historyLength
          + " (history of " + h.length + " values, meta " + Arrays.toString(meta) + ")");
    }
    history = h.clone();
    channels = c;
    count = (int) meta[1];
    next = (int) meta[2];
  }
}
