package io.hindsight.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The launcher's commands end to end on tiny synthetic jobs. */
class MainTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  int run(String... args) {
    return Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  String stdout() {
    return out.toString(StandardCharsets.UTF_8);
  }

  String stderr() {
    return err.toString(StandardCharsets.UTF_8);
  }

  @Test
  void trainWritesResultJsonWithProvenanceAndQuantization(@TempDir Path dir) throws IOException {
    int rc = run("train", "--dataset", "synthetic", "--model", "mlp", "--epochs", "1", "--train-limit", "128",
        "--test-limit", "32", "--quantize", "--estimator", "hindsight-ema", "--out", dir.toString(), "--quiet");
    assertThat(rc).as(stderr()).isZero();
    JsonNode r = new ObjectMapper().readTree(dir.resolve("result.json").toFile());
    assertThat(r.get("testAccuracy").asDouble()).isBetween(0.0, 1.0);
    assertThat(r.get("epochs")).hasSize(1);
    assertThat(r.at("/provenance/spec/quantization/gradients/estimator").asText()).isEqualTo("hindsight-ema");
    assertThat(r.at("/provenance/gitCommit").asText()).isNotEmpty();
    assertThat(r.at("/plugins/quantization/quantizers/0/name").asText()).isEqualTo("fc1/weight");
    assertThat(dir.resolve("ranges.csv")).exists();
    assertThat(dir.resolve("spec.json")).exists();
    assertThat(dir.resolve("checkpoint.bin")).exists();
  }

  @Test
  void benchTrainStepTakesItsFlags() {
    assertThat(run("bench", "train-step", "--model", "mlp", "--batch", "2", "--warmup", "0", "--iters", "1",
        "--rounds", "2", "--threads", "1")).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("round 2:").contains("median of 2 rounds")
        .contains("ours/libtorch");
    assertThat(run("bench", "gemm", "--size", "16", "--iters", "1", "--threads", "1")).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("CPU GEMM tile: vector API");
  }

  @Test
  void invalidSpecExitsTwoNamingTheField(@TempDir Path dir) throws IOException {
    Path spec = dir.resolve("bad.json");
    Files.writeString(spec, "{\"model\":{\"arch\":\"cnn\"},\"dataset\":{\"name\":\"synthetic\"},"
        + "\"training\":{\"batchSize\":0}}");
    assertThat(run("train", "--spec", spec.toString(), "--out", dir.resolve("o").toString())).isEqualTo(2);
    assertThat(stderr()).contains("training.batchSize");
    assertThat(run("train", "--epochs", "many")).isEqualTo(2);
    assertThat(stderr()).contains("--epochs must be a number");
    assertThat(run("train", "--bogus")).isEqualTo(2);
    assertThat(run("nonsense")).isEqualTo(2);
  }

  @Test
  void compareRunsEachEstimatorAndReportPlotsThem(@TempDir Path dir) throws IOException {
    int rc = run("compare", "--dataset", "synthetic", "--model", "mlp", "--epochs", "1", "--train-limit", "128",
        "--test-limit", "32", "--estimators", "current-minmax,hindsight-minmax", "--out", dir.toString(), "--quiet");
    assertThat(rc).as(stderr()).isZero();
    assertThat(stdout()).contains("fp32", "current-minmax", "hindsight-minmax", "bytes moved");
    assertThat(Files.readAllLines(dir.resolve("comparison.csv"))).hasSize(4);
    rc = run("report", dir.resolve("fp32").toString(), dir.resolve("hindsight-minmax").toString(), "--out",
        dir.resolve("report").toString());
    assertThat(rc).as(stderr()).isZero();
    assertThat(dir.resolve("report/accuracy.svg")).exists();
    String svg = Files.readString(dir.resolve("report/hindsight-minmax-fc1_gradient.svg"));
    assertThat(svg).startsWith("<svg").contains("used max", "observed max", "polyline");
  }

  @Test
  void compareWithSeedsRunsEveryVariantPerSeedSideBySideAndSummarizesThem(@TempDir Path dir) throws IOException {
    int rc = run("compare", "--dataset", "synthetic", "--model", "mlp", "--epochs", "1", "--train-limit", "64",
        "--test-limit", "32", "--estimators", "default,current-minmax", "--no-fp32", "--seeds", "3-5", "--parallel",
        "2", "--out", dir.toString(), "--quiet");
    assertThat(rc).as(stderr()).isZero();
    for (String variant : new String[] {"default", "current-minmax"}) {
      for (int seed = 3; seed <= 5; seed++) {
        JsonNode r = new ObjectMapper().readTree(dir.resolve(variant + "/seed-" + seed + "/result.json").toFile());
        assertThat(r.at("/provenance/seed").asLong()).isEqualTo(seed);
        assertThat(r.at("/plugins/health/flags").isArray()).isTrue();
      }
    }
    JsonNode d = new ObjectMapper().readTree(dir.resolve("default/seed-3/result.json").toFile());
    assertThat(d.at("/plugins/quantization/quantizers/1/estimator").asText()).isEqualTo("hindsight-minmax");
    assertThat(stdout()).contains("runs that differ only in their seed", "mlp hindsight hindsight-minmax 1ep",
        "mlp hindsight current-minmax 1ep", " 3-5 ", "diverged");
    assertThat(Files.readAllLines(dir.resolve("comparison.csv"))).hasSize(7)
        .contains("run,estimator,testAccuracy,deltaToFp32,bytesMoved,bytesMovedIfDynamic,seconds,seed,diverged");
    assertThat(stderr()).contains("[run 6/6 current-minmax seed 5] epoch 1:");
    rc = run("report", dir.resolve("default/seed-3").toString(), dir.resolve("current-minmax/seed-3").toString(),
        "--quantizers", "fc1/activation", "--out", dir.resolve("report").toString());
    assertThat(rc).as(stderr()).isZero();
    assertThat(dir.resolve("report/default-seed-3-fc1_activation.svg")).exists(); // same folder names: the variant too
    assertThat(dir.resolve("report/current-minmax-seed-3-fc1_activation.svg")).exists();
    assertThat(run("compare", "--estimators", "default", "--seeds", "5-1")).isEqualTo(2);
    assertThat(stderr()).contains("--seeds", "from <= to");
  }

  @Test
  void resumeFlagContinuesFromTheCheckpoint(@TempDir Path dir) {
    String[] args = {"train", "--dataset", "synthetic", "--model", "mlp", "--epochs", "1", "--train-limit", "64",
        "--test-limit", "32", "--out", dir.toString(), "--quiet", "--resume"};
    assertThat(run(args)).isZero();
    assertThat(run(args)).isZero(); // the checkpoint says the run is complete: nothing to redo
    assertThat(stdout()).contains("test accuracy");
  }

  @Test
  void exportWritesOnnxAndChecksItWithOnnxRuntime(@TempDir Path dir) throws IOException {
    Path run = dir.resolve("run");
    assertThat(run("train", "--dataset", "synthetic", "--model", "cnn", "--width", "0.25", "--epochs", "1",
        "--train-limit", "128", "--test-limit", "64", "--quantize", "--out", run.toString(), "--quiet")).isZero();
    int rc = run("export", run.toString(), "--check", "--max-difference", "5");
    assertThat(rc).as(stderr()).isZero();
    assertThat(stdout()).contains("wrote " + run.resolve("model.onnx"), "QDQ", "onnxruntime test accuracy on 64",
        "result.json test accuracy", "within", "same predicted class as our engine's evaluation: ");
    onnx.Onnx.ModelProto m = onnx.Onnx.ModelProto.parseFrom(Files.readAllBytes(run.resolve("model.onnx")));
    assertThat(m.getGraph().getNodeList()).anyMatch(n -> n.getOpType().equals("QuantizeLinear"));

    Path other = dir.resolve("elsewhere/m.onnx");
    assertThat(run("export", run.toString(), "--format", "onnx", "--out", other.toString())).isZero();
    assertThat(other).exists();
    assertThat(run("export", dir.resolve("missing").toString())).isEqualTo(2);
    assertThat(stderr()).contains("holds no checkpoint.bin");
    assertThat(run("export", run.toString(), "--format", "tflite")).isEqualTo(2);
  }
}
