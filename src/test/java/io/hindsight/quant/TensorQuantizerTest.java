package io.hindsight.quant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.hindsight.quant.config.QuantConfigReader;
import io.hindsight.quant.config.QuantKind;
import io.hindsight.quant.config.QuantizerSpec;
import io.hindsight.quant.math.Range;
import io.hindsight.tensor.Tensor;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class TensorQuantizerTest {

  private static Tensor tensor(float... v) {
    return Tensor.of(v.clone(), v.length);
  }

  private static QuantizerSpec spec(QuantKind kind, String json) {
    return QuantConfigReader.read("{\"" + kind.section() + "\": " + json + "}").resolve("l", kind);
  }

  @Test
  void hindsightQuantizerRecordsStepTWithTheRangeOfStepTMinusOne() {
    TensorQuantizer q = new TensorQuantizer("l", QuantKind.ACTIVATION,
        spec(QuantKind.ACTIVATION, "{\"symmetric\": true, \"warmupSteps\": 1}"), 1);
    assertThat(q.name()).isEqualTo("l/activation");
    q.quantize(tensor(-1f, 0.5f, 1f), true);
    Tensor y = q.quantize(tensor(-1f, 0.5f, 10f), true); // the max jumps at step 1
    QuantizationRecord r = q.last();
    assertThat(r.step()).isEqualTo(1);
    assertThat(r.usedMax()).isEqualTo(1.0);
    assertThat(r.observedMax()).isEqualTo(10.0);
    assertThat(r.clippedFraction()).isEqualTo(1.0 / 3);
    assertThat(r.dynamic()).isFalse();
    assertThat(y.data()[2]).isEqualTo(1f); // saturated at the range of step 0
    q.quantize(tensor(0f), true);
    assertThat(q.last().usedMax()).isEqualTo(10.0);
    assertThat(q.history()).extracting(QuantizationRecord::dynamic).containsExactly(true, false, false);
  }

  @Test
  void theDefaultWarmUpIsDynamicForThreeTrainingStepsAndChargedAsDynamic() {
    TensorQuantizer q = new TensorQuantizer("l", QuantKind.ACTIVATION, QuantizerSpec.defaults(QuantKind.ACTIVATION), 1);
    assertThat(q.spec().warmupSteps()).isEqualTo(3);
    float[] maxima = {2f, 10f, 50f, 4f, 5f};
    for (float m : maxima) {
      if (q.history().size() == 1) {
        Tensor e = q.quantize(tensor(0f, 8f), false); // evaluation inside the warm-up: the learned range
        assertThat(e.data()[1]).isEqualTo(2f);
      }
      q.quantize(tensor(0f, m / 2, m), true);
    }
    // steps 0-2 quantize with their own range (no clipping where the range jumps 5x), then s_{t-1}
    assertThat(q.history()).extracting(QuantizationRecord::dynamic).containsExactly(true, true, true, false, false);
    assertThat(q.history()).extracting(QuantizationRecord::usedMax).containsExactly(2.0, 10.0, 50.0, 50.0, 4.0);
    assertThat(q.history()).extracting(QuantizationRecord::clippedFraction)
        .containsExactly(0.0, 0.0, 0.0, 0.0, 1.0 / 3);
    QuantizationRecord warm = q.history().get(2);
    QuantizationRecord fixed = q.history().get(3);
    assertThat(warm.bytesMoved()).isEqualTo(warm.bytesMovedIfDynamic()).isGreaterThan(fixed.bytesMoved());
    // a resumed quantizer continues the count: a checkpoint taken inside the warm-up finishes it
    TensorQuantizer inside = new TensorQuantizer("l", QuantKind.ACTIVATION,
        QuantizerSpec.defaults(QuantKind.ACTIVATION), 1);
    inside.quantize(tensor(0f, 1f), true);
    TensorQuantizer resumed = new TensorQuantizer("l", QuantKind.ACTIVATION,
        QuantizerSpec.defaults(QuantKind.ACTIVATION), 1);
    resumed.restore(inside.state());
    resumed.quantize(tensor(0f, 3f), true);
    resumed.quantize(tensor(0f, 5f), true);
    resumed.quantize(tensor(0f, 7f), true);
    assertThat(resumed.history()).extracting(QuantizationRecord::dynamic).containsExactly(true, true, false);
  }

  @Test
  void dynamicPerChannelWeightsUseOneRangePerOutputChannel() {
    TensorQuantizer q = new TensorQuantizer("fc", QuantKind.WEIGHT, QuantizerSpec.defaults(QuantKind.WEIGHT), 1);
    Tensor w = Tensor.of(new float[] {0.5f, -1f, 100f, 3f}, 2, 2); // (out=2, in=2)
    Tensor y = q.quantize(w, true);
    assertThat(y.shape()).containsExactly(2, 2);
    assertThat(y.data()[0]).isCloseTo(0.5f, within(1f / 127)); // channel 0 step 1/127, not 100/127
    assertThat(y.data()[1]).isCloseTo(-1f, within(1e-6f));
    assertThat(y.data()[2]).isCloseTo(100f, within(1e-4f));
    assertThat(q.lastRange()).isEqualTo(Range.of(new double[] {-1, 3}, new double[] {0.5, 100}));
    assertThat(q.last().dynamic()).isTrue();
    assertThat(q.last().usedMin()).isEqualTo(-1.0);
    assertThat(q.last().usedMax()).isEqualTo(100.0);
  }

  @Test
  void weightsAreChargedTheOptimizersStatisticsNotAStatisticsPass() {
    TensorQuantizer q = new TensorQuantizer("fc", QuantKind.WEIGHT, QuantizerSpec.defaults(QuantKind.WEIGHT), 1);
    assertThat(q.statisticsByWriter()).isTrue();
    Tensor w = Tensor.of(new float[] {0.5f, -1f, 100f, 3f}, 2, 2); // (out=2, in=2)
    q.quantize(w, true);
    // dynamic per channel: the optimizer's records (2 x 16), the quantizing pass (floats 16,
    // parameters 2 x 16, codes 4, statistics 2 x 16); no 16-byte read of the floats for statistics
    assertThat(q.last().dynamic()).isTrue();
    assertThat(q.last().bytesMoved()).isEqualTo(2 * 16 + (16 + 2 * 16 + 4 + 2 * 16));
    // activations and gradients: their producers' statistics are this step's only when the range is static
    assertThat(new TensorQuantizer("l", QuantKind.ACTIVATION, QuantizerSpec.defaults(QuantKind.ACTIVATION), 1)
        .statisticsByWriter()).isFalse();
  }

  @Test
  void evaluationUsesTheEstimateButChangesNothing() {
    TensorQuantizer q = new TensorQuantizer("l", QuantKind.GRADIENT, QuantizerSpec.defaults(QuantKind.GRADIENT), 5);
    q.quantize(tensor(-2f, 2f), true);
    QuantizerState before = q.state();
    Tensor a = q.quantize(tensor(0.3f, -7f, Float.NaN), false);
    Tensor b = q.quantize(tensor(0.3f, -7f, Float.NaN), false);
    assertThat(a.data()).containsExactly(b.data()); // round-to-nearest in evaluation: no random draw
    assertThat(a.data()[1]).isEqualTo(-2f); // the training estimate [-2, 2]
    QuantizerState after = q.state();
    assertThat(view(after.estimatorState())).isEqualTo(view(before.estimatorState()));
    assertThat(after.counters()).containsExactly(before.counters());
    assertThat(q.history()).hasSize(1);
  }

  static Map<String, String> view(Map<String, double[]> state) {
    Map<String, String> m = new TreeMap<>();
    state.forEach((k, v) -> m.put(k, Arrays.toString(v)));
    return m;
  }

  @Test
  void trafficOfAKnownTensor() {
    TensorQuantizer q = new TensorQuantizer("l", QuantKind.ACTIVATION, spec(QuantKind.ACTIVATION, "{\"warmupSteps\": 1}"),
        1);
    Tensor x = Tensor.zeros(2, 3, 4, 4); // 96 values
    Arrays.fill(x.data(), 0.25f);
    // the default route: a producer that quantizes, and the clipping STE's mask (a bit per value in
    // 3 words, a summary bit per word in 1 word: the summary read in backward, 4 bytes; nothing
    // clipped, so no bit set, no word read, no gradient zeroed)
    q.quantize(x, true); // warm-up: dynamic
    assertThat(q.last().bytesMoved()).isEqualTo(3 * 4 * 96 + 96 + 2 * 16 + 4);
    q.quantize(x, true); // static
    assertThat(q.last().bytesMoved()).isEqualTo(96 + 16 + 4);
    assertThat(q.last().bytesMovedIfDynamic()).isEqualTo(1284);
    assertThat(q.traffic().bytesMoved()).isEqualTo(1284 + 116);
    assertThat(q.traffic().bytesMovedIfDynamic()).isEqualTo(2 * 1284);
    // a tensor outgrowing the range: its 10 clipped values get their bit set and their gradient
    // zeroed (8 bytes each); the words holding them, at most min(10, 3), their summary bit set,
    // read and cleared (12 bytes each), the summary word cleared (4)
    Tensor grown = Tensor.zeros(2, 3, 4, 4);
    Arrays.fill(grown.data(), 0.25f);
    Arrays.fill(grown.data(), 0, 10, 5f);
    q.quantize(grown, true);
    assertThat(q.last().bytesMoved()).isEqualTo(96 + 16 + 4 + 8 * 10 + 12 * 3 + 4);
    assertThat(q.traffic().peakFullPrecisionBytes()).isEqualTo(384);
  }

  @Test
  void nonFiniteTensorsAreCountedAndDoNotMoveTheRange() {
    TensorQuantizer q = new TensorQuantizer("l", QuantKind.ACTIVATION, spec(QuantKind.ACTIVATION, "{\"warmupSteps\": 1}"),
        1);
    q.quantize(tensor(0f, 1f), true);
    q.quantize(tensor(Float.POSITIVE_INFINITY, 50f, 0.5f), true);
    assertThat(q.last().nonFinite()).isEqualTo(1);
    q.quantize(tensor(0f, 0.5f), true);
    assertThat(q.last().usedMax()).isEqualTo(1.0); // still s_0: step 1 was rejected
    QuantizerSummary s = q.summary();
    assertThat(s.nonFiniteValues()).isEqualTo(1);
    assertThat(s.nonFiniteEvents()).isEqualTo(1);
    assertThat(s.steps()).isEqualTo(3);
    assertThat(s.finalMax()).isEqualTo(1.0);
    assertThat(s.clippedFraction()).isEqualTo(1.0 / 7); // 50 of the 7 values seen
  }

  @Test
  void historyIsBounded() {
    TensorQuantizer q = new TensorQuantizer("l", QuantKind.WEIGHT, QuantizerSpec.defaults(QuantKind.WEIGHT), 1);
    Tensor w = Tensor.of(new float[] {1, 2}, 1, 2);
    for (int i = 0; i < TensorQuantizer.DEFAULT_HISTORY_CAPACITY + 10; i++) {
      q.quantize(w, true);
    }
    assertThat(q.history()).hasSize(TensorQuantizer.DEFAULT_HISTORY_CAPACITY);
    assertThat(q.history().get(0).step()).isEqualTo(10);
    assertThat(q.summary().steps()).isEqualTo(TensorQuantizer.DEFAULT_HISTORY_CAPACITY + 10);
  }
}
