package io.hindsight.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/**
 * What a comparison needs from one finished run directory: its label, engine, backend, seed, the estimators
 * it used, final test accuracy, per-epoch accuracy curve, memory traffic and time, read from
 * {@code result.json}; and its spec without the settings that do not change what is trained (seed,
 * threads, backend, checkpoint and output options), so runs that are repeats with other seeds can
 * be grouped ({@link SeedGroups}). A run that stopped with an error (e.g. NaN/Inf past the
 * patience) has no {@code result.json}: {@link #failed} describes it from its {@code spec.json},
 * with a NaN accuracy and the {@code failure} message.
 *
 * @param backend where the engine computed ({@code cpu}, {@code cuda-sim}, {@code cuda}): the resolved
 *     backend from the run's provenance; the same spec on another backend is another group, paired
 *     with this one seed by seed, as another engine is
 * @param nonFiniteLoss whether any epoch's train or test loss was NaN/Inf
 * @param failure why the run stopped without a result, or null for a finished run
 */
public record RunSummary(
    Path dir,
    String label,
    String arch,
    String engine,
    String backend,
    long seed,
    String estimator,
    double testAccuracy,
    double[] epochTestAccuracy,
    long bytesMoved,
    long bytesMovedIfDynamic,
    double seconds,
    JsonNode trainedSpec,
    boolean nonFiniteLoss,
    String failure) {

  private static final ObjectMapper JSON = new ObjectMapper();

  public static RunSummary read(Path dir) throws IOException {
    Path file = dir.resolve("result.json");
    if (!Files.isRegularFile(file)) {
      throw new IOException(dir + ": no result.json (not a finished run directory)");
    }
    JsonNode r = JSON.readTree(file.toFile());
    JsonNode epochs = r.path("epochs");
    double[] acc = new double[epochs.size()];
    for (int i = 0; i < acc.length; i++) {
      acc[i] = epochs.get(i).path("testAccuracy").asDouble();
    }
    JsonNode q = r.path("plugins").path("quantization");
    long moved = q.path("traffic").path("run").path("bytesMoved").asLong(0);
    long dynamic = q.path("traffic").path("run").path("bytesMovedIfDynamic").asLong(0);
    JsonNode spec = r.path("provenance").path("spec");
    String arch = spec.path("model").path("arch").asText("?");
    String engine = r.path("provenance").path("engine").asText(spec.path("engine").asText("hindsight"));
    boolean nonFinite = false;
    for (JsonNode e : epochs) {
      nonFinite |= !Double.isFinite(number(e.path("trainLoss"))) || !Double.isFinite(number(e.path("testLoss")));
    }
    String backend = backendOf(r.path("provenance").path("backend").asText(spec.path("backend").asText("")));
    return new RunSummary(dir, dir.getFileName().toString(), arch, engine, backend,
        r.path("provenance").path("seed").asLong(),
        estimatorOf(q), r.path("testAccuracy").asDouble(), acc, moved, dynamic, r.path("totalSeconds").asDouble(),
        trainedSpec(spec), nonFinite, null);
  }

  /**
   * A run that stopped without a result: read from its directory's {@code spec.json} (the job spec
   * as {@code JobSpecs.toJson} writes it), labelled {@code estimator}, with a NaN accuracy.
   */
  public static RunSummary failed(Path dir, String estimator, String failure) throws IOException {
    JsonNode spec = JSON.readTree(dir.resolve("spec.json").toFile());
    return new RunSummary(dir, dir.getFileName().toString(), spec.path("model").path("arch").asText("?"),
        spec.path("engine").asText("hindsight"), backendOf(spec.path("backend").asText("")),
        spec.path("training").path("seed").asLong(), estimator, Double.NaN,
        new double[0], 0, 0, 0, trainedSpec(spec), true, failure);
  }

  /**
   * The backend a run computed on: {@code cuda} and {@code cuda-sim} as recorded; anything else
   * ({@code cpu}, a missing field of an older result, or the {@code auto} of a failed run's spec,
   * which never resolved) counts as {@code cpu}.
   */
  static String backendOf(String recorded) {
    return recorded.equals("cuda") || recorded.equals("cuda-sim") ? recorded : "cpu";
  }

  /** Whether the run stopped without a result. */
  public boolean isFailed() {
    return failure != null;
  }

  /**
   * Whether the run diverged: it failed, a loss was NaN/Inf, or its final test accuracy is under
   * {@code threshold} (a fraction; e.g. twice chance).
   */
  public boolean diverged(double threshold) {
    return isFailed() || nonFiniteLoss || !(testAccuracy >= threshold);
  }

  /** JSON numbers, and the strings Jackson writes for NaN/Inf ({@code "NaN"}, {@code "Infinity"}). */
  private static double number(JsonNode n) {
    if (n.isMissingNode() || n.isNull()) {
      return 0;
    }
    return n.isNumber() ? n.asDouble() : Double.parseDouble(n.asText("NaN"));
  }

  /** {@code spec} less the fields that do not change the training (seed, threads, backend, checkpoint, output). */
  static JsonNode trainedSpec(JsonNode spec) {
    if (!(spec instanceof ObjectNode o)) {
      return JSON.createObjectNode();
    }
    ObjectNode copy = o.deepCopy();
    copy.remove(List.of("backend", "checkpoint", "output"));
    if (copy.get("training") instanceof ObjectNode t) {
      t.remove(List.of("seed", "threads"));
    }
    return copy;
  }

  /** {@code fp32}, one estimator name, or {@code activation=a gradient=b} when they differ. */
  static String estimatorOf(JsonNode quantization) {
    if (quantization.isMissingNode() || !quantization.has("quantizers")) {
      return "fp32";
    }
    TreeSet<String> act = new TreeSet<>();
    TreeSet<String> grad = new TreeSet<>();
    for (JsonNode s : quantization.get("quantizers")) {
      String kind = s.path("kind").asText();
      if (kind.startsWith("activation")) {
        act.add(s.path("estimator").asText());
      } else if (kind.startsWith("gradient")) {
        grad.add(s.path("estimator").asText());
      }
    }
    if (act.equals(grad) && act.size() == 1) {
      return act.first();
    }
    return "activation=" + String.join("+", act) + " gradient=" + String.join("+", grad);
  }

  /**
   * A fixed-width table of runs; {@code baseline} (may be null) gives the accuracy delta column. A
   * run on a device backend is labelled with it ({@code seed-21 [cuda-sim]}).
   */
  public static String table(Iterable<RunSummary> runs, RunSummary baseline) {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "%-28s %-10s %-34s %9s %9s %14s %14s %7s %9s%n", "run", "arch", "estimator",
        "test acc", "delta pp", "bytes moved", "bytes if dyn.", "saving", "seconds"));
    for (RunSummary r : runs) {
      String delta = baseline == null ? "" : String.format(Locale.ROOT, "%+.2f",
          100 * (r.testAccuracy() - baseline.testAccuracy()));
      String saving = r.bytesMoved() == 0 ? "" : String.format(Locale.ROOT, "%.2fx",
          (double) r.bytesMovedIfDynamic() / r.bytesMoved());
      String run = r.backend().equals("cpu") ? r.label() : r.label() + " [" + r.backend() + "]";
      sb.append(String.format(Locale.ROOT, "%-28s %-10s %-34s %9.4f %9s %14s %14s %7s %9.1f%n", run, r.arch(),
          r.estimator(), r.testAccuracy(), delta, r.bytesMoved() == 0 ? "-" : Long.toString(r.bytesMoved()),
          r.bytesMovedIfDynamic() == 0 ? "-" : Long.toString(r.bytesMovedIfDynamic()), saving, r.seconds()));
    }
    return sb.toString();
  }
}
