package io.hindsight.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hindsight.backend.CpuBackend;
import io.hindsight.cuda.CudaBackend;
import io.hindsight.data.DatasetLoader;
import io.hindsight.spec.JobSpecs;
import io.hindsight.spec.ResolvedSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Whole runs on {@code cuda-sim}, the CUDA backend's device-resident path on the software device:
 * accuracy against the CPU engine, what crosses between host and device per step, exact resume,
 * and device memory freed on success, failure and cancellation.
 */
class DeviceTrainingTest {

  /** Fashion-MNIST where the Debian package is installed (CI installs it), else the synthetic task. */
  private static String dataset() {
    boolean present = DatasetLoader.candidates("fashion-mnist", null).stream().anyMatch(Files::isDirectory);
    System.out.println("DeviceTrainingTest: dataset " + (present ? "fashion-mnist" : "synthetic (fashion-mnist absent)"));
    return present ? "fashion-mnist" : "synthetic";
  }

  private static ResolvedSpec spec(String arch, double width, String dataset, int train, int test, int epochs,
      int batch, String extra) {
    return spec(arch, width, dataset, train, test, epochs, batch, extra, "");
  }

  /** {@code extra} goes into the training block, {@code topLevel} after it (for example a quantization block). */
  private static ResolvedSpec spec(String arch, double width, String dataset, int train, int test, int epochs,
      int batch, String extra, String topLevel) {
    return JobSpecs.parseAndResolve("""
        {"model": {"arch": "%s", "width": %s},
         "dataset": {"name": "%s", "trainLimit": %d, "testLimit": %d},
         "training": {"epochs": %d, "batchSize": %d, "seed": 7 %s} %s}"""
        .formatted(arch, width, dataset, train, test, epochs, batch, extra, topLevel));
  }

  private static TrainingResult run(ResolvedSpec spec, io.hindsight.backend.Backend backend, Path ckpt,
      Checkpoint resume, long cancelAt) throws IOException {
    AtomicLong steps = new AtomicLong(resume == null ? 0 : resume.globalStep());
    return TrainingJobs.newTrainer(spec, backend, new TrainingListener() {
      @Override
      public void onStep(StepProgress p) {
        steps.set(p.globalStep());
      }
    }, ckpt, resume, () -> cancelAt > 0 && steps.get() >= cancelAt).run();
  }

  @Test
  void aShortCnnRunEndsWithinOnePointOfTheCpuRunAndMovesOnlyTheBatch() throws IOException {
    ResolvedSpec spec = spec("cnn", 0.5, dataset(), 2048, 512, 1, 64, "");
    TrainingResult cpu;
    try (CpuBackend b = new CpuBackend(2)) {
      cpu = run(spec, b, null, null, 0);
    }
    TrainingResult sim;
    try (CudaBackend b = CudaBackend.simulated(2)) {
      sim = run(spec, b, null, null, 0);
    }
    System.out.printf("DeviceTrainingTest: cnn test accuracy cpu %.4f, cuda-sim %.4f; device %s%n", cpu.testAccuracy(),
        sim.testAccuracy(), sim.device());
    assertThat(cpu.device()).isNull();
    assertThat(Math.abs(sim.testAccuracy() - cpu.testAccuracy())).isLessThanOrEqualTo(0.01);
    assertThat(sim.provenance().backend()).isEqualTo("cuda-sim");
    DeviceReport d = sim.device();
    assertThat(d.kind()).isEqualTo("software");
    assertThat(d.steps()).isEqualTo(32);
    double batchBytes = 64.0 * (28 * 28 * 4 + 4); // images and labels
    assertThat(d.hostToDeviceBytesPerStep()).as("the batch plus at most 1 KiB").isBetween(batchBytes, batchBytes + 1024);
    assertThat(d.deviceToHostBytesPerStep()).as("one small read-back per step").isLessThanOrEqualTo(1024);
    assertThat(d.liveBytesAtEnd()).isZero();
    assertThat(d.peakDeviceBytes()).isPositive();
    assertThat(d.kernelLaunches()).isGreaterThan(32L * 20);
    assertThat(d.hostToDeviceBytes()).as("whole run: initial upload, steps, evaluation")
        .isGreaterThan((long) (32 * batchBytes));
  }

  /**
   * Cancelled at step 11 and resumed from its checkpoint, a run ends exactly as the uninterrupted
   * one: FP32, and INT8 on the fused path (estimator state, stochastic-rounding counters and the
   * device tensors all restored).
   */
  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "mlp, FP32 | mlp | ",
      "cnn, INT8 in-hindsight, stochastic gradients | cnn | , \"quantization\": {}",
      "resnet20, INT8 in-hindsight (shortcut codes, masks) | resnet20 | , \"quantization\": {}"})
  void resumingOnTheSoftwareDeviceGivesTheUninterruptedRun(String name, String arch, String quantization,
      @TempDir Path dir) throws IOException {
    ResolvedSpec spec = spec(arch, 0.25, "synthetic", 256, 64, 2, 32, ", \"momentum\": 0.9",
        quantization == null ? "" : quantization);
    TrainingResult whole;
    try (CudaBackend b = CudaBackend.simulated(2)) {
      whole = run(spec, b, null, null, 0);
    }
    Path ckpt = dir.resolve("checkpoint.bin");
    try (CudaBackend b = CudaBackend.simulated(2)) {
      assertThatThrownBy(() -> run(spec, b, ckpt, null, 11)).isInstanceOf(TrainingCancelledException.class);
      assertThat(b.deviceHandle().counters().liveBytes()).as("cancelled mid-run: nothing left allocated").isZero();
    }
    TrainingResult resumed;
    try (CudaBackend b = CudaBackend.simulated(2)) {
      resumed = run(spec, b, ckpt, CheckpointIo.read(ckpt), 0);
    }
    assertThat(resumed.provenance().resumedFromStep()).isEqualTo(11);
    assertThat(resumed.testAccuracy()).isEqualTo(whole.testAccuracy());
    assertThat(resumed.testLoss()).isEqualTo(whole.testLoss());
    assertThat(resumed.epochs()).extracting(EpochMetrics::trainLoss)
        .containsExactlyElementsOf(whole.epochs().stream().map(EpochMetrics::trainLoss).toList());
    if (quantization != null) {
      assertThat(resumed.device().quantizationBytes()).as("the fused INT8 path ran").isPositive();
      assertThat(resumed.plugins().get("quantization").get("quantizers"))
          .as("every quantizer's final range and counts")
          .isEqualTo(whole.plugins().get("quantization").get("quantizers"));
    }
  }

  @Test
  void aFailingRunFreesItsDeviceMemory() {
    // a learning rate that makes the loss non-finite: the run fails after its patience
    ResolvedSpec spec = spec("mlp", 1.0, "synthetic", 256, 64, 2, 32,
        ", \"learningRate\": 10, \"momentum\": 0.99, \"nonFinitePatience\": 2");
    try (CudaBackend b = CudaBackend.simulated(2)) {
      assertThatThrownBy(() -> run(spec, b, null, null, 0)).isInstanceOf(NumericalInstabilityException.class);
      assertThat(b.deviceHandle().counters().liveBytes()).isZero();
    }
  }
}
