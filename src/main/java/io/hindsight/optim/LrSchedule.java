package io.hindsight.optim;

/**
 * Learning rate as a function of the global step: linear warm-up from {@code base / warmupSteps}
 * to {@code base} over the first {@code warmupSteps} steps, then one of
 * <ul>
 *   <li>{@code constant}: {@code base};
 *   <li>{@code step}: {@code base * gamma^floor((t - warmup) / stepSize)};
 *   <li>{@code cosine}: {@code base * (1 + cos(pi * (t - warmup) / (total - warmup))) / 2}.
 * </ul>
 * The schedule is a pure function of the step, so a resumed run only needs the step number.
 */
public final class LrSchedule {
  /** Schedule kinds accepted in the job spec. */
  public enum Kind { CONSTANT, STEP, COSINE }

  private final Kind kind;
  private final double base;
  private final long totalSteps;
  private final long warmupSteps;
  private final long stepSize;
  private final double gamma;

  public LrSchedule(Kind kind, double base, long totalSteps, long warmupSteps, long stepSize, double gamma) {
    if (!(base > 0) || Double.isInfinite(base)) {
      throw new IllegalArgumentException("learning rate must be positive and finite, got " + base);
    }
    if (totalSteps <= 0 || warmupSteps < 0 || warmupSteps > totalSteps) {
      throw new IllegalArgumentException("invalid steps: total=" + totalSteps + " warmup=" + warmupSteps);
    }
    if (kind == Kind.STEP && stepSize <= 0) {
      throw new IllegalArgumentException("step schedule needs a positive step size");
    }
    this.kind = kind;
    this.base = base;
    this.totalSteps = totalSteps;
    this.warmupSteps = warmupSteps;
    this.stepSize = stepSize;
    this.gamma = gamma;
  }

  /** Learning rate for global step {@code t} (0-based). */
  public double at(long t) {
    if (t < warmupSteps) {
      return base * (t + 1) / warmupSteps;
    }
    long s = t - warmupSteps;
    return switch (kind) {
      case CONSTANT -> base;
      case STEP -> base * Math.pow(gamma, (double) (s / stepSize));
      case COSINE -> {
        long span = Math.max(1, totalSteps - warmupSteps);
        yield base * 0.5 * (1 + Math.cos(Math.PI * Math.min(s, span) / span));
      }
    };
  }
}
