package io.hindsight.quant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hindsight.backend.CpuBackend;
import io.hindsight.nn.Linear;
import io.hindsight.nn.QuantHooks;
import io.hindsight.quant.config.QuantConfigReader;
import io.hindsight.quant.math.FakeQuant;
import io.hindsight.tensor.Tensor;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class LayerQuantHooksTest {
  /** Activations on the fixed symmetric range [-1, 1] so that clipping is known in advance. */
  private static final String FIXED_ACTIVATIONS =
      "\"activations\": {\"estimator\": \"fixed\", \"min\": -1, \"max\": 1, \"symmetric\": true";

  private static QuantHooks hooks(String json) {
    return QuantizationPlan.create(QuantConfigReader.read(json), 1).forLayer("fc");
  }

  @Test
  void clippingStraightThroughEstimatorPassesGradientsInsideTheRangeOnly() {
    QuantHooks h = hooks("{" + FIXED_ACTIVATIONS + ", \"steClip\": true}}");
    Tensor x = Tensor.of(new float[] {-2f, -0.5f, 0.5f, 3f, Float.NaN, 1f}, 1, 6);
    Tensor xq = h.input(x, true);
    assertThat(xq.data()[0]).isEqualTo(-1f);
    assertThat(xq.data()[3]).isEqualTo(1f);
    Tensor dX = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 1, 6);
    assertThat(h.inputGradient(dX).data()).containsExactly(0, 2, 3, 0, 0, 6);
  }

  @Test
  void plainStraightThroughEstimatorIsTheIdentity() {
    QuantHooks h = hooks("{" + FIXED_ACTIVATIONS + ", \"steClip\": false}}");
    h.input(Tensor.of(new float[] {-2f, 0.5f, 3f}, 1, 3), true);
    Tensor dX = Tensor.of(new float[] {1, 2, 3}, 1, 3);
    assertThat(h.inputGradient(dX).data()).containsExactly(1, 2, 3);
  }

  @Test
  void gradientsFlowThroughAQuantizedLinearLayer() {
    QuantizationPlan plan = QuantizationPlan.create(QuantConfigReader.read("{" + FIXED_ACTIVATIONS + "}}"), 1);
    Linear fc = new Linear("fc", new CpuBackend(1), 4, 2, false, plan.forLayer("fc"));
    float[] w = fc.weight().value().data();
    for (int i = 0; i < w.length; i++) {
      w[i] = 0.25f * (i + 1);
    }
    Tensor x = Tensor.of(new float[] {0.5f, -3f, 0.25f, 2f}, 1, 4); // inputs 1 and 3 are clipped
    fc.forward(x, true);
    Tensor dX = fc.backward(Tensor.of(new float[] {1f, -1f}, 1, 2));
    assertThat(dX.data()[1]).isZero();
    assertThat(dX.data()[3]).isZero();
    assertThat(dX.data()[0]).isNotZero();
    assertThat(dX.data()[2]).isNotZero();
    // the weight gradient flows unchanged (identity STE) and is computed with the quantized input
    float[] dW = fc.weight().grad().data();
    assertThat(dW[1]).isEqualTo(-1f); // dY[0] * xq[1] = 1 * -1
    assertThat(plan.quantizer("fc/gradient").orElseThrow().last()).isNotNull();
  }

  @Test
  void evaluationForwardLeavesNoClipMaskForBackward() {
    QuantHooks h = hooks("{" + FIXED_ACTIVATIONS + "}}");
    h.input(Tensor.of(new float[] {0.5f}, 1, 1), true);
    h.input(Tensor.of(new float[] {0.5f}, 1, 1), false);
    assertThatThrownBy(() -> h.inputGradient(Tensor.of(new float[] {1f}, 1, 1)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("needs a training forward");
  }

  @Test
  void inputGradientMustMatchTheQuantizedInput() {
    QuantHooks h = hooks("{" + FIXED_ACTIVATIONS + "}}");
    h.input(Tensor.of(new float[] {0.5f, 0.2f}, 1, 2), true);
    assertThatThrownBy(() -> h.inputGradient(Tensor.of(new float[] {1f}, 1, 1)))
        .hasMessageContaining("has 1 values but the quantized input had 2");
  }

  @Test
  void disabledKindsStayInFullPrecision() {
    QuantHooks h = hooks("{\"gradients\": {\"enabled\": false}, \"weights\": {\"enabled\": false}}");
    Tensor g = Tensor.of(new float[] {0.123456f, -7.654321f}, 1, 2);
    assertThat(h.gradient(g)).isSameAs(g);
    assertThat(h.weight(g, true)).isSameAs(g);
    assertThat(h.input(g, true)).isNotSameAs(g);
  }

  @Test
  void gradientHookQuantizesOntoTheGradientGrid() {
    QuantizationPlan plan = QuantizationPlan.create(QuantConfigReader.read("{\"gradients\": {\"bits\": 4}}"), 1);
    QuantHooks h = plan.forLayer("fc");
    Tensor dY = Tensor.of(new float[] {0.7f, -0.2f, 0.05f, 0.33f}, 2, 2);
    h.gradient(dY); // warm-up: range [-0.7, 0.7]
    float[] q = h.gradient(dY).data();
    float step = 0.7f / 7;
    for (float v : q) {
      float code = v / step;
      assertThat(Math.abs(code - Math.round(code))).isLessThan(1e-4f);
    }
    assertThat(Arrays.toString(q)).isNotEqualTo(Arrays.toString(dY.data()));
    assertThat(plan.quantizer("fc/gradient").orElseThrow().history()).hasSize(2);
  }

  @Test
  void denseInputGradientsUsePerTensorWeightsWhileDepthwiseKeepTheirChannels() {
    QuantHooks h = QuantizationPlan.create(QuantConfigReader.read(
        "{\"weights\": {\"granularity\": \"per-channel\"}}"), 1).forLayer("fc");
    // two output channels of very different magnitude
    Tensor w = Tensor.of(new float[] {1f, -0.5f, 0.25f, 0.01f, -0.02f, 0.005f}, 2, 3);
    Tensor forward = h.weight(w, true);
    // forward: per channel, channel 1 keeps its small values almost exactly
    assertThat(forward.data()[4]).isCloseTo(-0.02f, org.assertj.core.data.Offset.offset(1e-4f));
    Tensor dense = h.backwardWeight(forward, w, true);
    // backward of a dense layer: one per-tensor scale (envelope [-0.5, 1], symmetric: 1 / 127)
    float scale = 1f / 127;
    for (int i = 0; i < 6; i++) {
      assertThat(dense.data()[i]).isEqualTo(FakeQuant.roundHalfEven(w.data()[i] / scale) * scale);
    }
    assertThat(dense.data()[3]).as("0.01 is 1.27 per-tensor steps").isEqualTo(scale);
    assertThat(h.backwardWeight(forward, w, false)).as("depthwise: the forward weights").isSameAs(forward);
    QuantHooks perTensor = QuantizationPlan.create(QuantConfigReader.read(
        "{\"weights\": {\"granularity\": \"per-tensor\"}}"), 1).forLayer("fc");
    Tensor f2 = perTensor.weight(w, true);
    assertThat(perTensor.backwardWeight(f2, w, true)).as("per-tensor weights are already one scale").isSameAs(f2);
  }
}
