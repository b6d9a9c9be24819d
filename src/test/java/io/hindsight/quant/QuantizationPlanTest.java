package io.hindsight.quant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.hindsight.nn.QuantHooks;
import io.hindsight.quant.config.QuantConfigException;
import io.hindsight.quant.config.QuantConfigReader;
import io.hindsight.quant.config.QuantizationConfig;
import io.hindsight.tensor.Tensor;
import io.hindsight.util.Rng;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

class QuantizationPlanTest {

  private static Tensor random(Rng rng, double scale, int... shape) {
    Tensor t = Tensor.zeros(shape);
    float[] d = t.data();
    for (int i = 0; i < d.length; i++) {
      d[i] = (float) (rng.nextGaussian() * scale);
    }
    return t;
  }

  /** One simulated training step of a layer: input, weight, gradient. */
  private static float[] step(QuantHooks h, Rng data, double scale) {
    Tensor x = h.input(random(data, scale, 4, 8), true);
    Tensor w = h.weight(random(data, 1, 3, 8), true);
    Tensor g = h.gradient(random(data, 0.01 * scale, 4, 3));
    float[] all = new float[x.size() + w.size() + g.size()];
    System.arraycopy(x.data(), 0, all, 0, x.size());
    System.arraycopy(w.data(), 0, all, x.size(), w.size());
    System.arraycopy(g.data(), 0, all, x.size() + w.size(), g.size());
    return all;
  }

  @Test
  void everyEnabledLayerGetsThreeNamedQuantizers() {
    QuantizationPlan plan = QuantizationPlan.create(QuantConfigReader.read(
        "{\"layers\": {\"fc\": {\"enabled\": false}, \"stage2.block0.conv1\": {\"weights\": {\"bits\": 4}}}}"), 1);
    assertThat(plan.forLayer("conv1")).isInstanceOf(LayerQuantHooks.class);
    assertThat(plan.forLayer("stage2.block0.conv1")).isInstanceOf(LayerQuantHooks.class);
    assertThat(plan.forLayer("fc")).isSameAs(QuantHooks.NONE);
    assertThat(plan.quantizers()).extracting(TensorQuantizer::name).containsExactly(
        "conv1/weight", "conv1/activation", "conv1/gradient",
        "stage2.block0.conv1/weight", "stage2.block0.conv1/activation", "stage2.block0.conv1/gradient");
    assertThat(plan.quantizer("stage2.block0.conv1/weight").orElseThrow().spec().bits()).isEqualTo(4);
    assertThat(plan.quantizer("conv1/weight").orElseThrow().spec().bits()).isEqualTo(8);
    assertThat(plan.fullPrecisionLayers()).containsExactly("fc");
    plan.requireOverridesMatched();
  }

  @Test
  void globallyDisabledPlanLeavesEveryLayerInFullPrecision() {
    QuantizationPlan plan = QuantizationPlan.create(QuantConfigReader.read("{\"enabled\": false}"), 1);
    assertThat(plan.forLayer("conv1")).isSameAs(QuantHooks.NONE);
    assertThat(plan.quantizers()).isEmpty();
  }

  @Test
  void overridesOfLayersTheModelNeverBuiltAreReported() {
    QuantizationPlan plan = QuantizationPlan.create(QuantConfigReader.read("{\"layers\": {\"conv3\": {}}}"), 1);
    plan.forLayer("conv1");
    assertThatThrownBy(plan::requireOverridesMatched)
        .isInstanceOf(QuantConfigException.class)
        .hasMessageContaining("quantization.layers.conv3: unknown layer 'conv3'");
    assertThatThrownBy(() -> QuantizationPlan.create(
        QuantConfigReader.read("{\"layers\": {\"conv3\": {}}}"), 1, List.of("conv1"), 16))
        .hasMessageStartingWith("quantization.layers.conv3");
  }

  @Test
  void aLayerNameServesOneLayer() {
    QuantizationPlan plan = QuantizationPlan.create(QuantizationConfig.defaults(), 1);
    plan.forLayer("conv1");
    assertThatThrownBy(() -> plan.forLayer("conv1")).hasMessageContaining("asked for quantization hooks twice");
  }

  @Test
  void stochasticRoundingDependsOnTheSeedAndTheNameNotOnTheBuildOrder() {
    QuantizationPlan ab = QuantizationPlan.create(QuantizationConfig.defaults(), 7);
    QuantHooks a1 = ab.forLayer("a");
    QuantHooks b1 = ab.forLayer("b");
    QuantizationPlan ba = QuantizationPlan.create(QuantizationConfig.defaults(), 7);
    QuantHooks b2 = ba.forLayer("b");
    QuantHooks a2 = ba.forLayer("a");
    assertThat(step(b1, new Rng(1), 1)).containsExactly(step(b2, new Rng(1), 1));
    assertThat(step(a1, new Rng(2), 1)).containsExactly(step(a2, new Rng(2), 1));

    QuantizationPlan other = QuantizationPlan.create(QuantizationConfig.defaults(), 8);
    assertThat(step(other.forLayer("a"), new Rng(2), 1)).isNotEqualTo(step(a1, new Rng(2), 1));
    assertThat(QuantizationPlan.create(QuantConfigReader.read("{\"seed\": 3}"), 99).seed()).isEqualTo(3);
  }

  @Test
  void restoredPlanContinuesWithExactlyTheSameRangesAndRandomDraws() throws Exception {
    QuantizationConfig config = QuantConfigReader.read(
        "{\"activations\": {\"estimator\": \"hindsight-ema\"}, \"weights\": {\"estimator\": \"amax-history\","
            + " \"historyLength\": 3}, \"gradients\": {\"estimator\": \"hindsight-minmax\"}}");
    QuantizationPlan original = QuantizationPlan.create(config, 11);
    QuantHooks h = original.forLayer("fc");
    Rng data = new Rng(5);
    for (long s = 0; s < 4; s++) {
      original.beginStep(s);
      step(h, data, 1 + s);
    }
    ObjectMapper json = new ObjectMapper();
    String saved = json.writeValueAsString(original.state());

    QuantizationPlan resumed = QuantizationPlan.create(config, 11);
    QuantHooks hr = resumed.forLayer("fc");
    resumed.restore(json.readValue(saved, QuantizationState.class));
    assertThat(resumed.step()).isEqualTo(3);
    assertThat(resumed.traffic().run()).isEqualTo(original.traffic().run());

    Rng dataA = new Rng(99);
    Rng dataB = new Rng(99);
    for (long s = 4; s < 8; s++) {
      original.beginStep(s);
      resumed.beginStep(s);
      assertThat(step(hr, dataB, 8 - s)).containsExactly(step(h, dataA, 8 - s));
      for (TensorQuantizer q : original.quantizers()) {
        QuantizationRecord expected = q.last();
        QuantizationRecord actual = resumed.quantizer(q.name()).orElseThrow().last();
        assertThat(actual).isEqualTo(expected);
      }
    }
    assertThat(resumed.summaries()).isEqualTo(original.summaries());
  }

  @Test
  void restoreRejectsAStateOfOtherQuantizers() {
    QuantizationPlan a = QuantizationPlan.create(QuantizationConfig.defaults(), 1);
    a.forLayer("conv1");
    QuantizationPlan b = QuantizationPlan.create(QuantizationConfig.defaults(), 1);
    b.forLayer("conv2");
    assertThatThrownBy(() -> b.restore(a.state()))
        .hasMessageContaining("missing [conv2/activation, conv2/gradient, conv2/weight]")
        .hasMessageContaining("unexpected [conv1/activation");
    QuantizationPlan c = QuantizationPlan.create(QuantConfigReader.read("{\"weights\": {\"estimator\": \"hindsight-minmax\"}}"), 1);
    c.forLayer("conv1");
    assertThatThrownBy(() -> c.restore(a.state())).hasMessageContaining("conv1/weight: checkpoint holds a current-minmax");
  }

  @Test
  void rangesCsvGetsARowPerQuantizerEveryNSteps() {
    QuantizationPlan plan = QuantizationPlan.create(QuantizationConfig.defaults(), 1);
    QuantHooks h = plan.forLayer("fc");
    StringWriter out = new StringWriter();
    plan.addListener(new RangesCsv.Writer(out, 2, true));
    Rng data = new Rng(1);
    for (long s = 0; s < 4; s++) {
      plan.beginStep(s);
      step(h, data, 1);
    }
    String[] lines = out.toString().split("\n");
    assertThat(lines[0]).isEqualTo("step,quantizer,usedMin,usedMax,observedMin,observedMax,clippedFraction");
    assertThat(lines).hasSize(1 + 2 * 3);
    assertThat(lines[1]).startsWith("0,fc/activation,");
    assertThat(lines[2]).startsWith("0,fc/weight,");
    assertThat(lines[4]).startsWith("2,fc/activation,");
    assertThat(lines[4].split(",")).hasSize(7);
    QuantizationRecord r = plan.quantizer("fc/gradient").orElseThrow().history().get(2);
    assertThat(lines[6]).isEqualTo(r.csvRow());
  }

  @Test
  void trafficIsAggregatedOverQuantizersPerStep() {
    QuantizationPlan plan = QuantizationPlan.create(QuantizationConfig.defaults(), 1);
    QuantHooks h = plan.forLayer("fc");
    Rng data = new Rng(1);
    long warmUp = 0;
    for (int s = 0; s < 3; s++) { // the default warm-up: three dynamic steps of activations, one of gradients
      plan.beginStep(s);
      step(h, data, 1);
      warmUp += plan.traffic().step().bytesMoved();
    }
    plan.beginStep(3);
    step(h, data, 1);
    // step 3: activation (32 values, with the STE mask of one word and one summary word: the summary
    // read, and per clipped value a bit set and a zero written over its gradient, for the word holding
    // them its summary bit set, its read and its clearing, and the summary word's clearing) and
    // gradient (12) static, weight (24, 3 channels) dynamic from the parameters: the statistics the
    // optimizer recorded (no statistics pass), quantizing pass with per-channel parameters
    QuantizationRecord a = plan.quantizer("fc/activation").orElseThrow().last();
    long masked = a.clipped() + a.nonFinite();
    long zeroed = 8 * masked + (masked > 0 ? 12 + 4 : 0);
    long activation = 32 + 16 + 4 + zeroed;
    long gradient = 12 + 16;
    long weight = 3 * 16 + (4 * 24 + 3 * 16 + 24 + 3 * 16);
    assertThat(plan.traffic().step().bytesMoved()).isEqualTo(activation + gradient + weight);
    long dynamic = (13 * 32 + 32 + 4 + zeroed) + (13 * 12 + 32) + weight;
    assertThat(plan.traffic().step().bytesMovedIfDynamic()).isEqualTo(dynamic);
    assertThat(plan.traffic().run().bytesMoved()).isEqualTo(warmUp + activation + gradient + weight);
    // dynamic ranges clip nothing; the gradient is static from step 1 on
    assertThat(warmUp).isEqualTo(3 * (dynamic - zeroed) - 2 * ((13 * 12 + 32) - gradient));
  }

  @Test
  void summariesAreJsonSerializable() throws Exception {
    QuantizationPlan plan = QuantizationPlan.create(QuantizationConfig.defaults(), 1);
    step(plan.forLayer("fc"), new Rng(1), 1);
    String json = new ObjectMapper().writeValueAsString(plan.summaries());
    assertThat(json).contains("\"name\":\"fc/gradient\"").contains("\"estimator\":\"hindsight-minmax\"")
        .contains("\"bytesMoved\"");
  }
}
