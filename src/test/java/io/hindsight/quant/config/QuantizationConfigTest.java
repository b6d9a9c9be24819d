package io.hindsight.quant.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hindsight.quant.estimator.EstimatorType;
import io.hindsight.quant.estimator.Warmup;
import io.hindsight.quant.math.Rounding;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class QuantizationConfigTest {
  private static final String BRIEF_EXAMPLE = """
      {"enabled": true,
       "weights":     {"bits": 8, "estimator": "current-minmax", "granularity": "per-channel", "rounding": "nearest", "symmetric": true},
       "activations": {"bits": 8, "estimator": "hindsight-minmax", "momentum": 0.9, "symmetric": false, "steClip": true},
       "gradients":   {"bits": 8, "estimator": "hindsight-minmax", "rounding": "stochastic", "symmetric": true},
       "layers": {"conv1": {"weights": {"bits": 4}, "activations": {"bits": 6}}, "fc": {"enabled": false}},
       "seed": 42}
      """;

  @Test
  void defaultsAreInt8WithInHindsightActivationsAndGradients() {
    QuantizationConfig c = QuantizationConfig.defaults();
    c.validate();
    QuantizerSpec w = c.resolve("any", QuantKind.WEIGHT);
    assertThat(w.bits()).isEqualTo(8);
    assertThat(w.estimator()).isEqualTo(EstimatorType.CURRENT_MINMAX);
    assertThat(w.perChannel()).isTrue();
    assertThat(w.symmetric()).isTrue();
    assertThat(w.rounding()).isEqualTo(Rounding.NEAREST);
    QuantizerSpec a = c.resolve("any", QuantKind.ACTIVATION);
    assertThat(a.estimator()).isEqualTo(EstimatorType.HINDSIGHT_MINMAX);
    assertThat(a.symmetric()).isFalse();
    assertThat(a.steClip()).isTrue();
    assertThat(a.warmup()).isEqualTo(Warmup.DYNAMIC);
    QuantizerSpec g = c.resolve("any", QuantKind.GRADIENT);
    assertThat(g.estimator()).isEqualTo(EstimatorType.HINDSIGHT_MINMAX);
    assertThat(g.symmetric()).isTrue();
    assertThat(g.rounding()).isEqualTo(Rounding.STOCHASTIC);
    assertThat(c.isEnabled()).isTrue();
    assertThat(c.seedOr(7)).isEqualTo(7);
  }

  @Test
  void briefExampleParsesAndOverridesMergeFieldByField() {
    QuantizationConfig c = QuantConfigReader.read(BRIEF_EXAMPLE);
    c.validate(List.of("conv1", "conv2", "fc"));
    assertThat(c.seedOr(7)).isEqualTo(42);
    QuantizerSpec w = c.resolve("conv1", QuantKind.WEIGHT);
    assertThat(w.bits()).isEqualTo(4); // from the override
    assertThat(w.estimator()).isEqualTo(EstimatorType.CURRENT_MINMAX); // from the global block
    assertThat(w.perChannel()).isTrue();
    assertThat(c.resolve("conv1", QuantKind.ACTIVATION).bits()).isEqualTo(6);
    assertThat(c.resolve("conv1", QuantKind.ACTIVATION).symmetric()).isFalse();
    assertThat(c.resolve("conv2", QuantKind.WEIGHT).bits()).isEqualTo(8);
    assertThat(c.layerEnabled("conv1")).isTrue();
    assertThat(c.layerEnabled("fc")).isFalse();
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', textBlock = """
      {"gradients": {"bits": 17}}                                        | quantization.gradients.bits        | [2, 16]
      {"weights": {"bits": 1}}                                           | quantization.weights.bits          | got 1
      {"activations": {"estimator": "minmax"}}                           | quantization.activations.estimator | unknown estimator 'minmax'
      {"activations": {"granularity": "per-channel"}}                    | quantization.activations.granularity | weights only
      {"gradients": {"granularity": "per-channel"}}                      | quantization.gradients.granularity | weights only
      {"weights": {"granularity": "per-row"}}                            | quantization.weights.granularity   | unknown granularity
      {"gradients": {"rounding": "up"}}                                  | quantization.gradients.rounding    | unknown rounding 'up'
      {"activations": {"estimator": "fixed"}}                            | quantization.activations.min       | needs this value
      {"activations": {"estimator": "fixed", "min": 0}}                  | quantization.activations.max       | needs this value
      {"activations": {"estimator": "fixed", "min": 1, "max": 1}}        | quantization.activations.max       | min < max
      {"activations": {"warmup": "fixed", "min": 2, "max": 1}}           | quantization.activations.max       | min < max
      {"activations": {"warmup": "later"}}                               | quantization.activations.warmup    | unknown warmup
      {"activations": {"estimator": "running-minmax", "momentum": 1.0}}  | quantization.activations.momentum  | [0, 1)
      {"gradients": {"momentum": -0.1}}                                  | quantization.gradients.momentum    | [0, 1)
      {"weights": {"historyLength": 0}}                                  | quantization.weights.historyLength | [1,
      {"weights": {"margin": -31}}                                       | quantization.weights.margin        | [-30, 30]
      {"activations": {"estimator": "dsgc", "symmetric": true}}          | quantization.activations.estimator | gradients only
      {"gradients": {"estimator": "dsgc", "symmetric": false}}           | quantization.gradients.symmetric   | symmetric: true
      {"activations": {"estimator": "amax-history"}}                     | quantization.activations.symmetric | symmetric: true
      {"weights": {"steClip": true}}                                     | quantization.weights.steClip       | activations only
      {"layers": {"conv1": {"gradients": {"bits": 20}}}}                 | quantization.layers.conv1.gradients.bits | got 20
      {"layers": {"stage2.block0.conv1": {"weights": {"estimator": "dsgc"}}}} | quantization.layers["stage2.block0.conv1"].weights.estimator | gradients only
      {"layers": {"conv1": null}}                                        | quantization.layers.conv1          | must be an object
      {"weights": {"bits": 8, "bitz": 4}}                                | quantization.weights.bitz          | unknown field 'bitz'
      {"layers": {"fc": {"enable": false}}}                              | quantization.layers.fc.enable      | unknown field 'enable'
      {"sed": 1}                                                         | quantization.sed                   | unknown field 'sed'
      {"weights": {"bits": "8"}}                                         | quantization.weights.bits          | String
      {"weights": {"bits": 8.5}}                                         | quantization.weights.bits          | Floating-point
      {"weights": {"symmetric": "yes"}}                                  | quantization.weights.symmetric     | String
      """)
  void invalidValuesNameTheirField(String json, String path, String message) {
    QuantConfigException e = catchThrowableOfType(QuantConfigException.class, () -> QuantConfigReader.read(json));
    assertThat(e).as(json).isNotNull();
    assertThat(e.path()).isEqualTo(path);
    assertThat(e.getMessage()).startsWith(path + ": ").contains(message);
  }

  @Test
  void overridesMustNameLayersOfTheModel() {
    QuantizationConfig c = QuantConfigReader.read("{\"layers\": {\"conv9\": {\"enabled\": false}}}");
    assertThatThrownBy(() -> c.validate(List.of("conv1", "fc")))
        .isInstanceOf(QuantConfigException.class)
        .hasMessage("quantization.layers.conv9: unknown layer 'conv9'; the model's quantizable layers are [conv1, fc]");
  }

  @Test
  void overridePathsPointAtTheBlockThatSetTheValue() {
    // the override switches to fixed: the max it lacks is reported there, an invalid inherited value where it was written
    assertThatThrownBy(() -> QuantConfigReader.read(
        "{\"activations\": {\"min\": -1}, \"layers\": {\"conv1\": {\"activations\": {\"estimator\": \"fixed\"}}}}"))
        .isInstanceOf(QuantConfigException.class)
        .hasMessageStartingWith("quantization.layers.conv1.activations.max: the fixed estimator needs this value");
    assertThatThrownBy(() -> QuantConfigReader.read(
        "{\"activations\": {\"min\": 3, \"max\": 2}, \"layers\": {\"conv1\": {\"activations\": {\"estimator\": \"fixed\"}}}}"))
        .isInstanceOf(QuantConfigException.class)
        .hasMessageStartingWith("quantization.activations.max: the fixed estimator needs min < max");
  }

  @Test
  void unusedEstimatorParametersAreIgnoredSoOverridesCanSwitchEstimators() {
    QuantizationConfig c = QuantConfigReader.read(
        "{\"activations\": {\"estimator\": \"hindsight-ema\", \"momentum\": 0.5},"
            + " \"layers\": {\"fc\": {\"activations\": {\"estimator\": \"current-minmax\"}}}}");
    assertThat(c.resolve("fc", QuantKind.ACTIVATION).estimator()).isEqualTo(EstimatorType.CURRENT_MINMAX);
    assertThat(c.resolve("fc", QuantKind.ACTIVATION).momentum()).isEqualTo(0.5);
  }

  @Test
  void recordsRejectUnknownFieldsEvenWithALenientMapper() {
    ObjectMapper lenient = new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    assertThatThrownBy(() -> lenient.readValue("{\"gradients\": {\"bits\": 8, \"bitz\": 4}}", QuantizationConfig.class))
        .hasMessageContaining("unknown field 'bitz'");
  }

  @Test
  void serializesBackToTheSameJson() throws Exception {
    ObjectMapper m = new ObjectMapper();
    QuantizationConfig c = QuantConfigReader.read(BRIEF_EXAMPLE);
    assertThat(QuantConfigReader.read(m.writeValueAsString(c))).isEqualTo(c);
    assertThat(m.readTree(m.writeValueAsString(c))).isEqualTo(m.readTree(BRIEF_EXAMPLE));
  }

  @Test
  void treesAreReadAsStrictlyAsText() throws Exception {
    ObjectMapper m = new ObjectMapper();
    assertThat(QuantConfigReader.read(m.readTree(BRIEF_EXAMPLE))).isEqualTo(QuantConfigReader.read(BRIEF_EXAMPLE));
    assertThatThrownBy(() -> QuantConfigReader.read(m.readTree("{\"gradients\": {\"bits\": 8.5}}")))
        .isInstanceOf(QuantConfigException.class)
        .hasMessageStartingWith("quantization.gradients.bits: ");
    assertThatThrownBy(() -> QuantConfigReader.read(m.readTree("{\"gradients\": {\"bits\": 8, \"x\": 1}}")))
        .isInstanceOf(QuantConfigException.class)
        .hasMessageStartingWith("quantization.gradients.x: unknown field 'x'");
  }

  @Test
  void malformedJsonIsReportedAtTheRoot() {
    assertThatThrownBy(() -> QuantConfigReader.read("{\"weights\": "))
        .isInstanceOf(QuantConfigException.class)
        .hasMessageStartingWith("quantization: ");
    assertThatThrownBy(() -> QuantConfigReader.read("null"))
        .isInstanceOf(QuantConfigException.class)
        .hasMessageStartingWith("quantization: must be an object");
  }
}
