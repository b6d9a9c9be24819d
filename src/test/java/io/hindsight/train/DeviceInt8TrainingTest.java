package io.hindsight.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.hindsight.backend.Backend;
import io.hindsight.backend.CpuBackend;
import io.hindsight.cuda.CudaBackend;
import io.hindsight.data.DatasetLoader;
import io.hindsight.quant.RangesCsv;
import io.hindsight.quant.config.TensorQuantConfig;
import io.hindsight.spec.JobSpecs;
import io.hindsight.spec.ResolvedSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Fully quantized INT8 runs on {@code cuda-sim} (the device-resident integer path on the software
 * device) against the CPU engine's run of the same spec and seed: test accuracy, the in-hindsight
 * semantics of {@code ranges.csv}, the measured quantization bytes against the memory-traffic
 * model, what crosses between host and device per step, and device memory freed.
 */
class DeviceInt8TrainingTest {
  /** Seeds of the CPU-against-device accuracy comparison. */
  private static final int SEEDS = 8;

  private static String dataset() {
    boolean present = DatasetLoader.candidates("fashion-mnist", null).stream().anyMatch(Files::isDirectory);
    return present ? "fashion-mnist" : "synthetic";
  }

  private static ResolvedSpec spec(String arch, double width, int train, int test, int batch, String estimator,
      long seed, double momentum) {
    return JobSpecs.parseAndResolve("""
        {"model": {"arch": "%s", "width": %s},
         "dataset": {"name": "%s", "trainLimit": %d, "testLimit": %d},
         "training": {"epochs": 1, "batchSize": %d, "seed": %d, "learningRate": 0.05, "momentum": %s},
         "quantization": {"activations": {"estimator": "%s"}, "gradients": {"estimator": "%s"}},
         "output": {"rangeEvery": 1}}"""
        .formatted(arch, width, dataset(), train, test, batch, seed, momentum, estimator, estimator));
  }

  /**
   * The same spec and seed on the CPU engine and on {@code cuda-sim}, seeds 1-8: the mean of the eight
   * runs' test accuracies within 0.5 pp of the CPU engine's mean, and every run within 1 pp of its CPU
   * twin. Measured 2026-11-30 over seeds 1-16 (cuda-sim minus CPU): in-hindsight with three warm-up
   * steps -0.9, -0.5, -0.4, -0.3, +0.5, 0.0, -0.4, +0.6, +0.1, +0.4, -0.4, -0.1, +1.0, -0.6, -0.3, -0.5 pp
   * (mean -0.11, seeds 1-8 -0.18); current min-max -0.1, -0.5, +0.1, +0.5, -0.5, +0.5, +0.4, +0.3, +0.1,
   * +0.2, -0.4, +0.5, 0.0, -0.5, +0.2, -0.4 pp (mean +0.03, seeds 1-8 +0.09). The first four seeds alone
   * put in-hindsight 0.53 pp under, which sixteen did not confirm. Both engines compute the same
   * quantized step, but not to the last bit (float sums in other orders: batch norm, softmax, col2im, the GEMM epilogues), and a code that flips at a rounding
   * boundary changes the trajectory from then on, so single runs are samples: with plain SGD (lr 0.05)
   * they stay close (most within 0.5 pp, the widest measured 0.9 pp); with momentum 0.9 this short run
   * starts with a loss explosion and they part by up to 8.8 pp (docs/results.md), which only means over
   * seeds can judge. Both engines are deterministic, so this test is too.
   */
  @ParameterizedTest(name = "{0}")
  @CsvSource({"hindsight-minmax", "current-minmax"})
  void shortRunsMatchTheCpuEngineOverEightSeeds(String estimator, @TempDir Path dir) throws IOException {
    double sum = 0;
    double worst = 0;
    for (long seed = 1; seed <= SEEDS; seed++) {
      ResolvedSpec spec = spec("cnn", 0.5, 2048, 1000, 32, estimator, seed, 0.0);
      TrainingResult cpu;
      try (CpuBackend b = new CpuBackend(2)) {
        cpu = run(spec, b, Files.createDirectories(dir.resolve("cpu" + seed)));
      }
      TrainingResult sim;
      try (CudaBackend b = CudaBackend.simulated(2)) {
        sim = run(spec, b, Files.createDirectories(dir.resolve("sim" + seed)));
      }
      double d = sim.testAccuracy() - cpu.testAccuracy();
      System.out.printf("DeviceInt8TrainingTest %s seed %d: test accuracy cpu %.4f, cuda-sim %.4f (%+.2f pp)%n",
          estimator, seed, cpu.testAccuracy(), sim.testAccuracy(), 100 * d);
      assertThat(sim.device().quantizationBytes()).as("the fused INT8 path ran").isPositive();
      sum += d;
      worst = Math.max(worst, Math.abs(d));
    }
    System.out.printf("DeviceInt8TrainingTest %s: mean difference %+.3f pp, widest %.2f pp%n", estimator,
        100 * sum / SEEDS, 100 * worst);
    // 1000 test images: 0.5 pp on the mean of eight runs is 40 images over the eight, 1 pp a single run 10
    // images (the slack absorbs the doubles' rounding)
    assertThat(Math.abs(sum / SEEDS)).as("mean over seeds 1-8 within 0.5 pp of the CPU engine's").isLessThanOrEqualTo(
        0.005 + 1e-9);
    assertThat(worst).as("every run within 1 pp of its CPU twin").isLessThanOrEqualTo(0.01 + 1e-9);
  }

  private static TrainingResult run(ResolvedSpec spec, Backend backend, Path dir) throws IOException {
    return TrainingJobs.newTrainer(spec, backend, null, dir.resolve("checkpoint.bin"), null, null).run();
  }

  @ParameterizedTest(name = "{0} width {1}, {5}")
  @CsvSource({
      "cnn, 0.5, 1024, 512, 32, hindsight-minmax, 0.5",
      "cnn, 0.5, 1024, 512, 32, current-minmax, 0.5",
      "resnet20, 0.25, 256, 256, 16, hindsight-minmax, 0.15",
      "resnet20, 0.25, 256, 256, 16, current-minmax, 0.15"})
  void int8RunOnTheSoftwareDeviceMovesWhatTheModelSays(String arch, double width, int train, int test, int batch,
      String estimator, double learnsTo, @TempDir Path dir) throws IOException {
    ResolvedSpec spec = spec(arch, width, train, test, batch, estimator, 7, 0.9);
    long t0 = System.nanoTime();
    TrainingResult cpu;
    try (CpuBackend b = new CpuBackend(2)) {
      cpu = run(spec, b, Files.createDirectories(dir.resolve("cpu")));
    }
    long t1 = System.nanoTime();
    TrainingResult sim;
    CudaBackend backend = CudaBackend.simulated(2);
    try (CudaBackend b = backend) {
      sim = run(spec, b, Files.createDirectories(dir.resolve("sim")));
      assertThat(b.deviceHandle().counters().liveBytes()).isZero();
    }
    long t2 = System.nanoTime();
    DeviceReport d = sim.device();
    long modelled = sim.plugins().get("quantization").get("traffic").get("run").get("bytesMoved").asLong();
    long cpuModelled = cpu.plugins().get("quantization").get("traffic").get("run").get("bytesMoved").asLong();
    System.out.println("DeviceInt8TrainingTest device object: " + d);
    System.out.printf("DeviceInt8TrainingTest %s %s: accuracy cpu %.4f cuda-sim %.4f; quantization bytes measured %d,"
        + " modelled %d (cpu run %d); per step H2D %.0f D2H %.0f; %.1f s cpu, %.1f s sim%n", arch, estimator,
        cpu.testAccuracy(), sim.testAccuracy(), d.quantizationBytes(), modelled, cpuModelled,
        d.hostToDeviceBytesPerStep(), d.deviceToHostBytesPerStep(), (t1 - t0) / 1e9, (t2 - t1) / 1e9);

    assertThat(sim.testAccuracy()).as("it learns (chance: 0.1)").isGreaterThan(learnsTo);
    assertThat(Math.abs(d.quantizationBytes() - modelled) / (double) modelled)
        .as("measured quantization bytes within 1%% of the model").isLessThanOrEqualTo(0.01);

    List<RangesCsv.Row> rows = RangesCsv.read(dir.resolve("sim").resolve("ranges.csv"));
    assertThat(rows).isNotEmpty();
    if (estimator.equals("hindsight-minmax")) {
      // the warm-up steps are dynamic (each used its own statistics); from then on step t used exactly
      // what step t - 1 observed (activations and gradients; weights are current min-max)
      Map<String, RangesCsv.Row> previous = new HashMap<>();
      int checked = 0;
      for (RangesCsv.Row r : rows) {
        if (r.quantizer().endsWith("/weight")) {
          continue;
        }
        RangesCsv.Row p = previous.put(r.quantizer(), r);
        int warmup = r.quantizer().endsWith("/gradient") ? TensorQuantConfig.DEFAULT_GRADIENT_WARMUP_STEPS
            : TensorQuantConfig.DEFAULT_WARMUP_STEPS;
        if (r.step() < warmup && Double.isFinite(r.observedMin())) {
          assertThat(r.usedMin()).as("%s warm-up step %d", r.quantizer(), r.step()).isEqualTo(r.observedMin());
          assertThat(r.usedMax()).as("%s warm-up step %d", r.quantizer(), r.step()).isEqualTo(r.observedMax());
        } else if (p != null && r.step() == p.step() + 1 && Double.isFinite(p.observedMin())) {
          assertThat(r.usedMin()).as("%s step %d", r.quantizer(), r.step()).isEqualTo(p.observedMin());
          assertThat(r.usedMax()).as("%s step %d", r.quantizer(), r.step()).isEqualTo(p.observedMax());
          checked++;
        }
      }
      assertThat(checked).isGreaterThan(100);
    }
    // the images as int8 codes (the host quantizes them for the first convolution, their only reader)
    // and int32 labels
    double batchBytes = batch * (28.0 * 28 + 4);
    assertThat(d.hostToDeviceBytesPerStep()).as("the batch and the weights' parameters")
        .isLessThan(batchBytes + 8192);
  }

  /** A quantized spec the integer path does not implement trains with host quantizers, and says so. */
  @Test
  void aSpecBeyondTheIntegerPathFallsBackWithAWarning(@TempDir Path dir) throws IOException {
    ResolvedSpec spec = JobSpecs.parseAndResolve("""
        {"model": {"arch": "mlp", "width": 0.25},
         "dataset": {"name": "synthetic", "trainLimit": 128, "testLimit": 64},
         "training": {"epochs": 1, "batchSize": 32, "seed": 7},
         "quantization": {"activations": {"bits": 12}}}""");
    List<String> warnings = new ArrayList<>();
    TrainingResult r;
    try (CudaBackend b = CudaBackend.simulated(2)) {
      r = TrainingJobs.newTrainer(spec, b, new TrainingListener() {
        @Override
        public void onWarning(String message) {
          warnings.add(message);
        }
      }, dir.resolve("checkpoint.bin"), null, null).run();
      assertThat(b.deviceHandle().counters().liveBytes()).isZero();
    }
    assertThat(warnings).singleElement().asString()
        .contains("does not run this spec", "up to 8 bits, got 12", "quantizing on the host");
    assertThat(r.device().quantizationBytes()).as("no fused kernels ran").isZero();
    assertThat(r.testLoss()).isFinite();
  }
}
