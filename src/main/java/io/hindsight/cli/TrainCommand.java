package io.hindsight.cli;

import io.hindsight.backend.Backend;
import io.hindsight.backend.Backends;
import io.hindsight.spec.JobSpecs;
import io.hindsight.spec.ResolvedSpec;
import io.hindsight.train.Checkpoint;
import io.hindsight.train.CheckpointIo;
import io.hindsight.train.ResultJson;
import io.hindsight.train.TrainingJobs;
import io.hindsight.train.TrainingResult;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code hindsight train}: runs one job from a spec file and/or flags, writing {@code spec.json},
 * {@code checkpoint.bin} and {@code result.json} into the output directory.
 */
@Command(name = "train", sortOptions = false, abbreviateSynopsis = true,
    description = {"Train one job from a spec file and/or flags; writes spec.json, checkpoint.bin and result.json "
        + "(and, quantized, ranges.csv and traffic.csv) into the output directory.",
        "Without --spec and flags: the `cnn` on Fashion-MNIST, 5 epochs."})
final class TrainCommand implements Callable<Integer> {
  private final PrintStream out;
  private final PrintStream err;

  @Mixin
  SpecOptions spec;

  @Option(names = "--out", paramLabel = "DIR", order = 1, description = "output directory (default runs/<arch>-<time>)")
  Path outDir;

  @Option(names = "--resume", order = 2, description = "continue from DIR/checkpoint.bin if it exists")
  boolean resume;

  @Option(names = "--quiet", order = 3, description = "only the per-epoch lines (no progress bar or progress lines)")
  boolean quiet;

  @Mixin
  HelpOption help;

  TrainCommand(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  @Override
  public Integer call() throws Exception {
    ResolvedSpec job = JobSpecs.resolve(JobSpecs.parse(spec.buildSpecJson()));
    Path dir = outDir != null ? outDir : Path.of("runs/" + job.model().arch() + "-"
        + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
    DatasetInstaller.ensure(job, err);
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("spec.json"), JobSpecs.toJson(job) + "\n");
    Path ckpt = dir.resolve("checkpoint.bin");
    Checkpoint from = null;
    if (resume && Files.exists(ckpt)) {
      from = CheckpointIo.read(ckpt);
    }
    int threads = job.training().threads() == null ? 0 : job.training().threads();
    TrainingResult result;
    try (Backend backend = Backends.create(job.backend(), threads)) {
      out.printf(Locale.ROOT, "hindsight train: %s on %s (%s engine, %s backend, %d threads) -> %s%n",
          job.model().arch(), job.dataset().name(), job.engine(), backend.name(), backend.threads(), dir);
      result = TrainingJobs.newTrainer(job, backend, ProgressBar.forTerminal(err, quiet), ckpt, from, null).run();
    }
    ResultJson.write(result, dir.resolve("result.json"));
    out.printf(Locale.ROOT, "test accuracy %.4f after %d epochs (%.1f s); wrote %s%n", result.testAccuracy(),
        result.epochs().size(), result.totalSeconds(), dir.resolve("result.json"));
    return 0;
  }
}
