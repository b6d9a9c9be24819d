package io.hindsight.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The device-step benchmark on the software device: FP32 and fused INT8, and its per-kernel counts. */
class DeviceStepBenchmarkTest {

  @Test
  void int8StepsReportTheirQuantizationBytesAndEveryKernelsCounts(@TempDir Path dir) throws IOException {
    ByteArrayOutputStream text = new ByteArrayOutputStream();
    Path counted = dir.resolve("counted.csv");
    double rate = DeviceStepBenchmark.run("mlp", 16, 1, 1, "cuda-sim", "hindsight-minmax", counted,
        new PrintStream(text, true, StandardCharsets.UTF_8));
    String out = text.toString(StandardCharsets.UTF_8);
    assertThat(rate).isPositive();
    assertThat(out).contains("mlp INT8 hindsight-minmax device-resident").doesNotContain(" 0 quantization bytes");
    List<String> lines = Files.readAllLines(counted);
    assertThat(lines.get(0)).isEqualTo("kernel,launches,countedRead,countedWrite");
    assertThat(lines).anyMatch(l -> l.startsWith("gemm_s8_")).anyMatch(l -> l.startsWith("sgd_update_stats,"))
        .anyMatch(l -> l.startsWith("quantize_weights_t,"));
  }

  @Test
  void fp32StepsQuantizeNothing() {
    ByteArrayOutputStream text = new ByteArrayOutputStream();
    DeviceStepBenchmark.run("mlp", 16, 0, 1, "cuda-sim", new PrintStream(text, true, StandardCharsets.UTF_8));
    assertThat(text.toString(StandardCharsets.UTF_8)).contains("mlp FP32 device-resident", " 0 quantization bytes");
  }
}
