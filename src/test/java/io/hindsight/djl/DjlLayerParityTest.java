package io.hindsight.djl;

import static io.hindsight.djl.CloseAssert.assertClose;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.hindsight.backend.CpuBackend;
import io.hindsight.model.Model;
import io.hindsight.nn.Activation;
import io.hindsight.nn.BatchNorm2d;
import io.hindsight.nn.Conv2d;
import io.hindsight.nn.Flatten;
import io.hindsight.nn.GlobalAvgPool;
import io.hindsight.nn.Layer;
import io.hindsight.nn.Linear;
import io.hindsight.nn.Pool2d;
import io.hindsight.nn.QuantHooks;
import io.hindsight.nn.Residual;
import io.hindsight.nn.Sequential;
import io.hindsight.tensor.Tensor;
import io.hindsight.util.Rng;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every layer's forward output, input gradient and parameter gradients (and BatchNorm running
 * statistics) against libtorch autograd through {@link DjlModel#vectorJacobian}, on random inputs
 * and random upstream gradients.
 */
class DjlLayerParityTest {
  /** Single-op checks: float32 with a different summation order than libtorch. */
  private static final double RTOL = 1e-4;
  private static final double ATOL = 1e-5;

  private static final CpuBackend BACKEND = new CpuBackend(2);

  @ParameterizedTest(name = "bias={0}")
  @ValueSource(booleans = {true, false})
  void linear(boolean bias) {
    Rng rng = new Rng(11);
    check(new Linear("fc", BACKEND, 7, 5, bias, QuantHooks.NONE), TestData.normal(rng, 1, 3, 7), true, rng);
  }

  @ParameterizedTest(name = "in={0} out={1} k={2} stride={3} pad={4} groups={5} bias={6} size={7}")
  @CsvSource({
      "3, 4, 1, 1, 0, 1, true,  6", // pointwise
      "3, 4, 3, 1, 1, 1, true,  7",
      "3, 4, 3, 2, 1, 1, false, 7",
      "3, 5, 3, 2, 0, 1, true,  8",
      "2, 4, 5, 1, 2, 1, true,  7",
      "2, 3, 5, 2, 2, 1, false, 9",
      "4, 6, 1, 2, 0, 1, false, 7", // ResNet projection shortcut
      "1, 4, 3, 1, 1, 1, true,  6", // single input channel (CNN stem)
      "4, 6, 3, 1, 1, 2, true,  6", // groups 2
      "4, 4, 1, 1, 0, 2, false, 5", // pointwise, groups 2
      "4, 4, 3, 1, 1, 4, false, 6", // depthwise
      "4, 4, 3, 2, 1, 4, false, 7", // depthwise, stride 2
      "4, 4, 5, 2, 2, 4, true,  8", // depthwise k5
      "3, 6, 3, 1, 1, 3, true,  6", // depthwise, channel multiplier 2
      "2, 6, 3, 2, 0, 2, false, 7", // depthwise-like groups with multiplier 3, no padding
  })
  void conv2d(int in, int out, int k, int stride, int pad, int groups, boolean bias, int size) {
    Rng rng = new Rng(100L * in + 10L * k + groups + stride);
    Conv2d conv = new Conv2d("conv", BACKEND, in, out, k, stride, pad, groups, bias, QuantHooks.NONE);
    check(conv, TestData.normal(rng, 1, 2, in, size, size), true, rng);
  }

  @ParameterizedTest(name = "training={0}")
  @ValueSource(booleans = {true, false})
  void batchNorm(boolean training) {
    Rng rng = new Rng(21);
    Tensor x = TestData.normal(rng, 2, 3, 4, 5, 5);
    shift(x, 4, 25, new float[] {1f, -2f, 0.5f, 3f}); // per-channel means away from 0
    check(new BatchNorm2d("bn", BACKEND, 4), x, training, rng);
  }

  @Test
  void batchNormWithCustomEpsAndMomentum() {
    Rng rng = new Rng(22);
    check(new BatchNorm2d("bn", BACKEND, 3, 1e-3f, 0.3f), TestData.normal(rng, 0.1, 2, 3, 4, 4), true, rng);
  }

  @Test
  void relu() {
    Rng rng = new Rng(31);
    check(Activation.relu("relu"), aroundKinks(rng, new float[] {0f}), true, rng);
  }

  @Test
  void relu6() {
    Rng rng = new Rng(32);
    check(Activation.relu6("relu6"), aroundKinks(rng, new float[] {0f, 6f}), true, rng);
  }

  @ParameterizedTest(name = "{0} k={1} stride={2} pad={3}")
  @CsvSource({
      "MAX, 2, 2, 0", "MAX, 3, 2, 1", "MAX, 3, 1, 1", "MAX, 2, 1, 0",
      "AVG, 2, 2, 0", "AVG, 3, 1, 1", "AVG, 3, 2, 1", "AVG, 4, 2, 2"})
  void pool(Pool2d.Kind kind, int k, int stride, int pad) {
    Rng rng = new Rng(41 + k + stride + pad);
    check(new Pool2d("pool", kind, k, stride, pad), TestData.normal(rng, 1, 2, 3, 7, 7), true, rng);
  }

  @Test
  void globalAvgPool() {
    Rng rng = new Rng(51);
    check(new GlobalAvgPool("gap"), TestData.normal(rng, 1, 2, 3, 5, 4), true, rng);
  }

  @Test
  void flatten() {
    Rng rng = new Rng(52);
    Layer net = new Sequential("net", List.of(new Flatten("flatten"), new Linear("fc", BACKEND, 24, 4, true,
        QuantHooks.NONE)));
    check(net, TestData.normal(rng, 1, 2, 2, 3, 4), true, rng);
  }

  @ParameterizedTest(name = "training={0}")
  @ValueSource(booleans = {true, false})
  void residualWithProjectionShortcutAndPost(boolean training) {
    Rng rng = new Rng(61);
    Layer main = new Sequential("b.main", List.of(
        conv("b.conv1", 3, 4, 3, 2, 1, 1), new BatchNorm2d("b.bn1", BACKEND, 4), Activation.relu("b.relu1"),
        conv("b.conv2", 4, 4, 3, 1, 1, 1), new BatchNorm2d("b.bn2", BACKEND, 4)));
    Layer shortcut = new Sequential("b.shortcut", List.of(
        conv("b.shortcut.conv", 3, 4, 1, 2, 0, 1), new BatchNorm2d("b.shortcut.bn", BACKEND, 4)));
    check(new Residual("b", main, shortcut, Activation.relu("b.relu2")), TestData.normal(rng, 1, 2, 3, 6, 6),
        training, rng);
  }

  @Test
  void residualWithIdentityShortcut() {
    Rng rng = new Rng(62);
    Layer main = new Sequential("r.main", List.of(
        conv("r.expand", 4, 8, 1, 1, 0, 1), new BatchNorm2d("r.expand.bn", BACKEND, 8), Activation.relu6("r.relu"),
        conv("r.depthwise", 8, 8, 3, 1, 1, 8), conv("r.project", 8, 4, 1, 1, 0, 1)));
    check(new Residual("r", main, null, null), TestData.normal(rng, 1, 2, 4, 5, 5), true, rng);
  }

  @Test
  void residualWithBatchNormAfterTheAdd() {
    Rng rng = new Rng(63);
    Layer main = conv("p.conv", 3, 3, 3, 1, 1, 1);
    check(new Residual("p", main, null, new BatchNorm2d("p.bn", BACKEND, 3)), TestData.normal(rng, 1, 2, 3, 5, 5),
        true, rng);
  }

  @Test
  void dropoutUsesLibtorchMasksWithInvertedScaling() {
    Rng rng = new Rng(71);
    Tensor x = TestData.uniform(rng, 1, 2, 8, 100); // positive, so y / x is the mask
    Model model = new Model("drop", new io.hindsight.nn.Dropout("drop", 0.25f, new Rng(1)), 1, new int[] {100});
    try (DjlModel reference = new DjlModel(model)) {
      assertClose("dropout in evaluation", x, reference.forward(x, false), 0, 0);
      Tensor y = reference.forward(x, true);
      int dropped = 0;
      for (int i = 0; i < x.size(); i++) {
        float mask = y.data()[i] / x.data()[i];
        if (mask == 0f) {
          dropped++;
        } else {
          assertThat((double) mask).as("kept value " + i + " scaled by 1/(1-p)").isCloseTo(1 / 0.75, within(1e-5));
        }
      }
      assertThat(dropped).as("dropped of 800 at p=0.25").isBetween(150, 250);
    }
  }

  @Test
  void rejectsLayersWithoutADjlEquivalent() {
    Layer custom = new Layer() {
      @Override
      public String name() {
        return "mystery";
      }

      @Override
      public Tensor forward(Tensor x, boolean training) {
        return x;
      }

      @Override
      public Tensor backward(Tensor dY) {
        return dY;
      }
    };
    Layer net = new Sequential("net", List.of(new Flatten("flatten"), custom));
    assertThatThrownBy(() -> new DjlModel(new Model("custom", net, 1, new int[] {4})))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("mystery");
  }

  private static Conv2d conv(String name, int in, int out, int k, int stride, int pad, int groups) {
    return new Conv2d(name, BACKEND, in, out, k, stride, pad, groups, false, QuantHooks.NONE);
  }

  /**
   * Runs {@code layer} forward and backward in our engine and through libtorch from the same
   * (randomized) parameters, then compares output, dX, every parameter gradient and, for
   * BatchNorm, the running statistics afterwards.
   */
  private static void check(Layer layer, Tensor x, boolean training, Rng rng) {
    TestData.randomize(layer, rng);
    int[] sampleShape = Arrays.copyOfRange(x.shape(), 1, x.rank());
    Model model = new Model("layer", layer, 1, sampleShape);
    try (DjlModel reference = new DjlModel(model)) { // copies parameters and running stats before ours changes them
      Tensor y = layer.forward(x.copy(), training);
      Tensor dY = TestData.normal(rng, 1, y.shape());
      Tensor dX = layer.backward(dY.copy());
      Map<String, Tensor> grads = TestData.gradients(layer);

      StepResult torch = reference.vectorJacobian(x, dY, training);

      String what = layer.name() + (training ? " (train)" : " (eval)");
      assertClose(what + " output", torch.output(), y, RTOL, ATOL);
      model.buffers().forEach(b ->
          assertClose(what + " buffer " + b.name(), reference.buffer(b.name()), b.value(), RTOL, ATOL));
      assertThat(torch.gradients().keySet()).as(what + " parameters").containsExactlyElementsOf(grads.keySet());
      try { // gradients: a convolution's input gradient feeds every gradient before it
        assertClose(what + " dX", torch.inputGradient(), dX, RTOL, ATOL);
        for (Map.Entry<String, Tensor> g : grads.entrySet()) {
          assertClose(what + " grad " + g.getKey(), torch.gradient(g.getKey()), g.getValue(), RTOL, ATOL);
        }
      } catch (AssertionError e) {
        LibtorchHealth.failUnlessLibtorchIsBroken(e);
      }
    }
  }

  /** Values spread over [-8, 8] plus many within 1e-3..1e-1 of each kink (never on it). */
  private static Tensor aroundKinks(Rng rng, float[] kinks) {
    Tensor x = TestData.uniform(rng, -8, 8, 2, 3, 6, 6);
    float[] d = x.data();
    for (int i = 0; i < d.length; i += 2) {
      float kink = kinks[(i / 2) % kinks.length];
      double offset = Math.pow(10, -3 + 2 * rng.nextDouble()) * (rng.nextBoolean() ? 1 : -1);
      d[i] = (float) (kink + offset);
    }
    return x;
  }

  private static void shift(Tensor x, int channels, int hw, float[] means) {
    float[] d = x.data();
    for (int i = 0; i < d.length; i++) {
      d[i] += means[(i / hw) % channels];
    }
  }
}
