package io.hindsight.cli;

import io.hindsight.quant.RangesCsv;
import io.hindsight.report.AccuracyChart;
import io.hindsight.report.RangeChart;
import io.hindsight.report.RunSummary;
import io.hindsight.report.SeedGroups;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code hindsight report RUN_DIR...}: prints a comparison table of finished runs (and, where runs
 * repeat a spec with other seeds, or on another engine or backend, their means, spread and paired
 * differences), and renders SVG
 * plots: the test-accuracy curves side by side, and for chosen quantizers the range used at each
 * step against the range observed (the paper's range-evolution figures).
 */
@Command(name = "report", sortOptions = false,
    description = {"Print a comparison table of finished runs (where runs repeat one spec with other seeds: mean, "
        + "spread, min and max; where two such groups differ only in engine or backend (cpu against cuda-sim or "
        + "cuda): the difference of their means, seed by seed, and the paired differences' mean and spread) and draw "
        + "SVG plots: accuracy.svg (test accuracy per epoch, side by side) and, per chosen "
        + "quantizer, the range used at each step against the range observed."})
final class ReportCommand implements Callable<Integer> {
  private final PrintStream out;
  private final PrintStream err;

  @Parameters(paramLabel = "RUN_DIR", arity = "1..*",
      description = "a run directory holding result.json (and ranges.csv for quantized runs)")
  List<Path> runDirs;

  @Option(names = "--quantizers", paramLabel = "QUANTIZER", split = ",", order = 1,
      description = "quantizers to plot, e.g. conv1/activation (default: the first layer's activation and gradient "
          + "and the last layer's gradient quantizer of each run)")
  List<String> quantizers;

  @Option(names = "--out", paramLabel = "DIR", order = 2, defaultValue = "report",
      description = "where the SVG files go (default ${DEFAULT-VALUE})")
  Path outDir;

  @Mixin
  HelpOption help;

  ReportCommand(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  @Override
  public Integer call() throws IOException {
    Files.createDirectories(outDir);
    List<RunSummary> runs = new ArrayList<>();
    for (Path d : runDirs) {
      runs.add(RunSummary.read(d));
    }
    RunSummary baseline = runs.stream().filter(r -> r.estimator().equals("fp32")).findFirst().orElse(null);
    out.print(RunSummary.table(runs, baseline));
    out.print(SeedGroups.report(runs));

    Path accFile = outDir.resolve("accuracy.svg");
    Files.writeString(accFile, AccuracyChart.svg("Test accuracy per epoch", runs));
    out.println("wrote " + accFile);

    Set<String> seen = new java.util.HashSet<>();
    Set<String> repeated = new java.util.HashSet<>();
    for (RunSummary r : runs) {
      if (!seen.add(r.label())) {
        repeated.add(r.label());
      }
    }
    for (RunSummary r : runs) {
      Path csv = r.dir().resolve("ranges.csv");
      // a study's runs share their folder names (seed-21 under each variant): their plots take the variant too
      Path parent = r.dir().toAbsolutePath().getParent();
      String name = repeated.contains(r.label()) && parent != null && parent.getFileName() != null
          ? parent.getFileName() + "-" + r.label() : r.label();
      if (!Files.isRegularFile(csv)) {
        continue;
      }
      Map<String, List<RangesCsv.Row>> byQuantizer = new LinkedHashMap<>();
      for (RangesCsv.Row row : RangesCsv.read(csv)) {
        byQuantizer.computeIfAbsent(row.quantizer(), k -> new ArrayList<>()).add(row);
      }
      List<String> known = List.copyOf(byQuantizer.keySet());
      Set<String> chosen = new LinkedHashSet<>();
      if (quantizers != null) {
        for (String q : quantizers) {
          chosen.add(q.trim());
        }
      } else {
        known.stream().filter(q -> q.endsWith("/activation")).findFirst().ifPresent(chosen::add);
        known.stream().filter(q -> q.endsWith("/gradient")).findFirst().ifPresent(chosen::add);
        known.stream().filter(q -> q.endsWith("/gradient")).reduce((x, y) -> y).ifPresent(chosen::add);
      }
      for (String q : chosen) {
        if (!byQuantizer.containsKey(q)) {
          err.println("report: " + r.label() + " has no quantizer " + q + "; known: " + known);
          continue;
        }
        Path f = outDir.resolve(name + "-" + q.replace('/', '_') + ".svg");
        Files.writeString(f, RangeChart.svg(name + ": " + q + " (" + r.estimator() + ")", byQuantizer.get(q)));
        out.println("wrote " + f);
      }
    }
    return 0;
  }
}
