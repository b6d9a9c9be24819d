package io.hindsight.quant.traffic;

/**
 * Aggregates quantization traffic per step, per epoch and per run. The owner calls
 * {@link #beginStep()} / {@link #beginEpoch()}; quantizers call {@link #record}. Not thread-safe.
 */
public final class TrafficMeter {
  private TrafficTotals step = TrafficTotals.ZERO;
  private TrafficTotals epoch = TrafficTotals.ZERO;
  private TrafficTotals run = TrafficTotals.ZERO;

  public void record(TrafficTotals t) {
    step = step.plus(t);
    epoch = epoch.plus(t);
    run = run.plus(t);
  }

  /** Starts a new step: {@link #step()} restarts from zero. */
  public void beginStep() {
    step = TrafficTotals.ZERO;
  }

  /** Starts a new epoch: {@link #epoch()} restarts from zero. */
  public void beginEpoch() {
    epoch = TrafficTotals.ZERO;
  }

  /** Traffic since the last {@link #beginStep()}. */
  public TrafficTotals step() {
    return step;
  }

  /** Traffic since the last {@link #beginEpoch()}. */
  public TrafficTotals epoch() {
    return epoch;
  }

  /** Traffic of the whole run (including what was restored from a checkpoint). */
  public TrafficTotals run() {
    return run;
  }

  /** Restores the run totals of a checkpoint; the step and epoch totals restart from zero. */
  public void restore(TrafficTotals runTotals) {
    run = runTotals;
    step = TrafficTotals.ZERO;
    epoch = TrafficTotals.ZERO;
  }
}
