package io.hindsight.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hindsight.backend.CpuBackend;
import io.hindsight.spec.JobSpecs;
import io.hindsight.spec.ResolvedSpec;
import io.hindsight.spec.SpecException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Fully quantized training through the trainer: outputs, checkpointed estimator state, validation. */
class QuantizedTrainingTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  static ResolvedSpec spec(String quantization) {
    return JobSpecs.parseAndResolve("""
        {"model": {"arch": "cnn", "width": 0.5},
         "dataset": {"name": "synthetic", "trainLimit": 192, "testLimit": 64},
         "training": {"epochs": 2, "batchSize": 32, "learningRate": 0.02, "seed": 3},
         "checkpoint": {"everySteps": 4}, "output": {"rangeEvery": 1},
         "quantization": %s}""".formatted(quantization));
  }

  static TrainingResult run(ResolvedSpec spec, Path dir, Checkpoint resume, long cancelAt) throws IOException {
    AtomicLong steps = new AtomicLong(resume == null ? 0 : resume.globalStep());
    return TrainingJobs.newTrainer(spec, new CpuBackend(2), new TrainingListener() {
      @Override
      public void onStep(StepProgress p) {
        steps.set(p.globalStep());
      }
    }, dir.resolve("checkpoint.bin"), resume, () -> cancelAt > 0 && steps.get() >= cancelAt).run();
  }

  @Test
  void writesRangesTrafficAndTheResultSection(@TempDir Path dir) throws IOException {
    TrainingResult r = run(spec("{}"), dir, null, 0);
    JsonNode q = r.plugins().get("quantization");
    assertThat(q).isNotNull();
    // 4 quantizable layers (conv1, conv2, fc1, fc2) x weight, activation, gradient
    assertThat(q.get("quantizers")).hasSize(12);
    JsonNode first = q.get("quantizers").get(0);
    assertThat(first.get("name").asText()).isEqualTo("conv1/weight");
    assertThat(first.get("bits").asInt()).isEqualTo(8);
    JsonNode run = q.get("traffic").get("run");
    assertThat(run.get("bytesMoved").asLong()).isPositive();
    assertThat(run.get("bytesMovedIfDynamic").asLong()).isGreaterThan(run.get("bytesMoved").asLong());
    assertThat(q.get("traffic").get("perEpoch")).hasSize(2);

    List<String> ranges = Files.readAllLines(dir.resolve("ranges.csv"));
    assertThat(ranges.get(0)).isEqualTo("step,quantizer,usedMin,usedMax,observedMin,observedMax,clippedFraction");
    assertThat(ranges).hasSize(1 + 12 * 12); // 12 steps x 12 quantizers
    List<String> traffic = Files.readAllLines(dir.resolve("traffic.csv"));
    assertThat(traffic).hasSize(1 + 12);
  }

  @Test
  void hindsightRangeOfStepTIsTheObservationOfStepTMinusOne(@TempDir Path dir) throws IOException {
    run(spec("{\"gradients\": {\"estimator\": \"hindsight-minmax\"}}"), dir, null, 0);
    List<String[]> rows = Files.readAllLines(dir.resolve("ranges.csv")).stream().skip(1)
        .map(l -> l.split(",")).filter(f -> f[1].equals("conv2/gradient")).toList();
    int warmup = io.hindsight.quant.config.TensorQuantConfig.DEFAULT_GRADIENT_WARMUP_STEPS;
    for (int t = 0; t < warmup; t++) { // the dynamic warm-up: each step's own range
      assertThat(rows.get(t)[2]).isEqualTo(rows.get(t)[4]);
      assertThat(rows.get(t)[3]).isEqualTo(rows.get(t)[5]);
    }
    for (int t = warmup; t < rows.size(); t++) {
      assertThat(rows.get(t)[2]).isEqualTo(rows.get(t - 1)[4]); // usedMin(t) == observedMin(t-1)
      assertThat(rows.get(t)[3]).isEqualTo(rows.get(t - 1)[5]);
    }
  }

  @Test
  void resumedQuantizedRunContinuesWithTheSameRanges(@TempDir Path dir) throws IOException {
    ResolvedSpec s = spec("{\"activations\": {\"estimator\": \"hindsight-ema\"}, "
        + "\"gradients\": {\"estimator\": \"hindsight-minmax\", \"rounding\": \"stochastic\"}}");
    Path full = Files.createDirectories(dir.resolve("full"));
    Path cut = Files.createDirectories(dir.resolve("cut"));
    TrainingResult a = run(s, full, null, 0);
    assertThatThrownBy(() -> run(s, cut, null, 9)).isInstanceOf(TrainingCancelledException.class);
    Checkpoint c = CheckpointIo.read(cut.resolve("checkpoint.bin"));
    assertThat(c.extensions()).containsKey("quantization");
    // as after a crash: rows of steps past the checkpoint reached the files, the last one torn
    Files.writeString(cut.resolve("ranges.csv"), "9,conv1/activation,0,1,0,1,0.0\n10,conv1/act", StandardOpenOption.APPEND);
    Files.writeString(cut.resolve("traffic.csv"), "9,1,2,3,4,5,6\n10,1", StandardOpenOption.APPEND);
    TrainingResult b = run(s, cut, c, 0);

    assertThat(b.testAccuracy()).isEqualTo(a.testAccuracy());
    assertThat(b.testLoss()).isEqualTo(a.testLoss());
    assertThat(b.epochs().get(1).trainLoss()).isEqualTo(a.epochs().get(1).trainLoss());
    assertThat(JSON.writeValueAsString(b.plugins().get("quantization").get("quantizers")))
        .isEqualTo(JSON.writeValueAsString(a.plugins().get("quantization").get("quantizers")));
    assertThat(b.plugins().get("quantization").get("traffic").get("run"))
        .isEqualTo(a.plugins().get("quantization").get("traffic").get("run"));
    // the rows before the checkpoint were kept, the ones after it (and the torn line) redone once
    assertThat(Files.readAllLines(cut.resolve("ranges.csv"))).isEqualTo(Files.readAllLines(full.resolve("ranges.csv")));
    assertThat(Files.readAllLines(cut.resolve("traffic.csv"))).isEqualTo(Files.readAllLines(full.resolve("traffic.csv")));
  }

  @Test
  void quantizationErrorsNameTheField() {
    assertThatThrownBy(() -> spec("{\"gradients\": {\"bits\": 1}}")).isInstanceOfSatisfying(SpecException.class,
        e -> assertThat(e.field()).isEqualTo("quantization.gradients.bits"));
    assertThatThrownBy(() -> spec("{\"activations\": {\"estimator\": \"magic\"}}"))
        .isInstanceOfSatisfying(SpecException.class,
            e -> assertThat(e.field()).isEqualTo("quantization.activations.estimator"));
    assertThatThrownBy(() -> spec("{\"layers\": {\"conv9\": {\"enabled\": false}}}"))
        .isInstanceOfSatisfying(SpecException.class, e -> assertThat(e.getMessage()).contains("conv9"));
    assertThatThrownBy(() -> spec("{\"wieghts\": {}}")).isInstanceOfSatisfying(SpecException.class,
        e -> assertThat(e.getMessage()).contains("wieghts"));
  }

  @Test
  void perLayerOverridesKeepLayersInFullPrecision(@TempDir Path dir) throws IOException {
    TrainingResult r = run(spec("{\"layers\": {\"conv1\": {\"enabled\": false}, \"fc2\": {\"enabled\": false}}}"), dir,
        null, 0);
    JsonNode qs = r.plugins().get("quantization").get("quantizers");
    assertThat(qs).hasSize(6);
    for (JsonNode q : qs) {
      assertThat(q.get("layer").asText()).isIn("conv2", "fc1");
    }
  }
}
