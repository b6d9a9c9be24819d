package io.hindsight.cli;

import io.hindsight.spec.QuantizationOverrides;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hindsight.backend.Backend;
import io.hindsight.backend.Backends;
import io.hindsight.spec.JobSpecs;
import io.hindsight.spec.ResolvedSpec;
import io.hindsight.train.Checkpoint;
import io.hindsight.train.CheckpointIo;
import io.hindsight.train.ResultJson;
import io.hindsight.train.TrainingJobs;
import io.hindsight.train.TrainingResult;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code hindsight train}: runs one job from a spec file and/or flags, writing {@code spec.json},
 * {@code checkpoint.bin} and {@code result.json} into the output directory.
 */
final class TrainCommand {
  static final String USAGE = """
      usage: hindsight train [--spec FILE] [--out DIR] [--resume] [flags]
        --spec FILE          job spec (JSON, the same document POST /api/v1/jobs accepts)
        --out DIR            output directory (default runs/<arch>-<time>)
        --resume             continue from DIR/checkpoint.bin if it exists
        --quiet              only the per-epoch lines (no progress bar or progress lines)
      flags override the spec:
        --model ARCH         mlp | cnn | resnet20 | mobilenetv2 (default cnn)
        --width X            channel multiplier
        --dataset NAME       fashion-mnist | mnist | synthetic (default fashion-mnist)
        --data-path DIR      directory with the IDX files
        --train-limit N      use the first N training examples
        --test-limit N       use the first N test examples
        --epochs N  --batch-size N  --lr X  --momentum X  --weight-decay X
        --schedule constant|step|cosine  --warmup-epochs X  --seed N  --threads N
        --engine hindsight|djl   --backend cpu|cuda|cuda-sim|auto
        --checkpoint-every N     also checkpoint every N steps
      quantization (fully quantized training; see README for the spec's quantization block):
        --quantize           INT8 weights, activations and gradients with the default estimators
        --estimator NAME     estimator of activations and gradients: current-minmax, running-minmax,
                             hindsight-minmax, hindsight-ema, amax-history, dsgc (gradients only)
        --bits N             bits of every quantizer (2..16)
        --range-every N      write ranges.csv rows every N steps (default 10)
      """;

  /** Flag name -> JSON path in the spec, and whether its value is a number. */
  private static final Map<String, String[]> FLAG_PATHS = Map.ofEntries(
      Map.entry("model", new String[] {"model.arch", "s"}),
      Map.entry("width", new String[] {"model.width", "d"}),
      Map.entry("dataset", new String[] {"dataset.name", "s"}),
      Map.entry("data-path", new String[] {"dataset.path", "s"}),
      Map.entry("train-limit", new String[] {"dataset.trainLimit", "i"}),
      Map.entry("test-limit", new String[] {"dataset.testLimit", "i"}),
      Map.entry("epochs", new String[] {"training.epochs", "i"}),
      Map.entry("batch-size", new String[] {"training.batchSize", "i"}),
      Map.entry("lr", new String[] {"training.learningRate", "d"}),
      Map.entry("momentum", new String[] {"training.momentum", "d"}),
      Map.entry("weight-decay", new String[] {"training.weightDecay", "d"}),
      Map.entry("schedule", new String[] {"training.schedule", "s"}),
      Map.entry("warmup-epochs", new String[] {"training.warmupEpochs", "d"}),
      Map.entry("seed", new String[] {"training.seed", "i"}),
      Map.entry("threads", new String[] {"training.threads", "i"}),
      Map.entry("engine", new String[] {"engine", "s"}),
      Map.entry("backend", new String[] {"backend", "s"}),
      Map.entry("checkpoint-every", new String[] {"checkpoint.everySteps", "i"}),
      Map.entry("range-every", new String[] {"output.rangeEvery", "i"}));

  /** Options every command that builds a spec accepts. */
  static Set<String> specOptions() {
    Set<String> s = new java.util.HashSet<>(FLAG_PATHS.keySet());
    s.addAll(Set.of("spec", "estimator", "bits"));
    return s;
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  private TrainCommand() {}

  static int run(String[] argv, PrintStream out, PrintStream err) throws IOException {
    Set<String> valued = new java.util.HashSet<>(specOptions());
    valued.add("out");
    Args a = Args.parse(argv, valued, Set.of("resume", "quiet", "help", "quantize"));
    if (a.flag("help")) {
      out.print(USAGE);
      return 0;
    }
    if (!a.positionals().isEmpty()) {
      throw new Args.UsageException("unexpected argument '" + a.positionals().get(0) + "'");
    }
    ResolvedSpec spec = JobSpecs.resolve(JobSpecs.parse(buildSpecJson(a)));
    Path outDir = Path.of(a.get("out", "runs/" + spec.model().arch() + "-"
        + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))));
    Files.createDirectories(outDir);
    Files.writeString(outDir.resolve("spec.json"), JobSpecs.toJson(spec) + "\n");
    Path ckpt = outDir.resolve("checkpoint.bin");
    Checkpoint resume = null;
    if (a.flag("resume") && Files.exists(ckpt)) {
      resume = CheckpointIo.read(ckpt);
    }
    int threads = spec.training().threads() == null ? 0 : spec.training().threads();
    TrainingResult result;
    try (Backend backend = Backends.create(spec.backend(), threads)) {
      out.printf(Locale.ROOT, "hindsight train: %s on %s (%s engine, %s backend, %d threads) -> %s%n",
          spec.model().arch(), spec.dataset().name(), spec.engine(), backend.name(), backend.threads(), outDir);
      result = TrainingJobs.newTrainer(spec, backend,
          ProgressBar.forTerminal(err, a.flag("quiet")), ckpt, resume, null).run();
    }
    ResultJson.write(result, outDir.resolve("result.json"));
    out.printf(Locale.ROOT, "test accuracy %.4f after %d epochs (%.1f s); wrote %s%n", result.testAccuracy(),
        result.epochs().size(), result.totalSeconds(), outDir.resolve("result.json"));
    return 0;
  }

  /** Merges the spec file (if any) with the flags; without either, the default job. */
  static String buildSpecJson(Args a) throws IOException {
    ObjectNode root;
    if (a.get("spec") != null) {
      Path p = Path.of(a.get("spec"));
      if (!Files.isRegularFile(p)) {
        throw new Args.UsageException("spec file not found: " + p);
      }
      JsonNode n = JSON.readTree(Files.readString(p));
      if (!(n instanceof ObjectNode o)) {
        throw new io.hindsight.spec.SpecException("", "the spec file must contain a JSON object");
      }
      root = o;
    } else {
      root = JSON.createObjectNode();
      root.putObject("model").put("arch", "cnn");
      root.putObject("dataset").put("name", "fashion-mnist");
    }
    for (Map.Entry<String, String[]> e : FLAG_PATHS.entrySet()) {
      String v = a.get(e.getKey());
      if (v == null) {
        continue;
      }
      String[] path = e.getValue()[0].split("\\.");
      ObjectNode parent = root;
      for (int i = 0; i < path.length - 1; i++) {
        JsonNode child = parent.get(path[i]);
        parent = child instanceof ObjectNode o ? o : parent.putObject(path[i]);
      }
      String leaf = path[path.length - 1];
      try {
        switch (e.getValue()[1]) {
          case "i" -> parent.put(leaf, Long.parseLong(v));
          case "d" -> parent.put(leaf, Double.parseDouble(v));
          default -> parent.put(leaf, v);
        }
      } catch (NumberFormatException ex) {
        throw new Args.UsageException("--" + e.getKey() + " must be a number, got '" + v + "'");
      }
    }
    if (a.flag("quantize") || a.get("estimator") != null || a.get("bits") != null) {
      ObjectNode q = QuantizationOverrides.ensureQuantization(root);
      if (a.get("estimator") != null) {
        QuantizationOverrides.applyEstimator(q, a.get("estimator"));
      }
      if (a.get("bits") != null) {
        QuantizationOverrides.applyBits(q, a.intValue("bits", 8));
      }
    }
    return JSON.writeValueAsString(root);
  }
}
