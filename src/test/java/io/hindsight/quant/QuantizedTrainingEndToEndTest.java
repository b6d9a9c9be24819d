package io.hindsight.quant;

import static org.assertj.core.api.Assertions.assertThat;

import io.hindsight.backend.CpuBackend;
import io.hindsight.model.Model;
import io.hindsight.model.ModelFactory;
import io.hindsight.nn.QuantHooksProvider;
import io.hindsight.nn.SoftmaxCrossEntropy;
import io.hindsight.optim.Sgd;
import io.hindsight.quant.config.QuantizationConfig;
import io.hindsight.tensor.Tensor;
import io.hindsight.util.Rng;
import org.junit.jupiter.api.Test;

/** A small CNN trained a few steps with the default INT8 plan on random data. */
class QuantizedTrainingEndToEndTest {
  private static final CpuBackend BACKEND = new CpuBackend(1); // single-threaded: no pool to shut down
  private static final int[] INPUT = {1, 28, 28};
  private static final int BATCH = 8;
  private static final int CLASSES = 10;

  private static Model cnn(QuantHooksProvider provider) {
    return new ModelFactory(BACKEND, provider, new Rng(2)).build("cnn", 0.25, 0.0, INPUT, CLASSES, new Rng(3));
  }

  private static Tensor images(Rng rng) {
    Tensor x = Tensor.zeros(BATCH, INPUT[0], INPUT[1], INPUT[2]);
    float[] d = x.data();
    for (int i = 0; i < d.length; i++) {
      d[i] = rng.nextFloat();
    }
    return x;
  }

  private static int[] labels(Rng rng) {
    int[] y = new int[BATCH];
    for (int i = 0; i < BATCH; i++) {
      y[i] = rng.nextInt(CLASSES);
    }
    return y;
  }

  @Test
  void cnnTrainsWithInt8WeightsActivationsAndGradients() {
    QuantizationPlan plan = QuantizationPlan.create(QuantizationConfig.defaults(), 42);
    Model model = cnn(plan);
    plan.requireOverridesMatched();
    assertThat(plan.layers().keySet()).containsExactlyElementsOf(QuantizableLayers.names(model));
    assertThat(plan.quantizers()).hasSize(3 * 4); // conv1, conv2, fc1, fc2

    Sgd sgd = new Sgd(model.parameters(), 0.9, false, 0.0);
    SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy();
    Rng data = new Rng(7);
    Tensor x = images(data);
    int[] y = labels(data);
    float[] weightBefore = model.namedParameters().get("conv1.weight").value().data().clone();
    float first = Float.NaN;
    float last = Float.NaN;
    int steps = 4;
    plan.beginEpoch();
    for (int step = 0; step < steps; step++) {
      plan.beginStep(step);
      float l = loss.forward(model.forward(x, true), y);
      model.backward(loss.backward());
      sgd.step(0.01);
      assertThat(l).as("loss at step %d", step).isFinite();
      first = step == 0 ? l : first;
      last = l;
    }
    assertThat(last).as("the same batch is fitted").isLessThan(first);
    assertThat(model.namedParameters().get("conv1.weight").value().data()).isNotEqualTo(weightBefore);

    for (TensorQuantizer q : plan.quantizers()) {
      assertThat(q.history()).as(q.name()).hasSize(steps);
      assertThat(q.history()).extracting(QuantizationRecord::step).containsExactly(0L, 1L, 2L, 3L);
      QuantizationRecord r = q.last();
      assertThat(r.usedMax()).as(q.name()).isGreaterThanOrEqualTo(r.usedMin());
      assertThat(r.nonFinite()).isZero();
      assertThat(q.summary().steps()).isEqualTo(steps);
    }
    // static activations and gradients are static after the warm-up step; weights stay dynamic
    assertThat(plan.quantizer("conv2/activation").orElseThrow().last().dynamic()).isFalse();
    assertThat(plan.quantizer("fc1/gradient").orElseThrow().last().dynamic()).isFalse();
    assertThat(plan.quantizer("fc1/weight").orElseThrow().last().dynamic()).isTrue();
    assertThat(plan.traffic().run().bytesMoved()).isLessThan(plan.traffic().run().bytesMovedIfDynamic());
    assertThat(plan.traffic().epoch()).isEqualTo(plan.traffic().run());
  }

  @Test
  void int8ForwardStaysCloseToFullPrecision() {
    Model fp = cnn(QuantHooksProvider.NONE);
    Model q = cnn(QuantizationPlan.create(QuantizationConfig.defaults(), 42));
    Tensor x = images(new Rng(9));
    float[] a = fp.forward(x, false).data();
    float[] b = q.forward(x, false).data();
    double maxAbs = 0;
    double maxDiff = 0;
    for (int i = 0; i < a.length; i++) {
      maxAbs = Math.max(maxAbs, Math.abs(a[i]));
      maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
    }
    assertThat(maxDiff).isPositive(); // it is quantized
    assertThat(maxDiff / maxAbs).isLessThan(0.05);
  }
}
