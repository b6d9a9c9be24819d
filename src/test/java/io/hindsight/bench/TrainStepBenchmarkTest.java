package io.hindsight.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The benchmark runs both engines on a tiny configuration and reports both figures. */
class TrainStepBenchmarkTest {

  @Test
  void reportsThroughputOfBothEngines() {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    TrainStepBenchmark.Result r = TrainStepBenchmark.run("mlp", 2, 1, 1, 1,
        new PrintStream(buf, true, StandardCharsets.UTF_8));
    assertThat(r.oursSamplesPerSecond()).isPositive().isFinite();
    assertThat(r.torchSamplesPerSecond()).isPositive().isFinite();
    assertThat(r.ratio()).isEqualTo(r.oursSamplesPerSecond() / r.torchSamplesPerSecond());
    assertThat(r.torchRuntime()).contains("PyTorch").contains("intra-op");
    assertThat(buf.toString(StandardCharsets.UTF_8)).contains("hindsight cpu").contains("libtorch (DJL)")
        .contains("ours/libtorch");
  }

  @Test
  void alternatingRoundsReportTheMedianOfEachEngine() {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    TrainStepBenchmark.Result r = TrainStepBenchmark.run("mlp", 2, 0, 1, 3, 1,
        new PrintStream(buf, true, StandardCharsets.UTF_8));
    String text = buf.toString(StandardCharsets.UTF_8);
    assertThat(text).contains("round 1:").contains("round 3:").contains("median of 3 rounds");
    assertThat(r.oursSamplesPerSecond()).isPositive().isFinite();
  }

  @Test
  void rejectsNonPositiveSizes() {
    assertThatThrownBy(() -> TrainStepBenchmark.run("mlp", 0, 0, 1, 1, System.out))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("batch=0");
  }
}
