package io.hindsight.cli;

import io.hindsight.spec.QuantizationOverrides;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hindsight.backend.Backend;
import io.hindsight.backend.Backends;
import io.hindsight.report.RunSummary;
import io.hindsight.spec.JobSpecs;
import io.hindsight.spec.ResolvedSpec;
import io.hindsight.train.ResultJson;
import io.hindsight.train.TrainingJobs;
import io.hindsight.train.TrainingResult;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * {@code hindsight compare}: runs one spec in FP32 and once per estimator (same seed, data and
 * schedule), each into its own run directory, and prints the table: estimator, test accuracy,
 * delta to FP32, bytes moved, bytes a dynamic scheme would move, seconds.
 */
final class CompareCommand {
  static final String USAGE = """
      usage: hindsight compare [--spec FILE] --estimators a,b,c [--out DIR] [--no-fp32] [train flags]
        --estimators     comma-separated: current-minmax, running-minmax, hindsight-minmax,
                         hindsight-ema, amax-history, dsgc (applied to activations and gradients;
                         dsgc to gradients only); the spec's quantization block gives the rest
        --out DIR        runs go to DIR/fp32, DIR/<estimator> (default runs/compare-<arch>)
        --no-fp32        skip the FP32 reference run
      writes DIR/comparison.txt and DIR/comparison.csv; see `hindsight train --help` for flags
      """;
  private static final ObjectMapper JSON = new ObjectMapper();

  private CompareCommand() {}

  static int run(String[] argv, PrintStream out, PrintStream err) throws IOException {
    Set<String> valued = new java.util.HashSet<>(TrainCommand.specOptions());
    valued.addAll(Set.of("out", "estimators"));
    Args a = Args.parse(argv, valued, Set.of("help", "quiet", "no-fp32", "quantize"));
    if (a.flag("help")) {
      out.print(USAGE);
      return 0;
    }
    if (a.get("estimators") == null) {
      throw new Args.UsageException("--estimators is required\n" + USAGE);
    }
    ObjectNode base = (ObjectNode) JSON.readTree(TrainCommand.buildSpecJson(a));
    List<String> labels = new ArrayList<>();
    List<String> specs = new ArrayList<>();
    if (!a.flag("no-fp32")) {
      ObjectNode fp32 = base.deepCopy();
      fp32.remove("quantization");
      labels.add("fp32");
      specs.add(JSON.writeValueAsString(fp32));
    }
    for (String e : a.get("estimators").split(",")) {
      String est = e.trim();
      if (est.isEmpty()) {
        continue;
      }
      ObjectNode s = base.deepCopy();
      QuantizationOverrides.applyEstimator(QuantizationOverrides.ensureQuantization(s), est);
      labels.add(est);
      specs.add(JSON.writeValueAsString(s));
    }
    // validate every spec before spending hours on the first one
    List<ResolvedSpec> resolved = new ArrayList<>();
    for (String s : specs) {
      resolved.add(JobSpecs.parseAndResolve(s));
    }
    Path outDir = Path.of(a.get("out", "runs/compare-" + resolved.get(0).model().arch()));
    Files.createDirectories(outDir);
    List<RunSummary> rows = new ArrayList<>();
    for (int i = 0; i < resolved.size(); i++) {
      ResolvedSpec spec = resolved.get(i);
      Path runDir = outDir.resolve(labels.get(i));
      Files.createDirectories(runDir);
      Files.writeString(runDir.resolve("spec.json"), JobSpecs.toJson(spec) + "\n");
      int threads = spec.training().threads() == null ? 0 : spec.training().threads();
      out.printf(Locale.ROOT, "compare: run %d/%d %s -> %s%n", i + 1, resolved.size(), labels.get(i), runDir);
      TrainingResult r;
      try (Backend backend = Backends.create(spec.backend(), threads)) {
        r = TrainingJobs.newTrainer(spec, backend,
            ProgressBar.forTerminal(err, a.flag("quiet")), runDir.resolve("checkpoint.bin"), null,
            null).run();
      }
      ResultJson.write(r, runDir.resolve("result.json"));
      rows.add(RunSummary.read(runDir));
    }
    RunSummary baseline = rows.stream().filter(r -> r.estimator().equals("fp32")).findFirst().orElse(null);
    String table = RunSummary.table(rows, baseline);
    out.print(table);
    Files.writeString(outDir.resolve("comparison.txt"), table);
    StringBuilder csv = new StringBuilder("run,estimator,testAccuracy,deltaToFp32,bytesMoved,bytesMovedIfDynamic,seconds\n");
    for (RunSummary r : rows) {
      csv.append(String.format(Locale.ROOT, "%s,%s,%.6f,%s,%d,%d,%.2f%n", r.label(), r.estimator(), r.testAccuracy(),
          baseline == null ? "" : String.format(Locale.ROOT, "%.6f", r.testAccuracy() - baseline.testAccuracy()),
          r.bytesMoved(), r.bytesMovedIfDynamic(), r.seconds()));
    }
    Files.writeString(outDir.resolve("comparison.csv"), csv.toString());
    return 0;
  }
}
