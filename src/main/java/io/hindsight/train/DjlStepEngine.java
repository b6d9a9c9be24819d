package io.hindsight.train;

import io.hindsight.data.Batch;
import io.hindsight.djl.DjlModel;
import io.hindsight.djl.LibtorchSelfCheck;
import io.hindsight.djl.TorchRuntime;
import io.hindsight.model.Model;
import io.hindsight.nn.SoftmaxCrossEntropy;
import io.hindsight.tensor.Tensor;
import java.util.List;

/**
 * The FP32 baseline engine ({@code "engine": "djl"}): the same architecture, initial weights,
 * data order, schedule and SGD semantics, but every forward, backward and update computed by
 * libtorch through DJL, so accuracy and speed can be compared with an engine nobody here wrote.
 * Weights are copied back into the trainer's model only for checkpoints. Before training it checks
 * libtorch on this model's convolution shapes ({@link LibtorchSelfCheck}), so a broken reference
 * is reported, not trusted.
 */
final class DjlStepEngine implements StepEngine {
  private final Model model;
  private final DjlModel djl;
  private final SoftmaxCrossEntropy evalLoss = new SoftmaxCrossEntropy();
  private final SelfCheck libtorchCheck;

  DjlStepEngine(Model model, double momentum, boolean nesterov, double weightDecay, int threads) {
    TorchRuntime.engine(threads);
    LibtorchSelfCheck.Result r = LibtorchSelfCheck.forModel(model);
    this.libtorchCheck = new SelfCheck("libtorchConvInputGradient", r.passed(), r.describe());
    this.model = model;
    this.djl = new DjlModel(model, momentum, nesterov, weightDecay);
  }

  @Override
  public StepOutcome trainStep(Batch batch, double lr) {
    float[] r = djl.trainStepCounting(batch.images().data(), batch.labels(), batch.size(), lr);
    boolean finite = Float.isFinite(r[0]);
    return new StepOutcome(r[0], (int) r[1], finite);
  }

  @Override
  public StepOutcome evaluate(Batch batch) {
    float[] logits = djl.predict(batch.images().data(), batch.size());
    float l = evalLoss.forward(Tensor.of(logits, batch.size(), logits.length / batch.size()), batch.labels());
    return new StepOutcome((double) l * batch.size(), evalLoss.correct(), true);
  }

  /** Whether libtorch gets this model's convolution input gradients right on this machine ({@link LibtorchSelfCheck}). */
  @Override
  public List<SelfCheck> selfChecks() {
    return List.of(libtorchCheck);
  }

  @Override
  public void syncToModel() {
    djl.copyTo(model);
  }

  @Override
  public void close() {
    djl.close();
  }
}
