package io.hindsight.djl;

import static io.hindsight.djl.CloseAssert.assertClose;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import io.hindsight.backend.CpuBackend;
import io.hindsight.model.Model;
import io.hindsight.model.ModelFactory;
import io.hindsight.nn.Buffer;
import io.hindsight.nn.Parameter;
import io.hindsight.nn.QuantHooksProvider;
import io.hindsight.nn.SoftmaxCrossEntropy;
import io.hindsight.optim.Sgd;
import io.hindsight.tensor.Tensor;
import io.hindsight.util.Rng;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Whole models at small width: from identical weights, our engine and {@link DjlModel} must agree
 * on the logits, the loss, every parameter gradient, the parameters and BatchNorm statistics after
 * SGD steps (momentum 0.9, weight decay 5e-4) and the evaluation-mode logits afterwards.
 */
class DjlModelParityTest {
  private static final int[] INPUT = {1, 28, 28};
  private static final int CLASSES = 10;
  private static final int BATCH = 4;
  private static final double LR = 0.05;
  private static final double MOMENTUM = 0.9;
  private static final double WEIGHT_DECAY = 5e-4;
  /** Deep nets (BatchNorm over 4 samples) amplify float32 rounding differences. */
  private static final double GRAD_RTOL = 2e-3;
  private static final double GRAD_ATOL_OF_MAX = 1e-5;

  private static final CpuBackend BACKEND = new CpuBackend(2);

  private static Model build(String arch, long seed) {
    return new ModelFactory(BACKEND, QuantHooksProvider.NONE, new Rng(1)).build(arch, 0.25, 0.0, INPUT, CLASSES,
        new Rng(seed));
  }

  /**
   * Two steps exercise the momentum update ({@code v = m v + g}) after the first ({@code v = g}).
   * MobileNetV2 gets one: after its first step at batch 4 its early-layer gradients change by ~4%
   * for parameter differences of 1e-6 (measured with libtorch against itself), so float32
   * rounding differences of step one make step-two gradients incomparable element-wise.
   */
  @ParameterizedTest(name = "{0} nesterov={1} steps={2}")
  @CsvSource({"mlp, false, 2", "cnn, false, 2", "resnet20, false, 2", "mobilenetv2, false, 1", "cnn, true, 2"})
  void sgdStepsMatchLibtorch(String arch, boolean nesterov, int steps) {
    try {
      checkSgdSteps(arch, nesterov, steps);
    } catch (AssertionError e) {
      LibtorchHealth.failUnlessLibtorchIsBroken(e);
    }
  }

  private static void checkSgdSteps(String arch, boolean nesterov, int steps) {
    Model ours = build(arch, 7);
    Rng data = new Rng(99);
    try (DjlModel gradients = new DjlModel(ours);
        DjlModel torch = new DjlModel(ours, MOMENTUM, nesterov, WEIGHT_DECAY)) {
      Sgd sgd = new Sgd(ours.parameters(), MOMENTUM, nesterov, WEIGHT_DECAY);
      SoftmaxCrossEntropy ce = new SoftmaxCrossEntropy();
      for (int step = 0; step < steps; step++) {
        float[] images = TestData.uniform(data, 0, 1, BATCH, INPUT[0], INPUT[1], INPUT[2]).data();
        int[] labels = TestData.labels(data, BATCH, CLASSES);
        String at = arch + " step " + step;

        Tensor logits = ours.forward(Tensor.of(images.clone(), BATCH, INPUT[0], INPUT[1], INPUT[2]), true);
        float loss = ce.forward(logits, labels);
        ours.backward(ce.backward());
        if (step == 0) {
          StepResult ref = gradients.forwardBackward(images, labels, BATCH, true);
          assertClose(at + " logits", ref.output(), logits, 1e-4, 1e-4 * CloseAssert.maxAbs(ref.output()));
          // absolute slack relative to the largest gradient anywhere in the model: some gradients are
          // mathematically zero (a BatchNorm shift feeding a 1x1 conv into a training-mode BatchNorm)
          // and both engines return only rounding noise there
          double scale = ref.gradients().values().stream().mapToDouble(CloseAssert::maxAbs).max().orElse(1);
          for (Map.Entry<String, Parameter> p : ours.namedParameters().entrySet()) {
            assertClose(at + " grad " + p.getKey(), ref.gradient(p.getKey()), p.getValue().grad(), GRAD_RTOL,
                GRAD_ATOL_OF_MAX * scale);
          }
        }
        sgd.step(LR);

        float torchLoss = torch.trainStep(images, labels, BATCH, LR);
        assertThat((double) loss).as(at + " loss").isCloseTo(torchLoss,
            offset(1e-4 * Math.abs(torchLoss) + 1e-5));
        for (Parameter p : ours.parameters()) {
          assertClose(at + " param " + p.name(), torch.parameter(p.name()), p.value(), 1e-4, 1e-5);
        }
        for (Buffer b : ours.buffers()) {
          assertClose(at + " buffer " + b.name(), torch.buffer(b.name()), b.value(), 1e-4, 1e-5);
        }
      }
      float[] images = TestData.uniform(data, 0, 1, BATCH, INPUT[0], INPUT[1], INPUT[2]).data();
      Tensor evalLogits = ours.forward(Tensor.of(images.clone(), BATCH, INPUT[0], INPUT[1], INPUT[2]), false);
      float[] torchLogits = torch.predict(images, BATCH);
      assertClose(arch + " eval logits", torchLogits, evalLogits.data(), 1e-3, 1e-3 * CloseAssert.maxAbs(evalLogits));
    }
  }

  @Test
  void copyToWritesParametersAndRunningStatisticsBack() {
    Model source = build("resnet20", 3);
    Model target = build("resnet20", 4);
    Rng data = new Rng(5);
    try (DjlModel torch = new DjlModel(source, MOMENTUM, false, WEIGHT_DECAY)) {
      torch.trainStep(TestData.uniform(data, 0, 1, BATCH, 1, 28, 28).data(), TestData.labels(data, BATCH, CLASSES),
          BATCH, LR);
      torch.copyTo(target);
      for (Parameter p : target.parameters()) {
        assertClose("copied " + p.name(), torch.parameter(p.name()), p.value(), 0, 0);
      }
      for (Buffer b : target.buffers()) {
        assertClose("copied " + b.name(), torch.buffer(b.name()), b.value(), 0, 0);
      }
      assertThat(target.buffers()).anySatisfy(b -> assertThat(b.value().data()[0]).isNotEqualTo(0f));
    }
  }

  @Test
  void copyToRejectsADifferentArchitecture() {
    try (DjlModel torch = new DjlModel(build("mlp", 1))) {
      assertThatThrownBy(() -> torch.copyTo(build("cnn", 1)))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("conv1.weight");
    }
  }

  @Test
  void trainsOnAThreadOtherThanTheOneThatStartedTheEngine() throws Exception {
    Model model = build("cnn", 2);
    Rng data = new Rng(8);
    float[] images = TestData.uniform(data, 0, 1, BATCH, 1, 28, 28).data();
    int[] labels = TestData.labels(data, BATCH, CLASSES);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    float[] losses = new float[2];
    try (DjlModel torch = new DjlModel(model, MOMENTUM, false, WEIGHT_DECAY)) {
      Thread worker = new Thread(() -> {
        try {
          losses[0] = torch.trainStep(images, labels, BATCH, LR);
          losses[1] = torch.trainStep(images, labels, BATCH, LR);
        } catch (Throwable t) {
          failure.set(t);
        }
      });
      worker.start();
      worker.join();
    }
    assertThat(failure.get()).as("training on a fresh thread").isNull();
    assertThat(losses[1]).as("loss after one step on the same batch").isLessThan(losses[0]);
  }

  @Test
  void rejectsBadBatchesWithClearMessages() {
    try (DjlModel torch = new DjlModel(build("mlp", 1))) {
      assertThatThrownBy(() -> torch.trainStep(new float[28 * 28 * 3], new int[] {0, 1}, 2, LR))
          .hasMessageContaining("expected 2 images");
      assertThatThrownBy(() -> torch.trainStep(new float[28 * 28], new int[] {10}, 1, LR))
          .hasMessageContaining("label 10");
    }
  }
}
