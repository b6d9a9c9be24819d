package io.hindsight.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hindsight.backend.Backend;
import io.hindsight.cuda.CudaBackend;
import io.hindsight.data.Augmentation;
import io.hindsight.data.Batch;
import io.hindsight.data.BatchSampler;
import io.hindsight.data.Dataset;
import io.hindsight.data.DatasetLoader;
import io.hindsight.model.Model;
import io.hindsight.model.ModelFactory;
import io.hindsight.nn.QuantHooksProvider;
import io.hindsight.optim.LrSchedule;
import io.hindsight.optim.Sgd;
import io.hindsight.spec.JobSpecs;
import io.hindsight.spec.ResolvedSpec;
import io.hindsight.spec.TrainingSpec;
import io.hindsight.util.Rng;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * Runs one training job: builds the model from the spec, iterates epochs and batches in a
 * seed-determined order, applies the learning-rate schedule, evaluates on the test split after
 * every epoch, writes checkpoints, and resumes exactly from one. Engine-agnostic through
 * {@link StepEngine}; quantization and other components join through {@link TrainingPlugin}s.
 * Use {@link #builder()}.
 */
public final class Trainer {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Builds the step engine for a run (our engine by default; the DJL baseline plugs in here). */
  @FunctionalInterface
  public interface EngineFactory {
    StepEngine create(ResolvedSpec spec, Model model, Sgd sgd);
  }

  private final ResolvedSpec spec;
  private final Backend backend;
  private final DatasetLoader.Splits data;
  private final TrainingListener listener;
  private final Path checkpointFile;
  private final Checkpoint resumeFrom;
  private final BooleanSupplier cancelled;
  private final List<TrainingPlugin> plugins;
  private final EngineFactory engineFactory;
  private final Map<String, String> extraVersions;

  private Trainer(Builder b) {
    this.spec = b.spec;
    this.backend = b.backend;
    this.data = b.data;
    this.listener = b.listener;
    this.checkpointFile = b.checkpointFile;
    this.resumeFrom = b.resumeFrom;
    this.cancelled = b.cancelled;
    this.plugins = List.copyOf(b.plugins);
    this.engineFactory = b.engineFactory;
    this.extraVersions = Map.copyOf(b.extraVersions);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Runs to completion; throws {@link TrainingCancelledException} or {@link NumericalInstabilityException}. */
  public TrainingResult run() throws IOException {
    TrainingSpec t = spec.training();
    long seed = t.seed();
    String specJson = JobSpecs.toJson(spec);
    if (resumeFrom != null && !resumeFrom.specJson().equals(specJson)) {
      throw new IllegalArgumentException("the checkpoint belongs to a different job spec; refusing to resume");
    }
    Rng runtimeRng = Rng.derive(seed, 2);
    QuantHooksProvider hooks = QuantHooksProvider.NONE;
    for (TrainingPlugin p : plugins) {
      if (p.hooks() != null) {
        hooks = p.hooks();
      }
    }
    Dataset train = data.train();
    Dataset test = data.test();
    Model model = new ModelFactory(backend, hooks, runtimeRng).build(spec.model().arch(), spec.model().width(),
        spec.model().dropout(), new int[] {train.channels(), train.height(), train.width()}, train.classes(),
        Rng.derive(seed, 1));
    for (TrainingPlugin p : plugins) {
      p.onModelBuilt(model);
    }
    Sgd sgd = new Sgd(model.parameters(), t.momentum(), t.nesterov(), t.weightDecay());
    BatchSampler sampler = new BatchSampler(train, t.batchSize());
    int stepsPerEpoch = sampler.batchesPerEpoch();
    long totalSteps = (long) stepsPerEpoch * t.epochs();
    LrSchedule schedule = new LrSchedule(LrSchedule.Kind.valueOf(t.schedule().toUpperCase(Locale.ROOT)),
        t.learningRate(), totalSteps, Math.round(t.warmupEpochs() * stepsPerEpoch),
        t.stepEpochs() == null ? 1 : (long) t.stepEpochs() * stepsPerEpoch, t.gamma() == null ? 1 : t.gamma());
    Augmentation aug = new Augmentation(spec.dataset().augment().cropPadding(), spec.dataset().augment().flip());

    int startEpoch = 0;
    int startBatch = 0;
    long globalStep = 0;
    List<EpochMetrics> finished = new ArrayList<>();
    Checkpoint.EpochAccumulator acc = Checkpoint.EpochAccumulator.EMPTY;
    if (resumeFrom != null) {
      CheckpointState.restore(resumeFrom, model, sgd, runtimeRng, plugins);
      startEpoch = resumeFrom.epoch();
      startBatch = resumeFrom.batchInEpoch();
      globalStep = resumeFrom.globalStep();
      finished.addAll(resumeFrom.finishedEpochs());
      acc = resumeFrom.current();
    }
    String startedAt = Instant.now().toString();
    long resumedAt = globalStep;
    DeviceAccounting deviceAccounting = backend.accelerator().map(d -> new DeviceAccounting(d,
        backend instanceof CudaBackend cuda ? cuda.kernels().traffic() : null)).orElse(null);
    TrainingResult result;
    try (StepEngine engine = engineFactory.create(spec, model, sgd); PluginsClosed closed = new PluginsClosed(plugins)) {
      List<SelfCheck> checks = List.copyOf(engine.selfChecks());
      for (SelfCheck c : checks) {
        if (!c.passed()) {
          listener.onWarning("engine self-check " + c.name() + " failed: " + c.detail()
              + "; this run's numbers may be wrong");
        }
      }
      listener.onStart(t.epochs(), stepsPerEpoch, resumedAt);
      for (int epoch = startEpoch; epoch < t.epochs(); epoch++) {
        int[] order = sampler.order(seed, epoch, true);
        for (TrainingPlugin p : plugins) {
          p.onEpochStart(epoch + 1);
        }
        double lossSum = acc.lossSum();
        long correct = acc.correct();
        long seen = acc.seen();
        int skipped = acc.skippedSteps();
        int consecutive = acc.consecutiveNonFinite();
        double trainSeconds = acc.seconds();
        double lr = schedule.at(globalStep);
        for (int b = epoch == startEpoch ? startBatch : 0; b < stepsPerEpoch; b++) {
          if (cancelled.getAsBoolean()) {
            Checkpoint.EpochAccumulator now =
                new Checkpoint.EpochAccumulator(lossSum, correct, seen, trainSeconds, skipped, consecutive);
            saveCheckpoint(engine, specJson, epoch, b, globalStep, runtimeRng, finished, now, model, sgd);
            throw new TrainingCancelledException(globalStep);
          }
          lr = schedule.at(globalStep);
          for (TrainingPlugin p : plugins) {
            p.beforeStep(globalStep);
          }
          Batch batch = sampler.batch(order, b, aug, runtimeRng);
          long s0 = System.nanoTime();
          if (deviceAccounting != null) {
            deviceAccounting.beforeStep();
          }
          StepEngine.StepOutcome out = engine.trainStep(batch, lr);
          if (deviceAccounting != null) {
            deviceAccounting.afterStep();
          }
          double dt = (System.nanoTime() - s0) / 1e9;
          trainSeconds += dt;
          for (TrainingPlugin p : plugins) {
            p.afterStep(globalStep);
            p.onStepLoss(globalStep, out.applied() ? out.loss() : Double.NaN);
          }
          globalStep++;
          if (out.applied()) {
            consecutive = 0;
            lossSum += out.loss() * batch.size();
            correct += out.correct();
            seen += batch.size();
          } else {
            consecutive++;
            skipped++;
            if (consecutive > t.nonFinitePatience()) {
              throw new NumericalInstabilityException("loss or gradients were NaN/Inf for " + consecutive
                  + " consecutive steps (patience " + t.nonFinitePatience() + "), last at epoch " + (epoch + 1)
                  + " step " + (b + 1) + " (global step " + globalStep + ")");
            }
          }
          listener.onStep(new StepProgress(epoch + 1, t.epochs(), b + 1, stepsPerEpoch, globalStep, out.loss(),
              seen / Math.max(1e-9, trainSeconds), lr, dt, batch.size()));
          int every = spec.checkpoint().everySteps();
          if (every > 0 && globalStep % every == 0 && b + 1 < stepsPerEpoch) {
            Checkpoint.EpochAccumulator now =
                new Checkpoint.EpochAccumulator(lossSum, correct, seen, trainSeconds, skipped, consecutive);
            saveCheckpoint(engine, specJson, epoch, b + 1, globalStep, runtimeRng, finished, now, model, sgd);
          }
        }
        long e0 = System.nanoTime();
        double[] eval = evaluate(engine, test, Math.max(t.batchSize(), 256));
        double evalSeconds = (System.nanoTime() - e0) / 1e9;
        EpochMetrics m = new EpochMetrics(epoch + 1, seen == 0 ? Double.NaN : lossSum / seen,
            seen == 0 ? 0 : (double) correct / seen, eval[0], eval[1], trainSeconds + evalSeconds,
            seen / Math.max(1e-9, trainSeconds), lr, skipped);
        finished.add(m);
        for (TrainingPlugin p : plugins) {
          p.onEpochEnd(epoch + 1);
        }
        listener.onEpoch(m);
        acc = Checkpoint.EpochAccumulator.EMPTY;
        saveCheckpoint(engine, specJson, epoch + 1, 0, globalStep, runtimeRng, finished, acc, model, sgd);
      }
      EpochMetrics last = finished.get(finished.size() - 1);
      Map<String, JsonNode> sections = new LinkedHashMap<>();
      for (TrainingPlugin p : plugins) {
        JsonNode s = p.resultSection();
        if (s != null) {
          sections.put(p.name(), s);
        }
      }
      int skippedTotal = finished.stream().mapToInt(EpochMetrics::skippedSteps).sum();
      double total = finished.stream().mapToDouble(EpochMetrics::seconds).sum();
      result = new TrainingResult(last.testAccuracy(), last.testLoss(), last.trainLoss(), List.copyOf(finished),
          globalStep, skippedTotal, total, sections,
          provenance(specJson, model, startedAt, resumedAt, train, test, checks), null);
    }
    // after the engine closed: the report's liveBytesAtEnd sees what the engine freed
    return deviceAccounting == null ? result : result.withDevice(deviceAccounting.finish());
  }

  private double[] evaluate(StepEngine engine, Dataset test, int batchSize) {
    BatchSampler s = new BatchSampler(test, batchSize);
    int[] order = s.order(0, 0, false);
    double lossSum = 0;
    long correct = 0;
    for (int b = 0; b < s.batchesPerEpoch(); b++) {
      Batch batch = s.batch(order, b, Augmentation.NONE, null);
      StepEngine.StepOutcome o = engine.evaluate(batch);
      lossSum += o.loss();
      correct += o.correct();
    }
    return new double[] {lossSum / test.size(), (double) correct / test.size()};
  }

  private void saveCheckpoint(StepEngine engine, String specJson, int epoch, int batch, long globalStep, Rng rng,
      List<EpochMetrics> finished, Checkpoint.EpochAccumulator acc, Model model, Sgd sgd) throws IOException {
    if (checkpointFile == null) {
      return;
    }
    engine.syncToModel();
    for (TrainingPlugin p : plugins) {
      p.beforeCheckpoint();
    }
    Checkpoint c = CheckpointState.capture(specJson, epoch, batch, globalStep, rng, finished, acc, model, sgd, plugins);
    CheckpointIo.write(c, checkpointFile);
    listener.onCheckpoint(globalStep);
  }

  private Provenance provenance(String specJson, Model model, String startedAt, long resumedAt, Dataset train,
      Dataset test, List<SelfCheck> checks) throws IOException {
    Map<String, String> versions = new LinkedHashMap<>();
    versions.put("hindsight", BuildInfo.version());
    versions.put("java", System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")");
    versions.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
        + System.getProperty("os.arch"));
    versions.put("jackson", com.fasterxml.jackson.databind.cfg.PackageVersion.VERSION.toString());
    versions.putAll(extraVersions);
    Map<String, Object> ds = new LinkedHashMap<>();
    ds.put("name", spec.dataset().name());
    ds.put("trainExamples", train.size());
    ds.put("testExamples", test.size());
    ds.put("trainFingerprint", fingerprint(train));
    ds.put("testFingerprint", fingerprint(test));
    return new Provenance(JSON.readTree(specJson), spec.training().seed(), spec.engine(), backend.name(),
        backend.device(), backend.threads(), versions, BuildInfo.gitCommit(), ds, model.parameterCount(), startedAt,
        resumedAt, checks);
  }

  /** A cheap content hash of a dataset (labels and pixels), to tell datasets apart in provenance. */
  static String fingerprint(Dataset d) {
    long h = 0xcbf29ce484222325L;
    for (int l : d.labels()) {
      h = (h ^ l) * 0x100000001b3L;
    }
    float[] x = d.images();
    for (int i = 0; i < x.length; i += 7) {
      h = (h ^ Float.floatToIntBits(x[i])) * 0x100000001b3L;
    }
    return String.format("%016x", h);
  }

  /** Tells plugins the run ended, however it ended. */
  private record PluginsClosed(List<TrainingPlugin> plugins) implements AutoCloseable {
    @Override
    public void close() {
      for (TrainingPlugin p : plugins) {
        p.onRunEnd();
      }
    }
  }

  /** Builder with required {@code spec}, {@code backend} and {@code data}; the rest optional. */
  public static final class Builder {
    private ResolvedSpec spec;
    private Backend backend;
    private DatasetLoader.Splits data;
    private TrainingListener listener = TrainingListener.NONE;
    private Path checkpointFile;
    private Checkpoint resumeFrom;
    private BooleanSupplier cancelled = () -> false;
    private final List<TrainingPlugin> plugins = new ArrayList<>();
    private EngineFactory engineFactory = (s, m, o) -> new HindsightStepEngine(m, o);
    private final Map<String, String> extraVersions = new LinkedHashMap<>();

    public Builder spec(ResolvedSpec spec) {
      this.spec = spec;
      return this;
    }

    public Builder backend(Backend backend) {
      this.backend = backend;
      return this;
    }

    public Builder data(DatasetLoader.Splits data) {
      this.data = data;
      return this;
    }

    public Builder listener(TrainingListener listener) {
      this.listener = listener;
      return this;
    }

    /** Where checkpoints are written (atomically); none are written if unset. */
    public Builder checkpointFile(Path file) {
      this.checkpointFile = file;
      return this;
    }

    /** Continue from this checkpoint (must belong to the same spec). */
    public Builder resumeFrom(Checkpoint checkpoint) {
      this.resumeFrom = checkpoint;
      return this;
    }

    /** Polled before every step; when true the run checkpoints and stops. */
    public Builder cancelled(BooleanSupplier cancelled) {
      this.cancelled = cancelled;
      return this;
    }

    public Builder plugin(TrainingPlugin plugin) {
      this.plugins.add(plugin);
      return this;
    }

    public Builder engineFactory(EngineFactory factory) {
      this.engineFactory = factory;
      return this;
    }

    public Builder version(String component, String version) {
      this.extraVersions.put(component, version);
      return this;
    }

    public Trainer build() {
      if (spec == null) {
        throw new IllegalStateException("Trainer.builder(): spec is required");
      }
      if (backend == null) {
        throw new IllegalStateException("Trainer.builder(): backend is required");
      }
      if (data == null) {
        throw new IllegalStateException("Trainer.builder(): data is required");
      }
      if (data.train().size() == 0 || data.test().size() == 0) {
        throw new IllegalArgumentException("training and test data must not be empty");
      }
      return new Trainer(this);
    }
  }
}
