package io.hindsight.service.queue;

import io.hindsight.backend.Backends;
import io.hindsight.service.config.HindsightProperties;
import io.hindsight.service.metrics.JobMetrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * This replica's workers: polls the queue while it has free slots (per backend:
 * {@code hindsight.worker.cpu-concurrency}, {@code cuda-concurrency}), runs claimed jobs on their
 * own threads, and heartbeats their leases. A lost lease stops the run. On shutdown it stops
 * claiming, asks running jobs to checkpoint, and releases them back to the queue.
 */
@Component
public class JobWorker implements SmartLifecycle {
  private static final Logger LOG = LoggerFactory.getLogger(JobWorker.class);
  private final JobQueue queue;
  private final CheckpointStore checkpoints;
  private final JobMetrics metrics;
  private final HindsightProperties props;
  private final Set<JobRun> runs = ConcurrentHashMap.newKeySet();
  private final Map<String, Integer> active = new ConcurrentHashMap<>();
  private volatile boolean running;
  private volatile boolean stopping;
  private ScheduledExecutorService scheduler;
  private ExecutorService executor;

  public JobWorker(JobQueue queue, CheckpointStore checkpoints, JobMetrics metrics, HindsightProperties props) {
    this.queue = queue;
    this.checkpoints = checkpoints;
    this.metrics = metrics;
    this.props = props;
  }

  @Override
  public void start() {
    running = true;
    if (!props.getWorker().isEnabled()) {
      LOG.info("workers disabled: this replica serves the API only");
      return;
    }
    String owner = props.getWorker().getNodeId();
    scheduler = Executors.newScheduledThreadPool(2, r -> daemon(r, "job-queue"));
    executor = Executors.newCachedThreadPool(r -> daemon(r, "job-run"));
    long poll = props.getWorker().getPollInterval().toMillis();
    long beat = props.getWorker().getHeartbeat().toMillis();
    scheduler.scheduleWithFixedDelay(() -> guarded(this::pollOnce), 0, poll, TimeUnit.MILLISECONDS);
    scheduler.scheduleWithFixedDelay(() -> guarded(this::heartbeats), beat, beat, TimeUnit.MILLISECONDS);
    LOG.info("worker {} started: cpu {} / cuda {} concurrent jobs, lease {}", owner,
        props.getWorker().getCpuConcurrency(), cudaSlots(), props.getWorker().getLease());
  }

  private int cudaSlots() {
    return Backends.cudaUnavailableReason() == null ? props.getWorker().getCudaConcurrency() : 0;
  }

  /**
   * Backends of the jobs a group takes: {@code auto} goes to CUDA where it is available;
   * {@code cuda-sim} (the software device) always runs on the CPU pool.
   */
  private List<String> accepts(String group) {
    boolean cuda = cudaSlots() > 0;
    return switch (group) {
      case "cuda" -> cuda ? List.of("cuda", "auto") : List.of();
      default -> cuda ? List.of("cpu", "cuda-sim") : List.of("cpu", "auto", "cuda-sim");
    };
  }

  void pollOnce() {
    for (String group : new String[] {"cuda", "cpu"}) {
      int limit = "cuda".equals(group) ? cudaSlots() : props.getWorker().getCpuConcurrency();
      while (!stopping && active.getOrDefault(group, 0) < limit) {
        Optional<Claim> c = queue.claim(accepts(group), props.getWorker().getNodeId(), props.getWorker().getLease(),
            props.getWorker().getMaxAttempts());
        if (c.isEmpty()) {
          break;
        }
        if (c.get().previousStatus() != io.hindsight.service.jobs.JobStatus.QUEUED) {
          metrics.leaseExpired();
        }
        active.merge(group, 1, Integer::sum);
        JobRun[] self = new JobRun[1];
        self[0] = new JobRun(c.get(), group, queue, checkpoints, metrics, props, props.getWorker().getNodeId(), () -> {
          runs.remove(self[0]);
          active.merge(group, -1, Integer::sum);
        });
        runs.add(self[0]);
        LOG.info("job {} attempt {} started on {}", c.get().jobId(), c.get().attempt(), group);
        executor.execute(self[0]);
      }
    }
  }

  void heartbeats() {
    Duration lease = props.getWorker().getLease();
    for (JobRun r : new ArrayList<>(runs)) {
      try {
        JobQueue.Beat b = queue.heartbeat(r.claim.jobId(), r.claim.attempt(), lease);
        if (!b.held() && !r.leaseLost) {
          r.leaseLost = true;
          metrics.leaseLost();
          LOG.warn("job {} attempt {}: lease lost; stopping the run", r.claim.jobId(), r.claim.attempt());
        }
        if (b.cancelRequested()) {
          r.cancelRequested = true;
        }
      } catch (RuntimeException e) {
        LOG.warn("heartbeat of job {} failed: {}", r.claim.jobId(), e.toString());
      }
    }
  }

  /** Jobs this replica is running now. */
  public int runningJobs() {
    return runs.size();
  }

  @Override
  public void stop() {
    stopping = true;
    if (scheduler == null) {
      running = false;
      return;
    }
    for (JobRun r : runs) {
      r.releaseRequested = true;
    }
    long deadline = System.nanoTime() + props.getWorker().getShutdownGrace().toNanos();
    while (!runs.isEmpty() && System.nanoTime() < deadline) {
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    if (!runs.isEmpty()) {
      LOG.warn("{} job(s) did not stop within the shutdown grace; their leases will expire", runs.size());
    }
    scheduler.shutdownNow();
    executor.shutdownNow();
    running = false;
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  private static void guarded(Runnable r) {
    try {
      r.run();
    } catch (RuntimeException e) {
      LOG.warn("job queue: {}", e.toString());
    }
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }
}
