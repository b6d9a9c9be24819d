package io.hindsight.djl;

import static io.hindsight.djl.CloseAssert.assertClose;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Whole models: from identical weights, our engine and {@link DjlModel} must agree on the logits,
 * the loss, every parameter gradient, the parameters and BatchNorm statistics after SGD steps
 * (momentum 0.9, weight decay 5e-4) and the evaluation-mode logits afterwards.
 *
 * <p>Each of those is its own dynamic test, so the count of comparisons run and stood down is the
 * test count. Each model runs at a width whose convolution shapes libtorch got right even on the
 * AVX-512 machine where it is wrong for some narrow ones (docs/results.md: cnn and mobilenetv2 at
 * 0.25, resnet20 only at 1, its 0.25 has 4-channel 3x3 convolutions); and because that depends on
 * the machine, exactly the model's shapes are checked first ({@link LibtorchTrust}): a comparison
 * that needs a wrong input gradient is stood down (reported as skipped, with the layer, the shape and
 * the error), every other one runs and fails on a mismatch.
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
    return build(arch, 0.25, seed);
  }

  static Model build(String arch, double width, long seed) {
    return new ModelFactory(BACKEND, QuantHooksProvider.NONE, new Rng(1)).build(arch, width, 0.0, INPUT, CLASSES,
        new Rng(seed));
  }

  /** One model's run: architecture, channel width, Nesterov momentum, SGD steps. */
  record Case(String arch, double width, boolean nesterov, int steps) {
    @Override
    public String toString() {
      return arch + " width=" + width + " nesterov=" + nesterov + " steps=" + steps;
    }
  }

  /**
   * One comparison: the libtorch value, ours (both copied when the comparison was taken), the
   * tolerance, and why it is stood down (null: it runs).
   */
  record Comparison(String name, float[] expected, float[] actual, double rtol, double atol, String standDown) {
    DynamicTest test() {
      return DynamicTest.dynamicTest(name, () -> {
        if (standDown != null) {
          Assumptions.abort("stood down: " + standDown);
        }
        assertClose(name, expected, actual, rtol, atol);
      });
    }
  }

  /**
   * Two steps exercise the momentum update ({@code v = m v + g}) after the first ({@code v = g}).
   * MobileNetV2 gets one: after its first step at batch 4 its early-layer gradients change by ~4%
   * for parameter differences of 1e-6 (measured with libtorch against itself), so float32
   * rounding differences of step one make step-two gradients incomparable element-wise (at width 1,
   * even step one's early-layer gradients differ by up to 2x between the engines at batch 4).
   */
  @TestFactory
  Stream<DynamicContainer> sgdStepsMatchLibtorch() {
    return Stream.of(new Case("mlp", 0.25, false, 2), new Case("cnn", 0.25, false, 2),
            new Case("resnet20", 1.0, false, 2), new Case("mobilenetv2", 0.25, false, 1),
            new Case("cnn", 0.25, true, 2))
        .map(c -> DynamicContainer.dynamicContainer(c.toString(), Stream.of(c).flatMap(
            k -> comparisons(k, build(k.arch(), k.width(), 7)).stream().map(Comparison::test))));
  }

  /** Trains {@code ours} and its libtorch twin side by side and collects every comparison. */
  static List<Comparison> comparisons(Case c, Model ours) {
    LibtorchTrust trust = LibtorchTrust.of(ours);
    String afterUpdate = trust.distrustAfterUpdate().orElse(null);
    List<Comparison> out = new ArrayList<>();
    Rng data = new Rng(99);
    try (DjlModel gradients = new DjlModel(ours);
        DjlModel torch = new DjlModel(ours, MOMENTUM, c.nesterov(), WEIGHT_DECAY)) {
      Sgd sgd = new Sgd(ours.parameters(), MOMENTUM, c.nesterov(), WEIGHT_DECAY);
      SoftmaxCrossEntropy ce = new SoftmaxCrossEntropy();
      for (int step = 0; step < c.steps(); step++) {
        float[] images = TestData.uniform(data, 0, 1, BATCH, INPUT[0], INPUT[1], INPUT[2]).data();
        int[] labels = TestData.labels(data, BATCH, CLASSES);
        String at = c.arch() + " step " + step;
        // from the second step on, everything depends on the first update of every parameter
        String later = step == 0 ? null : afterUpdate;

        Tensor logits = ours.forward(Tensor.of(images.clone(), BATCH, INPUT[0], INPUT[1], INPUT[2]), true);
        float loss = ce.forward(logits, labels);
        ours.backward(ce.backward());
        if (step == 0) {
          StepResult ref = gradients.forwardBackward(images, labels, BATCH, true);
          out.add(new Comparison(at + " logits", copy(ref.output()), copy(logits), 1e-4,
              1e-4 * CloseAssert.maxAbs(ref.output()), null));
          // absolute slack relative to the largest gradient anywhere in the model: some gradients are
          // mathematically zero (a BatchNorm shift feeding a 1x1 conv into a training-mode BatchNorm)
          // and both engines return only rounding noise there
          double scale = ref.gradients().values().stream().mapToDouble(CloseAssert::maxAbs).max().orElse(1);
          for (Map.Entry<String, Parameter> p : ours.namedParameters().entrySet()) {
            out.add(new Comparison(at + " grad " + p.getKey(), copy(ref.gradient(p.getKey())),
                copy(p.getValue().grad()), GRAD_RTOL, GRAD_ATOL_OF_MAX * scale,
                trust.distrustGradient(p.getKey()).orElse(null)));
          }
        }
        sgd.step(LR);

        float torchLoss = torch.trainStep(images, labels, BATCH, LR);
        out.add(new Comparison(at + " loss", new float[] {torchLoss}, new float[] {loss}, 1e-4, 1e-5, later));
        for (Parameter p : ours.parameters()) {
          String why = later != null ? later : trust.distrustGradient(p.name()).orElse(null);
          out.add(new Comparison(at + " param " + p.name(), copy(torch.parameter(p.name())), copy(p.value()), 1e-4,
              1e-5, why));
        }
        for (Buffer b : ours.buffers()) {
          out.add(new Comparison(at + " buffer " + b.name(), copy(torch.buffer(b.name())), copy(b.value()), 1e-4,
              1e-5, later));
        }
      }
      float[] images = TestData.uniform(data, 0, 1, BATCH, INPUT[0], INPUT[1], INPUT[2]).data();
      Tensor evalLogits = ours.forward(Tensor.of(images.clone(), BATCH, INPUT[0], INPUT[1], INPUT[2]), false);
      float[] torchLogits = torch.predict(images, BATCH);
      out.add(new Comparison(c.arch() + " eval logits", torchLogits, copy(evalLogits), 1e-3,
          1e-3 * CloseAssert.maxAbs(evalLogits), afterUpdate));
    }
    long stood = out.stream().filter(x -> x.standDown() != null).count();
    System.out.printf(Locale.ROOT, "DjlModelParityTest %s (%d convolution shapes checked): %d comparisons, "
        + "%d run, %d stood down%n", c, trust.checkedShapes(), out.size(), out.size() - stood, stood);
    return out;
  }

  private static float[] copy(Tensor t) {
    return t.data().clone();
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
