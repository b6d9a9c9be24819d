package io.hindsight.train;

import com.fasterxml.jackson.databind.JsonNode;
import io.hindsight.nn.QuantHooksProvider;

/**
 * A component that takes part in a run without the trainer knowing its details, e.g. the
 * quantization plan: it may give layers their quantization hooks, is told when steps begin and
 * end, saves and restores its state in checkpoints (under {@link #name()}), and adds a section to
 * {@code result.json}.
 */
public interface TrainingPlugin {

  /** Key of this plugin's checkpoint state and result section. */
  String name();

  /** Hooks for the model's quantizable layers, or null to leave them in full precision. */
  default QuantHooksProvider hooks() {
    return null;
  }

  /** The model was built (and, when resuming, before its state is restored). */
  default void onModelBuilt(io.hindsight.model.Model model) {}

  /** An epoch (1-based) begins. */
  default void onEpochStart(int epoch) {}

  default void beforeStep(long globalStep) {}

  default void afterStep(long globalStep) {}

  /** The training step {@code globalStep} ended with {@code loss} (NaN where the step was skipped as non-finite). */
  default void onStepLoss(long globalStep, double loss) {}

  default void onEpochEnd(int epoch) {}

  /** A checkpoint is about to be written: flush anything that must be durable with it. */
  default void beforeCheckpoint() {}

  /** The run ended (successfully or not): release files. */
  default void onRunEnd() {}

  /** State to checkpoint, or null if stateless. */
  default JsonNode saveState() {
    return null;
  }

  default void restoreState(JsonNode state) {}

  /** A section for {@code result.json}, or null. */
  default JsonNode resultSection() {
    return null;
  }
}
