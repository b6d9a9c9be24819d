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
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code hindsight compare}: runs one spec in FP32 and once per estimator (same seed, data and
 * schedule), each into its own run directory, and prints the table: estimator, test accuracy,
 * delta to FP32, bytes moved, bytes a dynamic scheme would move, seconds.
 */
@Command(name = "compare", sortOptions = false, abbreviateSynopsis = true,
    description = {"Train the same job in FP32 and once per range estimator (same seed, data and schedule), each "
        + "into DIR/fp32 and DIR/<estimator>; print the table (estimator, test accuracy, delta to FP32, bytes moved, "
        + "bytes if dynamic, seconds) and write it to DIR/comparison.txt and DIR/comparison.csv."})
final class CompareCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final PrintStream out;
  private final PrintStream err;

  @Option(names = "--estimators", paramLabel = "ESTIMATOR", required = true, split = ",", order = 1,
      completionCandidates = SpecOptions.EstimatorNames.class,
      description = "estimators to compare, applied to activations and gradients (dsgc to gradients only; the "
          + "spec's quantization block gives the rest): ${COMPLETION-CANDIDATES}")
  List<String> estimators;

  @Mixin
  SpecOptions spec;

  @Option(names = "--out", paramLabel = "DIR", order = 2, description = "where the runs go (default runs/compare-<arch>)")
  Path outDir;

  @Option(names = "--no-fp32", order = 3, description = "skip the FP32 reference run")
  boolean noFp32;

  @Option(names = "--quiet", order = 4, description = "only the per-epoch lines (no progress bar or progress lines)")
  boolean quiet;

  @Mixin
  HelpOption help;

  CompareCommand(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  @Override
  public Integer call() throws IOException, InterruptedException {
    ObjectNode base = (ObjectNode) JSON.readTree(spec.buildSpecJson());
    List<String> labels = new ArrayList<>();
    List<String> specs = new ArrayList<>();
    if (!noFp32) {
      ObjectNode fp32 = base.deepCopy();
      fp32.remove("quantization");
      labels.add("fp32");
      specs.add(JSON.writeValueAsString(fp32));
    }
    for (String e : estimators) {
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
    if (resolved.isEmpty()) {
      throw new UsageException("nothing to compare: --estimators names none and --no-fp32 skips FP32");
    }
    Path dir = outDir != null ? outDir : Path.of("runs/compare-" + resolved.get(0).model().arch());
    DatasetInstaller.ensure(resolved.get(0), err);
    Files.createDirectories(dir);
    List<RunSummary> rows = new ArrayList<>();
    for (int i = 0; i < resolved.size(); i++) {
      ResolvedSpec spec = resolved.get(i);
      Path runDir = dir.resolve(labels.get(i));
      Files.createDirectories(runDir);
      Files.writeString(runDir.resolve("spec.json"), JobSpecs.toJson(spec) + "\n");
      int threads = spec.training().threads() == null ? 0 : spec.training().threads();
      out.printf(Locale.ROOT, "compare: run %d/%d %s -> %s%n", i + 1, resolved.size(), labels.get(i), runDir);
      TrainingResult r;
      try (Backend backend = Backends.create(spec.backend(), threads)) {
        r = TrainingJobs.newTrainer(spec, backend,
            ProgressBar.forTerminal(err, quiet), runDir.resolve("checkpoint.bin"), null,
            null).run();
      }
      ResultJson.write(r, runDir.resolve("result.json"));
      rows.add(RunSummary.read(runDir));
    }
    RunSummary baseline = rows.stream().filter(r -> r.estimator().equals("fp32")).findFirst().orElse(null);
    String table = RunSummary.table(rows, baseline);
    out.print(table);
    Files.writeString(dir.resolve("comparison.txt"), table);
    StringBuilder csv = new StringBuilder("run,estimator,testAccuracy,deltaToFp32,bytesMoved,bytesMovedIfDynamic,seconds\n");
    for (RunSummary r : rows) {
      csv.append(String.format(Locale.ROOT, "%s,%s,%.6f,%s,%d,%d,%.2f%n", r.label(), r.estimator(), r.testAccuracy(),
          baseline == null ? "" : String.format(Locale.ROOT, "%.6f", r.testAccuracy() - baseline.testAccuracy()),
          r.bytesMoved(), r.bytesMovedIfDynamic(), r.seconds()));
    }
    Files.writeString(dir.resolve("comparison.csv"), csv.toString());
    return 0;
  }
}
