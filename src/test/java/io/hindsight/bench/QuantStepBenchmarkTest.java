package io.hindsight.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class QuantStepBenchmarkTest {
  @Test
  void printsStepTimesAndTrafficOfEachVariant() {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    QuantStepBenchmark.run("mlp", 8, 3, 1, new io.hindsight.backend.CpuBackend(1), 800, new PrintStream(buf, true, StandardCharsets.UTF_8));
    String out = buf.toString(StandardCharsets.UTF_8);
    assertThat(out).contains("fp32", "int8 hindsight-minmax", "int8 current-minmax", "100 steps of batch 8");
    // static ranges move fewer bytes than the dynamic counterfactual; dynamic ranges save nothing
    assertThat(out).containsPattern("int8 hindsight-minmax .* [1-9][0-9.]*x")
        .contains("int8 current-minmax, one epoch of 800 examples (100 steps of batch 8, the first 4 as run)")
        // the default in-hindsight warm-up (three dynamic steps) is charged in the epoch, not only the static step
        .containsPattern("int8 hindsight-minmax, one epoch .* \\([1-9][0-9.]*x\\)")
        .containsPattern("int8 current-minmax .* 1\\.00x");
  }
}
