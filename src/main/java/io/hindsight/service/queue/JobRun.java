package io.hindsight.service.queue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hindsight.backend.Backend;
import io.hindsight.backend.Backends;
import io.hindsight.service.config.HindsightProperties;
import io.hindsight.service.jobs.JobStatus;
import io.hindsight.service.jobs.Progress;
import io.hindsight.service.metrics.JobMetrics;
import io.hindsight.spec.JobSpecs;
import io.hindsight.spec.ResolvedSpec;
import io.hindsight.train.Checkpoint;
import io.hindsight.train.CheckpointIo;
import io.hindsight.train.EpochMetrics;
import io.hindsight.train.HealthFlag;
import io.hindsight.train.NumericalInstabilityException;
import io.hindsight.train.ResultJson;
import io.hindsight.train.StepProgress;
import io.hindsight.train.TrainingCancelledException;
import io.hindsight.train.TrainingJobs;
import io.hindsight.train.TrainingListener;
import io.hindsight.train.TrainingResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One attempt at one job on this worker: resumes from the job's latest checkpoint if there is
 * one, runs the engine, streams progress/epochs/checkpoints to the database (every write fenced
 * by the attempt number) and ends the job SUCCEEDED, FAILED (e.g. NaN/Inf loss past the
 * patience), CANCELLED, or, at shutdown, QUEUED again with its checkpoint.
 */
final class JobRun implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(JobRun.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  final Claim claim;
  final String group;
  private final JobQueue queue;
  private final CheckpointStore checkpoints;
  private final JobMetrics metrics;
  private final HindsightProperties props;
  private final String owner;
  private final Runnable onEnd;
  volatile boolean leaseLost;
  volatile boolean releaseRequested;
  volatile boolean cancelRequested;
  private volatile long lastCancelPoll;

  JobRun(Claim claim, String group, JobQueue queue, CheckpointStore checkpoints, JobMetrics metrics,
      HindsightProperties props, String owner, Runnable onEnd) {
    this.claim = claim;
    this.group = group;
    this.queue = queue;
    this.checkpoints = checkpoints;
    this.metrics = metrics;
    this.props = props;
    this.owner = owner;
    this.onEnd = onEnd;
  }

  @Override
  public void run() {
    String id = claim.jobId();
    int attempt = claim.attempt();
    Instant started = Instant.now();
    String backendName = group;
    try {
      ResolvedSpec spec = JobSpecs.parseAndResolve(claim.engineSpecJson());
      int threads = spec.training().threads() != null ? spec.training().threads() : props.getWorker().getThreads();
      TrainingResult result;
      try (Backend backend = Backends.create(spec.backend(), threads)) {
        backendName = backend.name();
        queue.started(id, attempt, backendName);
        Checkpoint resume = null;
        Optional<Path> latest = checkpoints.latest(id);
        if (latest.isPresent()) {
          resume = CheckpointIo.read(latest.get());
          queue.note(id, attempt, "resumed from checkpoint at global step " + resume.globalStep() + " (epoch "
              + (resume.epoch() + 1) + ", batch " + resume.batchInEpoch() + ")");
          metrics.resumed();
        }
        Path ckpt = checkpoints.fileFor(id, attempt);
        result = TrainingJobs.newTrainer(spec, backend, new Listener(backendName), ckpt, resume,
            this::shouldStop).run();
      }
      String text = publicResult(ResultJson.toJson(result));
      Path runDir = checkpoints.dir(id);
      Files.createDirectories(runDir);
      Files.writeString(runDir.resolve("result.json"), text);
      queue.finish(id, attempt, JobStatus.SUCCEEDED, String.format(Locale.ROOT, "finished: test accuracy %.4f after"
          + " %d epochs", result.testAccuracy(), result.epochs().size()), null, text);
      metrics.finished("SUCCEEDED", backendName, Duration.between(started, Instant.now()));
      metrics.testAccuracy(backendName, result.testAccuracy());
      metrics.quantization(result.plugins() == null ? null : result.plugins().get("quantization"));
      metrics.device(backendName, result.device());
    } catch (TrainingCancelledException e) {
      if (leaseLost) {
        LOG.warn("job {} attempt {}: stopped, the lease was lost", id, attempt);
      } else if (releaseRequested && !cancelRequested) {
        queue.release(id, attempt, "released by " + owner + " at shutdown; checkpoint at global step "
            + e.globalStep());
      } else {
        queue.finish(id, attempt, JobStatus.CANCELLED, "cancelled at global step " + e.globalStep()
            + "; last checkpoint kept", null, null);
        metrics.finished("CANCELLED", backendName, Duration.between(started, Instant.now()));
      }
    } catch (LeaseLostException e) {
      leaseLost = true;
      metrics.leaseLost();
    } catch (NumericalInstabilityException e) {
      fail(id, attempt, backendName, started, "numerical instability: " + e.getMessage());
    } catch (Exception e) {
      if (leaseLost) {
        LOG.warn("job {} attempt {} ended after losing its lease: {}", id, attempt, e.toString());
      } else {
        LOG.warn("job {} attempt {} failed", id, attempt, e);
        fail(id, attempt, backendName, started, e.getClass().getSimpleName() + ": " + e.getMessage());
      }
    } finally {
      onEnd.run();
    }
  }

  private void fail(String id, int attempt, String backend, Instant started, String reason) {
    try {
      queue.finish(id, attempt, JobStatus.FAILED, "failed: " + reason, reason, null);
      metrics.finished("FAILED", backend, Duration.between(started, Instant.now()));
    } catch (LeaseLostException e) {
      metrics.leaseLost();
    }
  }

  /** Polled by the trainer before every step. */
  boolean shouldStop() {
    if (leaseLost || releaseRequested || cancelRequested) {
      return true;
    }
    long now = System.nanoTime();
    if (now - lastCancelPoll > 500_000_000L) {
      lastCancelPoll = now;
      try {
        cancelRequested = queue.cancelRequested(claim.jobId(), claim.attempt());
      } catch (RuntimeException e) {
        LOG.debug("cancel poll failed: {}", e.toString());
      }
    }
    return cancelRequested;
  }

  /** result.json as served: uploaded datasets are shown by id, never by server path. */
  private String publicResult(String text) throws java.io.IOException {
    JsonNode root = JSON.readTree(text);
    JsonNode ds = root.path("provenance").path("spec").path("dataset");
    if (ds instanceof ObjectNode o && o.has("path")) {
      String folder = Path.of(o.get("path").asText()).getFileName().toString();
      o.remove("path");
      o.put("name", "upload:" + folder);
      if (root.path("provenance").path("dataset") instanceof ObjectNode pd) {
        pd.put("name", "upload:" + folder);
      }
    }
    return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root);
  }

  /** Streams the engine's callbacks into the database, throttled. */
  private final class Listener implements TrainingListener {
    private final String backend;
    private long totalSteps;
    private long lastWrite;

    Listener(String backend) {
      this.backend = backend;
    }

    @Override
    public void onStart(int epochs, int stepsPerEpoch, long resumedAtStep) {
      totalSteps = (long) epochs * stepsPerEpoch;
    }

    @Override
    public void onStep(StepProgress p) {
      metrics.step(backend, p.stepSeconds(), p.batchSize());
      metrics.samplesPerSecond(backend, p.samplesPerSecond());
      long now = System.nanoTime();
      if (now - lastWrite >= props.getEvents().getProgressInterval().toNanos() || p.step() == p.stepsPerEpoch()) {
        lastWrite = now;
        queue.progress(claim.jobId(), claim.attempt(), new Progress(p.epoch(), p.epochs(), p.step(),
            p.stepsPerEpoch(), p.globalStep(), totalSteps, p.loss(), p.samplesPerSecond(), p.learningRate(),
            Instant.now()));
      }
      Duration pause = props.getWorker().getStepPause();
      if (!pause.isZero()) {
        try {
          Thread.sleep(pause.toMillis());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          releaseRequested = true;
        }
      }
    }

    @Override
    public void onEpoch(EpochMetrics m) {
      queue.epoch(claim.jobId(), claim.attempt(), m.epoch(), m);
    }

    /** Logged and kept in the job's history, where the API shows it. */
    @Override
    public void onWarning(String message) {
      LOG.warn("job {} attempt {}: {}", claim.jobId(), claim.attempt(), message);
      queue.note(claim.jobId(), claim.attempt(), "warning: " + message);
    }

    /** Kept in the job's history with its quantizer and step, logged, and counted. */
    @Override
    public void onHealthFlag(HealthFlag flag) {
      LOG.warn("job {} attempt {}: {}", claim.jobId(), claim.attempt(), flag.message());
      queue.note(claim.jobId(), claim.attempt(), "health: " + flag.message());
      metrics.healthFlag(flag);
    }

    @Override
    public void onCheckpoint(long globalStep) {
      queue.checkpoint(claim.jobId(), claim.attempt(), Map.of("globalStep", globalStep, "attempt", claim.attempt()));
    }
  }
}
