package io.hindsight.djl;

import static io.hindsight.djl.CloseAssert.assertClose;
import static org.assertj.core.api.Assertions.assertThat;

import io.hindsight.backend.CpuBackend;
import io.hindsight.nn.Activation;
import io.hindsight.nn.BatchNorm2d;
import io.hindsight.nn.Conv2d;
import io.hindsight.nn.Dropout;
import io.hindsight.nn.Flatten;
import io.hindsight.nn.GlobalAvgPool;
import io.hindsight.nn.Layer;
import io.hindsight.nn.Linear;
import io.hindsight.nn.Parameter;
import io.hindsight.nn.Pool2d;
import io.hindsight.nn.QuantHooks;
import io.hindsight.nn.Residual;
import io.hindsight.nn.Sequential;
import io.hindsight.nn.SoftmaxCrossEntropy;
import io.hindsight.tensor.Tensor;
import io.hindsight.util.Rng;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Our layers' backward passes against central finite differences of their own forward passes,
 * independent of DJL: for {@code f = sum(forward(x) * dY)} (accumulated in double), every element of
 * dX and of every parameter gradient must match {@code (f(v + h) - f(v - h)) / 2h}, where the step
 * is the one actually representable in float32. Inputs of ReLU, ReLU6 and max pooling are kept
 * further than {@code h} from their kinks and ties.
 */
class FiniteDifferenceGradientTest {
  private static final CpuBackend BACKEND = new CpuBackend(1);

  /** Piecewise-linear layers: the difference quotient is exact up to float32 rounding of f. */
  private static final double H_LINEAR = 1e-2;
  private static final double RTOL_LINEAR = 1e-3;
  private static final double ATOL_LINEAR = 5e-4;

  @ParameterizedTest(name = "bias={0}")
  @ValueSource(booleans = {true, false})
  void linear(boolean bias) {
    Rng rng = new Rng(1);
    check(new Linear("fc", BACKEND, 6, 4, bias, QuantHooks.NONE), TestData.normal(rng, 1, 3, 6), true, rng,
        H_LINEAR, RTOL_LINEAR, ATOL_LINEAR);
  }

  @ParameterizedTest(name = "in={0} out={1} k={2} stride={3} pad={4} groups={5}")
  @CsvSource({
      "3, 4, 3, 1, 1, 1", "2, 3, 5, 2, 2, 1", "3, 4, 1, 2, 0, 1", "4, 4, 3, 1, 1, 2",
      "4, 4, 3, 2, 1, 4", "2, 6, 3, 1, 1, 2"})
  void conv2d(int in, int out, int k, int stride, int pad, int groups) {
    Rng rng = new Rng(10L * k + groups);
    check(new Conv2d("conv", BACKEND, in, out, k, stride, pad, groups, true, QuantHooks.NONE),
        TestData.normal(rng, 1, 2, in, 6, 6), true, rng, H_LINEAR, RTOL_LINEAR, ATOL_LINEAR);
  }

  @ParameterizedTest(name = "training={0}")
  @ValueSource(booleans = {true, false})
  void batchNorm(boolean training) {
    Rng rng = new Rng(3);
    check(new BatchNorm2d("bn", BACKEND, 3), TestData.normal(rng, 1.5, 2, 3, 4, 4), training, rng, 1e-2, 2e-3, 1e-3);
  }

  @Test
  void reluAndRelu6AwayFromTheirKinks() {
    Rng rng = new Rng(4);
    Tensor x = TestData.uniform(rng, -2, 8, 2, 3, 5, 5);
    float[] d = x.data();
    for (int i = 0; i < d.length; i++) {
      while (Math.abs(d[i]) < 0.05 || Math.abs(d[i] - 6) < 0.05) {
        d[i] = (float) (-2 + 10 * rng.nextDouble());
      }
    }
    check(Activation.relu("relu"), x.copy(), true, rng, H_LINEAR, RTOL_LINEAR, ATOL_LINEAR);
    check(Activation.relu6("relu6"), x.copy(), true, rng, H_LINEAR, RTOL_LINEAR, ATOL_LINEAR);
  }

  @ParameterizedTest(name = "{0} k={1} stride={2} pad={3}")
  @CsvSource({"MAX, 2, 2, 0", "MAX, 3, 2, 1", "AVG, 2, 2, 0", "AVG, 3, 1, 1", "AVG, 3, 2, 1"})
  void pool(Pool2d.Kind kind, int k, int stride, int pad) {
    Rng rng = new Rng(5);
    check(new Pool2d("pool", kind, k, stride, pad), distinctValues(rng, 2, 2, 6, 6), true, rng,
        H_LINEAR, RTOL_LINEAR, ATOL_LINEAR);
  }

  @Test
  void globalAvgPoolAndFlatten() {
    Rng rng = new Rng(6);
    check(new GlobalAvgPool("gap"), TestData.normal(rng, 1, 2, 3, 4, 5), true, rng, H_LINEAR, RTOL_LINEAR,
        ATOL_LINEAR);
    Layer flattenThenLinear = new Sequential("net", List.of(new Flatten("flatten"),
        new Linear("fc", BACKEND, 12, 3, true, QuantHooks.NONE)));
    check(flattenThenLinear, TestData.normal(rng, 1, 2, 3, 2, 2), true, rng, H_LINEAR, RTOL_LINEAR, ATOL_LINEAR);
  }

  @Test
  void residualWithProjectionShortcut() {
    Rng rng = new Rng(7);
    Layer main = new Sequential("b.main", List.of(
        new Conv2d("b.conv", BACKEND, 2, 3, 3, 2, 1, 1, false, QuantHooks.NONE), new BatchNorm2d("b.bn", BACKEND, 3)));
    Layer shortcut = new Sequential("b.shortcut", List.of(
        new Conv2d("b.shortcut.conv", BACKEND, 2, 3, 1, 2, 0, 1, false, QuantHooks.NONE),
        new BatchNorm2d("b.shortcut.bn", BACKEND, 3)));
    check(new Residual("b", main, shortcut, null), TestData.normal(rng, 1, 2, 2, 6, 6), true, rng, 1e-2, 2e-3, 1e-3);
  }

  @Test
  void residualWithIdentityShortcut() {
    Rng rng = new Rng(8);
    Layer main = new Conv2d("r.conv", BACKEND, 3, 3, 3, 1, 1, 3, true, QuantHooks.NONE);
    check(new Residual("r", main, null, null), TestData.normal(rng, 1, 2, 3, 5, 5), true, rng, H_LINEAR,
        RTOL_LINEAR, ATOL_LINEAR);
  }

  @Test
  void softmaxCrossEntropyLogitGradient() {
    Rng rng = new Rng(9);
    Tensor logits = TestData.normal(rng, 2, 5, 7);
    int[] labels = TestData.labels(rng, 5, 7);
    SoftmaxCrossEntropy ce = new SoftmaxCrossEntropy();
    ce.forward(logits, labels);
    Tensor analytic = ce.backward();
    Tensor numeric = Tensor.zerosLike(logits);
    float[] z = logits.data();
    for (int i = 0; i < z.length; i++) {
      float v = z[i];
      z[i] = (float) (v + 1e-2);
      double up = z[i] - (double) v;
      double fPlus = new SoftmaxCrossEntropy().forward(logits, labels);
      z[i] = (float) (v - 1e-2);
      double down = v - (double) z[i];
      double fMinus = new SoftmaxCrossEntropy().forward(logits, labels);
      z[i] = v;
      numeric.data()[i] = (float) ((fPlus - fMinus) / (up + down));
    }
    assertClose("softmax cross-entropy dLogits", numeric, analytic, 1e-2, 5e-5);
  }

  @Test
  void dropoutBackwardAppliesTheForwardMask() {
    Rng rng = new Rng(10);
    Dropout dropout = new Dropout("drop", 0.4f, new Rng(3));
    Tensor x = TestData.uniform(rng, 0.5, 1.5, 4, 50); // never zero, so y / x is the mask
    Tensor y = dropout.forward(x, true);
    Tensor dY = TestData.normal(rng, 1, 4, 50);
    Tensor dX = dropout.backward(dY);
    Tensor expected = Tensor.zerosLike(x);
    int dropped = 0;
    for (int i = 0; i < x.size(); i++) {
      float mask = y.data()[i] / x.data()[i];
      expected.data()[i] = mask * dY.data()[i];
      dropped += y.data()[i] == 0f ? 1 : 0;
    }
    assertClose("dropout dX", expected, dX, 1e-6, 0);
    assertThat(dropped).as("dropped of 200 at p=0.4").isBetween(50, 110);
    assertThat(dropout.forward(x, false).data()).as("evaluation is the identity").containsExactly(x.data());
  }

  /**
   * Runs forward and backward once, then compares dX and every parameter gradient with central
   * differences of {@code f = sum(forward(x) * dY)}.
   */
  private static void check(Layer layer, Tensor x, boolean training, Rng rng, double h, double rtol, double atol) {
    TestData.randomize(layer, rng);
    Tensor y = layer.forward(x, training);
    Tensor dY = TestData.normal(rng, 1, y.shape());
    Tensor dX = layer.backward(dY).copy();
    String what = layer.name() + (training ? " (train)" : " (eval)");
    assertClose(what + " dX", numericGradient(layer, x, x, dY, training, h), dX, rtol, atol);
    for (Parameter p : layer.parameters()) {
      Tensor analytic = p.grad().copy();
      assertClose(what + " grad " + p.name(), numericGradient(layer, p.value(), x, dY, training, h), analytic, rtol,
          atol);
    }
  }

  /** Central differences of {@code f} with respect to every element of {@code v} (an input or a parameter). */
  private static Tensor numericGradient(Layer layer, Tensor v, Tensor x, Tensor dY, boolean training, double h) {
    Tensor g = Tensor.zerosLike(v);
    float[] d = v.data();
    for (int i = 0; i < d.length; i++) {
      float original = d[i];
      d[i] = (float) (original + h);
      double up = d[i] - (double) original;
      double fPlus = objective(layer, x, dY, training);
      d[i] = (float) (original - h);
      double down = original - (double) d[i];
      double fMinus = objective(layer, x, dY, training);
      d[i] = original;
      g.data()[i] = (float) ((fPlus - fMinus) / (up + down));
    }
    return g;
  }

  private static double objective(Layer layer, Tensor x, Tensor dY, boolean training) {
    float[] y = layer.forward(x, training).data();
    float[] w = dY.data();
    double f = 0;
    for (int i = 0; i < y.length; i++) {
      f += (double) y[i] * w[i];
    }
    return f;
  }

  /** A tensor of distinct values at least 0.05 apart (shuffled), so no pooling window has near-ties. */
  private static Tensor distinctValues(Rng rng, int... shape) {
    Tensor t = Tensor.zeros(shape);
    int[] order = new int[t.size()];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    rng.shuffle(order);
    for (int i = 0; i < order.length; i++) {
      t.data()[i] = (float) (order[i] * 0.05 - order.length * 0.025);
    }
    return t;
  }
}
