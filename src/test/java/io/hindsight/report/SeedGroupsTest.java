package io.hindsight.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SeedGroupsTest {
  @TempDir
  Path dir;

  /** A finished run directory whose result.json holds what the report reads. */
  private RunSummary run(String name, String engine, long seed, int threads, double lr, double accuracy)
      throws IOException {
    Path d = Files.createDirectories(dir.resolve(name));
    Files.writeString(d.resolve("result.json"), """
        {"testAccuracy": %s, "totalSeconds": 10.0,
         "epochs": [{"epoch": 1, "testAccuracy": 0.8}, {"epoch": 2, "testAccuracy": %s}],
         "provenance": {"seed": %d, "engine": "%s", "threads": %d,
           "spec": {"model": {"arch": "mobilenetv2", "width": 1.0}, "engine": "%s", "backend": "auto",
                    "training": {"epochs": 2, "learningRate": %s, "seed": %d, "threads": %d},
                    "checkpoint": {"everySteps": %d}, "output": {"rangeEvery": 10}}}}"""
        .formatted(accuracy, accuracy, seed, engine, threads, engine, lr, seed, threads, threads * 100));
    return RunSummary.read(d);
  }

  @Test
  void groupsRunsThatDifferOnlyInSeedAndComparesEnginesSeedBySeed() throws IOException {
    List<RunSummary> runs = new ArrayList<>();
    runs.add(run("ours-42", "hindsight", 42, 2, 0.05, 0.9129));
    runs.add(run("djl-42", "djl", 42, 2, 0.05, 0.9077));
    runs.add(run("ours-1", "hindsight", 1, 1, 0.05, 0.9100)); // other threads and checkpointing: same training
    runs.add(run("djl-1", "djl", 1, 1, 0.05, 0.9110));
    runs.add(run("ours-2", "hindsight", 2, 1, 0.05, 0.9150));
    runs.add(run("ours-lr", "hindsight", 42, 2, 0.1, 0.9000)); // another learning rate: another group

    List<SeedGroups.Group> groups = SeedGroups.of(runs);
    assertThat(groups).extracting(g -> g.runs().size()).containsExactly(3, 2, 1);
    SeedGroups.Group ours = groups.get(0);
    SeedGroups.Group djl = groups.get(1);
    assertThat(ours.label()).isEqualTo("mobilenetv2 hindsight fp32 2ep");
    assertThat(ours.mean()).isCloseTo((0.9129 + 0.9100 + 0.9150) / 3, within(1e-12));
    double m = ours.mean();
    double var = ((0.9129 - m) * (0.9129 - m) + (0.9100 - m) * (0.9100 - m) + (0.9150 - m) * (0.9150 - m)) / 2;
    assertThat(ours.std()).isCloseTo(Math.sqrt(var), within(1e-12));
    assertThat(groups.get(2).std()).isNaN();

    String table = SeedGroups.table(groups);
    assertThat(table).contains("mobilenetv2 hindsight fp32 2ep", "42,1,2", "mobilenetv2 djl fp32 2ep", "42,1");

    String engines = SeedGroups.engineComparisons(groups);
    assertThat(engines.lines().filter(l -> l.contains(" vs "))).hasSize(1); // the lr group has no djl twin
    double se = 100 * Math.sqrt(ours.std() * ours.std() / 3 + djl.std() * djl.std() / 2);
    assertThat(engines)
        .contains(String.format(java.util.Locale.ROOT, "difference %+.2f +- %.2f", 100 * (ours.mean() - djl.mean()), se))
        .contains("same seed: seed 42 +0.52, seed 1 -0.10");
    assertThat(SeedGroups.report(runs)).isEqualTo(table + engines);
  }

  /** A finished run of resnet20 on {@code backend} (as its provenance records the resolved backend). */
  private RunSummary onBackend(String name, String backend, long seed, double accuracy) throws IOException {
    Path d = Files.createDirectories(dir.resolve(name));
    Files.writeString(d.resolve("result.json"), """
        {"testAccuracy": %s, "epochs": [{"epoch": 1, "testAccuracy": %s}],
         "provenance": {"seed": %d, "engine": "hindsight", "backend": "%s",
           "spec": {"model": {"arch": "resnet20", "width": 0.5}, "backend": "%s",
                    "training": {"epochs": 1, "seed": %d}}}}"""
        .formatted(accuracy, accuracy, seed, backend, backend.equals("cpu") ? "auto" : backend, seed));
    return RunSummary.read(d);
  }

  @Test
  void theSameSpecOnAnotherBackendIsAnotherGroupPairedSeedBySeed() throws IOException {
    List<RunSummary> runs = List.of(onBackend("cpu-1", "cpu", 1, 0.770), onBackend("cpu-2", "cpu", 2, 0.760),
        onBackend("cpu-3", "cpu", 3, 0.780), onBackend("sim-1", "cuda-sim", 1, 0.775),
        onBackend("sim-2", "cuda-sim", 2, 0.750), onBackend("sim-3", "cuda-sim", 3, 0.784));

    List<SeedGroups.Group> groups = SeedGroups.of(runs);
    assertThat(groups).extracting(SeedGroups.Group::label)
        .containsExactly("resnet20 w0.5 hindsight fp32 1ep", "resnet20 w0.5 hindsight cuda-sim fp32 1ep");
    assertThat(groups).extracting(g -> g.runs().size()).containsExactly(3, 3);
    assertThat(RunSummary.table(runs, null)).contains("sim-1 [cuda-sim]").doesNotContain("cpu-1 [");
    String engines = SeedGroups.engineComparisons(groups);
    // cpu minus cuda-sim: -0.5, +1.0, -0.4 pp; mean 0.0333, sample std 0.8386
    assertThat(engines).contains("same seed: seed 1 -0.50, seed 2 +1.00, seed 3 -0.40")
        .contains("paired over 3 seeds: mean +0.03, sample std 0.84, standard error 0.48, widest 1.00");
  }

  @Test
  void saysNothingWhereEveryRunIsItsOwnGroupAndNoEngineTwinExists() throws IOException {
    List<RunSummary> runs = List.of(run("a", "hindsight", 42, 2, 0.05, 0.91), run("b", "hindsight", 42, 2, 0.1, 0.90));
    assertThat(SeedGroups.report(runs)).isEmpty();
    List<RunSummary> twins = List.of(run("c", "hindsight", 7, 2, 0.05, 0.91), run("d", "djl", 7, 2, 0.05, 0.90));
    assertThat(SeedGroups.report(twins)).contains("(standard error needs two runs of each)")
        .contains("same seed: seed 7 +1.00");
  }

  @Test
  void countsDivergedRunsFailedOnesIncludedAndKeepsThemOutOfTheMean() throws IOException {
    List<RunSummary> runs = new ArrayList<>();
    runs.add(run("s21", "hindsight", 21, 1, 0.05, 0.1015)); // at chance
    runs.add(run("s22", "hindsight", 22, 1, 0.05, 0.8665));
    runs.add(run("s23", "hindsight", 23, 1, 0.05, 0.8310));
    Path failed = Files.createDirectories(dir.resolve("s24"));
    Files.writeString(failed.resolve("spec.json"), """
        {"model": {"arch": "mobilenetv2", "width": 1.0}, "engine": "hindsight", "backend": "cpu",
         "training": {"epochs": 2, "learningRate": 0.05, "seed": 24, "threads": 3},
         "checkpoint": {"everySteps": 0}, "output": {"rangeEvery": 1}}""");
    runs.add(RunSummary.failed(failed, "fp32", "loss or gradients were NaN/Inf for 4 consecutive steps"));

    List<SeedGroups.Group> groups = SeedGroups.of(runs);
    assertThat(groups).hasSize(1); // the failed run's spec groups with the others
    SeedGroups.Group g = groups.get(0);
    assertThat(g.diverged(0.2)).isEqualTo(2);
    assertThat(g.diverged(0.05)).isEqualTo(1); // only the failed one
    assertThat(g.mean()).isCloseTo((0.1015 + 0.8665 + 0.8310) / 3, within(1e-12));
    assertThat(runs.get(3).isFailed()).isTrue();
    assertThat(runs.get(3).seed()).isEqualTo(24);
    String table = SeedGroups.table(groups, 0.2);
    assertThat(table).contains("accuracy < 0.20", "diverged", " 21-24 ").contains(String.format(java.util.Locale.ROOT,
        "%8.4f %8.4f %8d", 0.1015, 0.8665, 2));
  }

  @Test
  void aNonFiniteLossIsADivergenceWhateverTheAccuracy() throws IOException {
    Path d = Files.createDirectories(dir.resolve("nan"));
    Files.writeString(d.resolve("result.json"), """
        {"testAccuracy": 0.5, "epochs": [{"epoch": 1, "trainLoss": "NaN", "testLoss": 1.0, "testAccuracy": 0.5}],
         "provenance": {"seed": 1, "spec": {"model": {"arch": "cnn"}}}}""");
    RunSummary r = RunSummary.read(d);
    assertThat(r.nonFiniteLoss()).isTrue();
    assertThat(r.diverged(0.2)).isTrue();
    assertThat(SeedGroups.seeds(List.of(r))).isEqualTo("1");
  }
}
