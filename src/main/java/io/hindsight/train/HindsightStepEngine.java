package io.hindsight.train;

import io.hindsight.data.Batch;
import io.hindsight.model.Model;
import io.hindsight.nn.Parameter;
import io.hindsight.nn.SoftmaxCrossEntropy;
import io.hindsight.optim.Sgd;
import io.hindsight.tensor.Tensor;

/**
 * Our engine's step: {@code model.forward}, softmax cross-entropy, {@code model.backward}, SGD.
 * A step whose loss or gradients are not finite is not applied (the weights stay as they were),
 * so one spike cannot destroy the model; the trainer counts such steps and fails the run after
 * the configured patience.
 */
public final class HindsightStepEngine implements StepEngine {
  private final Model model;
  private final Sgd sgd;
  private final SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy();

  public HindsightStepEngine(Model model, Sgd sgd) {
    this.model = model;
    this.sgd = sgd;
  }

  @Override
  public StepOutcome trainStep(Batch batch, double lr) {
    Tensor logits = model.forward(batch.images(), true);
    float l = loss.forward(logits, batch.labels());
    int correct = loss.correct();
    if (!Float.isFinite(l)) {
      return new StepOutcome(l, correct, false);
    }
    model.backward(loss.backward());
    for (Parameter p : model.parameters()) {
      for (float g : p.grad().data()) {
        if (!Float.isFinite(g)) {
          return new StepOutcome(Float.NaN, correct, false);
        }
      }
    }
    sgd.step(lr);
    return new StepOutcome(l, correct, true);
  }

  @Override
  public StepOutcome evaluate(Batch batch) {
    Tensor logits = model.forward(batch.images(), false);
    float l = loss.forward(logits, batch.labels());
    return new StepOutcome((double) l * batch.size(), loss.correct(), true);
  }
}
