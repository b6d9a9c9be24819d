package io.hindsight.quant.estimator;

import io.hindsight.quant.math.ChannelStats;
import io.hindsight.quant.math.Range;

/**
 * A static estimator that learns from past statistics: after its warm-up, its range comes from
 * {@link #pastEstimate()} alone and it never asks for the current tensor. It warms up:
 * {@link Warmup#DYNAMIC} uses the current tensor's statistics (a dynamic step) for the first
 * {@code warmupSteps} training steps, {@link Warmup#FIXED} a given initial range for the first step.
 *
 * <p>Why more than one dynamic step: in the first steps of training a tensor's range can grow or
 * shrink several-fold from one step to the next (the first updates of freshly initialized weights),
 * so a range from the step before clips a large share of the tensor or wastes most of the grid,
 * exactly while training is least stable; later the range moves by a few percent a step and the
 * range from the step before is as good as the tensor's own. A few dynamic steps cover that
 * transient at the cost of a statistics pass each (charged in the traffic model as dynamic steps).
 * Evaluation uses the learned range as soon as there is one.
 */
public abstract class StaticRangeEstimator extends AbstractRangeEstimator {
  /** Dynamic warm-up steps of an estimator built without a count: step 0 only (the paper's definition). */
  public static final int PAPER_WARMUP_STEPS = 1;
  private final Warmup warmup;
  private final int warmupSteps;
  private final double initialMin;
  private final double initialMax;

  /**
   * @param initialMin the warm-up range minimum, used only with {@link Warmup#FIXED}
   * @param initialMax the warm-up range maximum, used only with {@link Warmup#FIXED}
   */
  protected StaticRangeEstimator(EstimatorType type, Warmup warmup, double initialMin, double initialMax) {
    this(type, warmup, PAPER_WARMUP_STEPS, initialMin, initialMax);
  }

  /**
   * @param warmupSteps with {@link Warmup#DYNAMIC}: how many training steps use the current tensor's
   *     range (>= 1); ignored with {@link Warmup#FIXED}
   */
  protected StaticRangeEstimator(EstimatorType type, Warmup warmup, int warmupSteps, double initialMin,
      double initialMax) {
    super(type);
    if (warmupSteps < 1) {
      throw new IllegalArgumentException("warmupSteps must be >= 1, got " + warmupSteps);
    }
    if (!type.isStatic()) {
      throw new IllegalArgumentException(type + " is not a static estimator");
    }
    if (warmup == Warmup.FIXED && !(initialMin < initialMax && Double.isFinite(initialMin) && Double.isFinite(initialMax))) {
      throw new IllegalArgumentException(
          "fixed warm-up needs a finite initial range with min < max, got [" + initialMin + ", " + initialMax + "]");
    }
    this.warmup = warmup;
    this.warmupSteps = warmupSteps;
    this.initialMin = initialMin;
    this.initialMax = initialMax;
  }

  public Warmup warmup() {
    return warmup;
  }

  /** Training steps of dynamic warm-up (see the class comment). */
  public int warmupSteps() {
    return warmupSteps;
  }

  /** Whether a training step now would still be a dynamic warm-up step. */
  private boolean warmingUp() {
    return warmup == Warmup.DYNAMIC && updates() < warmupSteps;
  }

  /** The range learned from earlier steps, or null before the first finite observation. */
  protected abstract Range pastEstimate();

  @Override
  public final boolean needsCurrentStats(boolean training) {
    return warmup == Warmup.DYNAMIC && (pastEstimate() == null || (training && warmingUp()));
  }

  @Override
  protected final Range estimate(RangeRequest request) {
    Range past = pastEstimate();
    if (past != null && !(request.training() && warmingUp() && request.current() != null)) {
      if (past.channels() != request.channels()) {
        throw new IllegalStateException(type() + " estimator learned " + past.channels()
            + " channels but was asked for " + request.channels());
      }
      return past;
    }
    if (warmup == Warmup.FIXED) {
      return Range.uniform(request.channels(), initialMin, initialMax);
    }
    if (request.current() == null) {
      throw new IllegalStateException(type() + " estimator warms up dynamically and needs the current statistics");
    }
    return warmupRange(request.current());
  }

  /** The dynamic warm-up range from the current statistics; the finite {@code [min, max]} by default. */
  protected Range warmupRange(ChannelStats current) {
    return current.finiteRange();
  }
}
