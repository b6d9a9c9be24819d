package io.hindsight.train;

/** Receives progress of a run: the CLI draws a progress bar, the service streams events and metrics. */
public interface TrainingListener {
  TrainingListener NONE = new TrainingListener() {};

  default void onStart(int epochs, int stepsPerEpoch, long resumedAtStep) {}

  default void onStep(StepProgress progress) {}

  default void onEpoch(EpochMetrics metrics) {}

  default void onCheckpoint(long globalStep) {}

  /** Something the user must know about the run's trustworthiness (e.g. a failed engine self-check). */
  default void onWarning(String message) {}

  /** The run went wrong at a step ({@link RunHealth}); by default reported as a warning. */
  default void onHealthFlag(HealthFlag flag) {
    onWarning(flag.message());
  }
}
