package io.hindsight.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hindsight.backend.CpuBackend;
import io.hindsight.data.Dataset;
import io.hindsight.onnx.GraphInput;
import io.hindsight.onnx.OnnxExportException;
import io.hindsight.onnx.OnnxModels;
import io.hindsight.onnx.OnnxRuntimeModel;
import io.hindsight.tensor.Tensor;
import io.hindsight.train.Checkpoint;
import io.hindsight.train.CheckpointIo;
import io.hindsight.train.TrainedModel;
import io.hindsight.train.TrainingData;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code hindsight export RUN_DIR}: writes the run's trained model as ONNX (docs/onnx.md), and with
 * {@code --check} runs the file in ONNX Runtime on the run's test split and compares its accuracy
 * with the one in {@code result.json}.
 */
@Command(name = "export", sortOptions = false,
    description = {"Write a finished run's model (RUN_DIR/checkpoint.bin) as ONNX: a float graph for an FP32 run, "
        + "QDQ (INT8 weights, QuantizeLinear/DequantizeLinear with the final ranges) for a quantized one; "
        + "input `images` (N, 1, 28, 28) = pixels / 255, output `logits` (N, 10). See docs/onnx.md.",
        "With --check: the test accuracy ONNX Runtime gets with the file, next to the one in result.json."})
final class ExportCommand implements Callable<Integer> {
  /** Export formats. */
  enum Format { onnx }

  private static final ObjectMapper JSON = new ObjectMapper();
  /** Examples per forward in --check. */
  private static final int BATCH = 500;

  private final PrintStream out;
  private final PrintStream err;

  @Parameters(paramLabel = "RUN_DIR", description = "a run directory holding checkpoint.bin (train --out DIR)")
  Path runDir;

  @Option(names = "--format", paramLabel = "FORMAT", order = 1, defaultValue = "onnx",
      description = "output format: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE})")
  Format format;

  @Option(names = "--out", paramLabel = "FILE", order = 2, description = "where to write (default RUN_DIR/model.onnx)")
  Path outFile;

  @Option(names = "--check", order = 3,
      description = "evaluate the file with ONNX Runtime on the run's test split and compare with result.json")
  boolean check;

  @Option(names = "--max-difference", paramLabel = "PP", order = 4, defaultValue = "0.2",
      description = "with --check: the largest accuracy difference to result.json, in percentage points, "
          + "that still exits 0 (default ${DEFAULT-VALUE})")
  double maxDifference;

  @Mixin
  HelpOption help;

  ExportCommand(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  @Override
  public Integer call() throws Exception {
    Path ckpt = runDir.resolve("checkpoint.bin");
    if (!Files.isRegularFile(ckpt)) {
      throw new UsageException(runDir + " holds no checkpoint.bin (a run directory of `hindsight train --out DIR`)");
    }
    if (!(maxDifference >= 0)) {
      throw new UsageException("--max-difference must be >= 0, got " + maxDifference);
    }
    Checkpoint c = CheckpointIo.read(ckpt);
    Path file = outFile != null ? outFile : runDir.resolve("model.onnx");
    TrainedModel model;
    byte[] onnx;
    try (CpuBackend backend = new CpuBackend(1)) {
      model = TrainedModel.restore(c, backend);
      onnx = OnnxModels.export(model, null, c.epoch(), c.globalStep());
    } catch (OnnxExportException e) {
      err.println("hindsight: cannot export " + runDir + ": " + e.getMessage());
      return 1;
    }
    if (file.toAbsolutePath().getParent() != null) {
      Files.createDirectories(file.toAbsolutePath().getParent());
    }
    Files.write(file, onnx);
    out.printf(Locale.ROOT, "wrote %s (%d bytes, %s %s, %s)%n", file, onnx.length, model.spec().model().arch(),
        model.spec().quantized() ? "QDQ" : "FP32", format);
    return check ? check(c, model, onnx) : 0;
  }

  private int check(Checkpoint c, TrainedModel model, byte[] onnx) throws Exception {
    DatasetInstaller.ensure(model.spec(), err);
    Dataset test = TrainingData.load(model.spec()).test();
    GraphInput input = GraphInput.of(model.spec().dataset().name());
    long start = System.nanoTime();
    int[] deployedClasses;
    int[] definedClasses;
    try (OnnxRuntimeModel ort = new OnnxRuntimeModel(onnx, 0, true)) {
      deployedClasses = ort.predictions(test, input, BATCH);
    }
    try (OnnxRuntimeModel ort = new OnnxRuntimeModel(onnx, 0, false)) {
      definedClasses = ort.predictions(test, input, BATCH);
    }
    double deployed = accuracy(deployedClasses, test);
    double defined = accuracy(definedClasses, test);
    out.printf(Locale.ROOT, "onnxruntime test accuracy on %d examples of %s: %.4f (all graph optimizations), "
            + "%.4f (no graph optimizations) in %.1f s%n", test.size(), model.spec().dataset().name(), deployed,
        defined, (System.nanoTime() - start) / 1e9);
    int[] engine = ourPredictions(c, test);
    out.printf(Locale.ROOT, "same predicted class as our engine's evaluation: %d of %d (all optimizations), %d of %d "
        + "(none)%n", same(engine, deployedClasses), test.size(), same(engine, definedClasses), test.size());
    Path result = runDir.resolve("result.json");
    if (!Files.isRegularFile(result)) {
      out.println("no result.json in " + runDir + " to compare with");
      return 0;
    }
    JsonNode acc = JSON.readTree(result.toFile()).path("testAccuracy");
    if (!acc.isNumber()) {
      out.println("result.json has no testAccuracy to compare with");
      return 0;
    }
    double ours = acc.asDouble();
    double worst = Math.max(Math.abs(deployed - ours), Math.abs(defined - ours)) * 100;
    out.printf(Locale.ROOT, "result.json test accuracy %.4f: difference %+.2f pp (all optimizations), %+.2f pp "
        + "(none); %s (limit %.2f pp)%n", ours, (deployed - ours) * 100, (defined - ours) * 100,
        worst <= maxDifference ? "within" : "OUTSIDE", maxDifference);
    return worst <= maxDifference ? 0 : 1;
  }

  /** Our engine's evaluation-mode predictions of the restored model. */
  private static int[] ourPredictions(Checkpoint c, Dataset test) {
    int[] predicted = new int[test.size()];
    int per = test.imageSize();
    try (CpuBackend backend = CpuBackend.withDefaultThreads()) {
      TrainedModel t = TrainedModel.restore(c, backend);
      for (int from = 0; from < test.size(); from += BATCH) {
        int n = Math.min(BATCH, test.size() - from);
        Tensor logits = t.model().forward(Tensor.of(Arrays.copyOfRange(test.images(), from * per, (from + n) * per),
            n, test.channels(), test.height(), test.width()), false);
        int classes = logits.dim(1);
        for (int i = 0; i < n; i++) {
          predicted[from + i] = OnnxRuntimeModel.argmax(
              Arrays.copyOfRange(logits.data(), i * classes, (i + 1) * classes));
        }
      }
    }
    return predicted;
  }

  private static double accuracy(int[] predicted, Dataset data) {
    return (double) same(predicted, data.labels()) / data.size();
  }

  private static int same(int[] a, int[] b) {
    int n = 0;
    for (int i = 0; i < a.length; i++) {
      if (a[i] == b[i]) {
        n++;
      }
    }
    return n;
  }
}
