package io.hindsight.train;

import io.hindsight.data.Batch;
import java.util.List;

/**
 * What the trainer needs from an engine: one optimization step on a batch and evaluation of a
 * batch. Our engine and the DJL/libtorch baseline both implement it, so they run under the same
 * loop, data order, schedule, metrics and result format.
 */
public interface StepEngine extends AutoCloseable {

  /** Forward, loss, backward and optimizer update with learning rate {@code lr}. */
  StepOutcome trainStep(Batch batch, double lr);

  /** Loss (summed over the batch) and correct predictions in evaluation mode; no state changes. */
  StepOutcome evaluate(Batch batch);

  /** The checks the engine ran on itself when it was created; recorded in provenance, failures warned about. */
  default List<SelfCheck> selfChecks() {
    return List.of();
  }

  /** Writes the engine's current weights into the trainer's {@link io.hindsight.model.Model} (for checkpoints). */
  default void syncToModel() {}

  @Override
  default void close() {}

  /**
   * @param loss mean loss for a train step, summed loss for evaluation
   * @param correct number of correctly classified examples
   * @param applied whether the optimizer update was applied (false when the loss was not finite)
   */
  record StepOutcome(double loss, int correct, boolean applied) {}
}
