package io.hindsight.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hindsight.backend.Backend;
import io.hindsight.backend.Backends;
import io.hindsight.report.RunSummary;
import io.hindsight.report.SeedGroups;
import io.hindsight.spec.JobSpecs;
import io.hindsight.spec.QuantizationOverrides;
import io.hindsight.spec.ResolvedSpec;
import io.hindsight.train.NumericalInstabilityException;
import io.hindsight.train.ResultJson;
import io.hindsight.train.TrainingJobs;
import io.hindsight.train.TrainingListener;
import io.hindsight.train.TrainingResult;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code hindsight compare}: runs one spec in FP32 and once per estimator (same seed, data and
 * schedule), each into its own run directory, and prints the table: estimator, test accuracy,
 * delta to FP32, bytes moved, bytes a dynamic scheme would move, seconds. With {@code --seeds} it
 * is a robustness study: every variant once per seed (runs side by side with {@code --parallel}),
 * each into {@code DIR/<variant>/seed-<n>}, followed by the seed table of {@link SeedGroups} (mean,
 * sample standard deviation, min, max and how many runs diverged, per variant). A run that fails
 * (e.g. NaN/Inf past the patience) is counted as diverged, not fatal to the study.
 */
@Command(name = "compare", sortOptions = false, abbreviateSynopsis = true,
    description = {"Train the same job in FP32 and once per range estimator (same seed, data and schedule), each "
        + "into DIR/fp32 and DIR/<estimator>; print the table (estimator, test accuracy, delta to FP32, bytes moved, "
        + "bytes if dynamic, seconds) and write it to DIR/comparison.txt and DIR/comparison.csv. With --seeds: "
        + "every variant once per seed into DIR/<variant>/seed-<n>, and per variant the mean, sample std, min, max "
        + "and divergence count over the seeds."})
final class CompareCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** The {@code --estimators} name that keeps the spec's quantization block as it is (INT8 defaults without one). */
  static final String DEFAULT_VARIANT = "default";
  private final PrintStream out;
  private final PrintStream err;

  @Option(names = "--estimators", paramLabel = "ESTIMATOR", required = true, split = ",", order = 1,
      completionCandidates = SpecOptions.EstimatorNames.class,
      description = "estimators to compare, applied to activations and gradients (dsgc to gradients only; the "
          + "spec's quantization block gives the rest); `default` runs the spec's quantization block as it is "
          + "(the INT8 defaults without one): ${COMPLETION-CANDIDATES}")
  List<String> estimators;

  @Mixin
  SpecOptions spec;

  @Option(names = "--out", paramLabel = "DIR", order = 2, description = "where the runs go (default runs/compare-<arch>)")
  Path outDir;

  @Option(names = "--no-fp32", order = 3, description = "skip the FP32 reference run")
  boolean noFp32;

  @Option(names = "--seeds", paramLabel = "SEEDS", order = 4, converter = SeedList.Converter.class,
      description = "run every variant once per seed, e.g. 21-30 or 1,5,9-12 (overrides --seed)")
  SeedList seedList;

  @Option(names = "--parallel", paramLabel = "N", order = 5, defaultValue = "1",
      description = "runs side by side (default ${DEFAULT-VALUE}); each gets the spec's threads, else cores / N")
  int parallel;

  @Option(names = "--diverged-below", paramLabel = "X", order = 6, defaultValue = "0.2",
      description = "a run whose final test accuracy is under X (a fraction) counts as diverged, as does one whose "
          + "loss was NaN/Inf or that failed (default ${DEFAULT-VALUE})")
  double divergedBelow;

  @Option(names = "--quiet", order = 7, description = "only the per-epoch lines (no progress bar or progress lines)")
  boolean quiet;

  @Mixin
  HelpOption help;

  CompareCommand(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  /** One run of the study: its label in the tables, its directory and its validated spec. */
  private record Planned(String variant, Path dir, ResolvedSpec spec) {}

  @Override
  public Integer call() throws IOException, InterruptedException {
    List<Long> seeds = seedList == null ? null : seedList.seeds();
    if (parallel < 1) {
      throw new UsageException("--parallel must be at least 1, got " + parallel);
    }
    if (!(divergedBelow >= 0 && divergedBelow <= 1)) {
      throw new UsageException("--diverged-below must be a fraction in [0, 1], got " + divergedBelow);
    }
    ObjectNode base = (ObjectNode) JSON.readTree(spec.buildSpecJson());
    Map<String, ObjectNode> variants = new LinkedHashMap<>();
    if (!noFp32) {
      ObjectNode fp32 = base.deepCopy();
      fp32.remove("quantization");
      variants.put("fp32", fp32);
    }
    for (String e : estimators) {
      String est = e.trim();
      if (est.isEmpty()) {
        continue;
      }
      ObjectNode s = base.deepCopy();
      ObjectNode q = QuantizationOverrides.ensureQuantization(s);
      if (!DEFAULT_VARIANT.equals(est)) {
        QuantizationOverrides.applyEstimator(q, est);
      }
      variants.put(est, s);
    }
    if (variants.isEmpty()) {
      throw new UsageException("nothing to compare: --estimators names none and --no-fp32 skips FP32");
    }
    Path dir = outDir != null ? outDir : Path.of("runs/compare-" + base.path("model").path("arch").asText("model"));
    // validate every spec before spending hours on the first one
    List<Planned> runs = new ArrayList<>();
    for (Map.Entry<String, ObjectNode> v : variants.entrySet()) {
      if (seeds == null) {
        runs.add(new Planned(v.getKey(), dir.resolve(v.getKey()), resolve(v.getValue())));
        continue;
      }
      for (long seed : seeds) {
        ObjectNode s = v.getValue().deepCopy();
        training(s).put("seed", seed);
        runs.add(new Planned(v.getKey(), dir.resolve(v.getKey()).resolve("seed-" + seed), resolve(s)));
      }
    }
    DatasetInstaller.ensure(runs.get(0).spec(), err);
    Files.createDirectories(dir);
    int threadsEach = Math.max(1, Runtime.getRuntime().availableProcessors() / parallel);
    List<Callable<RunSummary>> tasks = new ArrayList<>();
    for (int i = 0; i < runs.size(); i++) {
      Planned p = runs.get(i);
      String tag = String.format(Locale.ROOT, "run %d/%d %s", i + 1, runs.size(),
          seeds == null ? p.variant() : p.variant() + " seed " + p.spec().training().seed());
      tasks.add(() -> train(p, tag, threadsEach, seeds != null));
    }
    List<RunSummary> rows = new ArrayList<>();
    if (parallel == 1) {
      for (Callable<RunSummary> t : tasks) {
        rows.add(call(t));
      }
    } else {
      ExecutorService pool = Executors.newFixedThreadPool(parallel);
      try {
        for (Future<RunSummary> f : pool.invokeAll(tasks)) {
          rows.add(result(f));
        }
      } finally {
        pool.shutdownNow();
      }
    }
    RunSummary baseline = rows.stream().filter(r -> r.estimator().equals("fp32") && !r.isFailed()).findFirst()
        .orElse(null);
    String table = RunSummary.table(rows, seeds == null ? baseline : null);
    if (seeds != null) {
      table += SeedGroups.table(SeedGroups.of(rows), divergedBelow);
    }
    out.print(table);
    Files.writeString(dir.resolve("comparison.txt"), table);
    StringBuilder csv = new StringBuilder(
        "run,estimator,testAccuracy,deltaToFp32,bytesMoved,bytesMovedIfDynamic,seconds,seed,diverged\n");
    for (RunSummary r : rows) {
      csv.append(String.format(Locale.ROOT, "%s,%s,%.6f,%s,%d,%d,%.2f,%d,%b%n",
          seeds == null ? r.label() : r.dir().getParent().getFileName() + "/" + r.label(), r.estimator(),
          r.testAccuracy(), baseline == null || seeds != null ? ""
              : String.format(Locale.ROOT, "%.6f", r.testAccuracy() - baseline.testAccuracy()),
          r.bytesMoved(), r.bytesMovedIfDynamic(), r.seconds(), r.seed(), r.diverged(divergedBelow)));
    }
    Files.writeString(dir.resolve("comparison.csv"), csv.toString());
    return 0;
  }

  /** Trains one run into its directory; a run that fails is summarized as failed, not thrown. */
  private RunSummary train(Planned p, String tag, int threadsEach, boolean study) throws IOException {
    ResolvedSpec s = p.spec();
    Files.createDirectories(p.dir());
    Files.writeString(p.dir().resolve("spec.json"), JobSpecs.toJson(s) + "\n");
    int threads = s.training().threads() != null ? s.training().threads() : parallel == 1 ? 0 : threadsEach;
    out.printf(Locale.ROOT, "compare: %s -> %s%n", tag, p.dir());
    TrainingListener progress = parallel == 1 ? ProgressBar.forTerminal(err, quiet)
        : new ProgressBar(err, false, false, "[" + tag + "] ");
    try (Backend backend = Backends.create(s.backend(), threads)) {
      TrainingResult r = TrainingJobs.newTrainer(s, backend, progress, p.dir().resolve("checkpoint.bin"), null, null)
          .run();
      ResultJson.write(r, p.dir().resolve("result.json"));
      return RunSummary.read(p.dir());
    } catch (NumericalInstabilityException e) {
      if (!study) {
        throw e;
      }
      err.printf(Locale.ROOT, "compare: %s failed: %s%n", tag, e.getMessage());
      return RunSummary.failed(p.dir(), p.variant(), e.getMessage());
    }
  }

  private static RunSummary call(Callable<RunSummary> task) throws IOException {
    try {
      return task.call();
    } catch (IOException | RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static RunSummary result(Future<RunSummary> f) throws IOException, InterruptedException {
    try {
      return f.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw new IllegalStateException(e.getCause());
    }
  }

  private static ResolvedSpec resolve(ObjectNode spec) throws IOException {
    return JobSpecs.parseAndResolve(JSON.writeValueAsString(spec));
  }

  private static ObjectNode training(ObjectNode spec) {
    return spec.get("training") instanceof ObjectNode t ? t : spec.putObject("training");
  }
}
