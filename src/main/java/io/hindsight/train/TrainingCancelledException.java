package io.hindsight.train;

/** The run was asked to stop; a checkpoint of the last completed step was written first. */
public final class TrainingCancelledException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final long globalStep;

  public TrainingCancelledException(long globalStep) {
    super("training cancelled at step " + globalStep);
    this.globalStep = globalStep;
  }

  public long globalStep() {
    return globalStep;
  }
}
