package io.hindsight.train;

/** Receives progress of a run: the CLI draws a progress bar, the service streams events and metrics. */
public interface TrainingListener {
  TrainingListener NONE = new TrainingListener() {};

  default void onStart(int epochs, int stepsPerEpoch, long resumedAtStep) {}

  default void onStep(StepProgress progress) {}

  default void onEpoch(EpochMetrics metrics) {}

  default void onCheckpoint(long globalStep) {}
}
