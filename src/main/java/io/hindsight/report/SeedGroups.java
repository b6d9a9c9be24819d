package io.hindsight.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.DoubleStream;

/**
 * Runs that differ only in their seed, summarized by the mean and spread of their final test
 * accuracy; and for two groups that differ only in their engine (ours against the DJL/libtorch
 * baseline) or their backend (the CPU engine against the device path, {@code cuda-sim} or
 * {@code cuda}), the difference of their means with its standard error, the differences seed by
 * seed and their mean and spread. Whether two engines train alike can only be judged against the
 * spread that the seed alone causes: one pair of runs cannot tell a systematic difference from
 * that spread.
 */
public final class SeedGroups {
  /**
   * The final test accuracy under which a run counts as diverged unless another is given: twice
   * chance on the ten-class datasets, far under any run that learned anything.
   */
  public static final double DEFAULT_DIVERGED_BELOW = 0.2;

  /** Runs with the same {@link RunSummary#trainedSpec()} and backend, in the order given. */
  public record Group(JsonNode trainedSpec, List<RunSummary> runs) {
    /** Mean final test accuracy of the runs that finished (failed runs have none). */
    public double mean() {
      return finished().average().orElse(Double.NaN);
    }

    /** Sample standard deviation over the runs that finished; NaN for fewer than two. */
    public double std() {
      int n = (int) finished().count();
      if (n < 2) {
        return Double.NaN;
      }
      double m = mean();
      double ss = finished().map(a -> (a - m) * (a - m)).sum();
      return Math.sqrt(ss / (n - 1));
    }

    /** How many runs diverged ({@link RunSummary#diverged}) under {@code threshold}. */
    public long diverged(double threshold) {
      return runs.stream().filter(r -> r.diverged(threshold)).count();
    }

    private DoubleStream finished() {
      return runs.stream().filter(r -> !r.isFailed()).mapToDouble(RunSummary::testAccuracy);
    }

    public String engine() {
      return runs.get(0).engine();
    }

    public String backend() {
      return runs.get(0).backend();
    }

    /**
     * E.g. {@code mobilenetv2 hindsight fp32 3ep}, with the width where it is not 1 and the backend
     * where it is not the CPU ({@code resnet20 w0.5 hindsight cuda-sim hindsight-minmax 2ep}).
     */
    public String label() {
      RunSummary r = runs.get(0);
      double width = trainedSpec.path("model").path("width").asDouble(1);
      return r.arch() + (width == 1 ? "" : String.format(Locale.ROOT, " w%s", trimmed(width))) + " " + r.engine()
          + (r.backend().equals("cpu") ? "" : " " + r.backend()) + " " + r.estimator() + " "
          + trainedSpec.path("training").path("epochs").asInt() + "ep";
    }
  }

  private record Key(JsonNode trainedSpec, String backend) {}

  private SeedGroups() {}

  public static List<Group> of(List<RunSummary> runs) {
    Map<Key, List<RunSummary>> byKey = new LinkedHashMap<>();
    for (RunSummary r : runs) {
      byKey.computeIfAbsent(new Key(r.trainedSpec(), r.backend()), k -> new ArrayList<>()).add(r);
    }
    List<Group> out = new ArrayList<>();
    byKey.forEach((k, v) -> out.add(new Group(k.trainedSpec(), List.copyOf(v))));
    return out;
  }

  /**
   * The seed table and the engine comparisons, or an empty string where neither says more than
   * the run table (no group has two runs and no two groups differ only in their engine or backend).
   */
  public static String report(List<RunSummary> runs) {
    return report(runs, DEFAULT_DIVERGED_BELOW);
  }

  /** As {@link #report(List)}, counting runs under {@code divergedBelow} as diverged. */
  public static String report(List<RunSummary> runs, double divergedBelow) {
    List<Group> groups = of(runs);
    String engines = engineComparisons(groups);
    if (groups.stream().noneMatch(g -> g.runs().size() > 1) && engines.isEmpty()) {
      return "";
    }
    return table(groups, divergedBelow) + engines;
  }

  /** {@link #table(List, double)} with {@link #DEFAULT_DIVERGED_BELOW}. */
  public static String table(List<Group> groups) {
    return table(groups, DEFAULT_DIVERGED_BELOW);
  }

  /**
   * One line per group: runs, seeds, mean, sample standard deviation, min and max final test
   * accuracy (of the runs that finished), and how many runs diverged: failed, a NaN/Inf loss, or a
   * final test accuracy under {@code divergedBelow}.
   */
  public static String table(List<Group> groups, double divergedBelow) {
    StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%nruns that differ only in their seed "
        + "(diverged: failed, NaN/Inf loss or final test accuracy < %.2f):%n", divergedBelow));
    int width = Math.max(40, groups.stream().mapToInt(g -> g.label().length()).max().orElse(0));
    String name = "%-" + width + "s";
    sb.append(String.format(Locale.ROOT, name + " %3s %-16s %8s %8s %8s %8s %8s%n", "group", "n", "seeds", "mean", "std",
        "min", "max", "diverged"));
    for (Group g : groups) {
      var acc = g.finished().summaryStatistics();
      sb.append(String.format(Locale.ROOT, name + " %3d %-16s %8.4f %8s %8.4f %8.4f %8d%n", g.label(), g.runs().size(),
          seeds(g.runs()), g.mean(), Double.isNaN(g.std()) ? "-" : String.format(Locale.ROOT, "%.4f", g.std()),
          acc.getCount() == 0 ? Double.NaN : acc.getMin(), acc.getCount() == 0 ? Double.NaN : acc.getMax(),
          g.diverged(divergedBelow)));
    }
    return sb.toString();
  }

  /**
   * For every two groups whose specs differ only in {@code engine} or backend: the difference of
   * mean test accuracy in percentage points with its standard error (where both groups have two or
   * more runs), the difference for every seed both ran (same seed: same initial weights and data
   * order) and, for two or more such pairs, their mean, sample standard deviation, standard error
   * and widest difference.
   */
  public static String engineComparisons(List<Group> groups) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < groups.size(); i++) {
      for (int j = i + 1; j < groups.size(); j++) {
        Group a = groups.get(i);
        Group b = groups.get(j);
        boolean sameEngine = a.engine().equals(b.engine()) && a.backend().equals(b.backend());
        if (sameEngine || !withoutEngine(a.trainedSpec()).equals(withoutEngine(b.trainedSpec()))) {
          continue;
        }
        if (sb.length() == 0) {
          sb.append("\nengines and backends compared on the same spec (test accuracy in %, difference first minus "
              + "second in pp):\n");
        }
        double diff = 100 * (a.mean() - b.mean());
        String se = a.runs().size() > 1 && b.runs().size() > 1
            ? String.format(Locale.ROOT, " +- %.2f (standard error; seed spread %.2f / %.2f)",
                100 * Math.sqrt(a.std() * a.std() / a.runs().size() + b.std() * b.std() / b.runs().size()),
                100 * a.std(), 100 * b.std())
            : " (standard error needs two runs of each)";
        sb.append(String.format(Locale.ROOT, "%s vs %s: means %.2f vs %.2f, difference %+.2f%s%n", a.label(),
            b.label(), 100 * a.mean(), 100 * b.mean(), diff, se));
        List<String> paired = new ArrayList<>();
        List<Double> diffs = new ArrayList<>();
        for (RunSummary ra : a.runs()) {
          for (RunSummary rb : b.runs()) {
            if (ra.seed() == rb.seed()) {
              double d = 100 * (ra.testAccuracy() - rb.testAccuracy());
              paired.add(String.format(Locale.ROOT, "seed %d %+.2f", ra.seed(), d));
              if (Double.isFinite(d)) {
                diffs.add(d);
              }
            }
          }
        }
        if (!paired.isEmpty()) {
          sb.append("  same seed: ").append(String.join(", ", paired)).append('\n');
        }
        if (diffs.size() > 1) {
          double mean = diffs.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
          double ss = diffs.stream().mapToDouble(d -> (d - mean) * (d - mean)).sum();
          double sd = Math.sqrt(ss / (diffs.size() - 1));
          double widest = diffs.stream().mapToDouble(Math::abs).max().orElseThrow();
          sb.append(String.format(Locale.ROOT, "  paired over %d seeds: mean %+.2f, sample std %.2f, standard error "
              + "%.2f, widest %.2f%n", diffs.size(), mean, sd, sd / Math.sqrt(diffs.size()), widest));
        }
      }
    }
    return sb.toString();
  }

  private static JsonNode withoutEngine(JsonNode spec) {
    ObjectNode copy = ((ObjectNode) spec).deepCopy();
    copy.remove("engine");
    return copy;
  }

  /** The seeds in run order, three or more consecutive ones as {@code a-b} (e.g. {@code 21-30}). */
  static String seeds(List<RunSummary> runs) {
    List<String> parts = new ArrayList<>();
    int i = 0;
    while (i < runs.size()) {
      int j = i;
      while (j + 1 < runs.size() && runs.get(j + 1).seed() == runs.get(j).seed() + 1) {
        j++;
      }
      if (j - i >= 2) {
        parts.add(runs.get(i).seed() + "-" + runs.get(j).seed());
      } else {
        for (int k = i; k <= j; k++) {
          parts.add(Long.toString(runs.get(k).seed()));
        }
      }
      i = j + 1;
    }
    return String.join(",", parts);
  }

  private static String trimmed(double d) {
    return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
  }
}
