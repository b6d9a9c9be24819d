package io.hindsight.service.config;

import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The service's own settings ({@code hindsight.*}): where files live, API-key bootstrap, worker
 * behaviour (concurrency per backend, leases, checkpoints) and limits on what one job may ask.
 */
@ConfigurationProperties("hindsight")
public class HindsightProperties {
  /** Base folder for the embedded database, checkpoints, run outputs and uploaded datasets. */
  private Path dataDir = Path.of("./hindsight-data");
  /**
   * Job folders (checkpoints, result.json, ranges.csv, traffic.csv; one folder per job); defaults to
   * {@code <dataDir>/jobs}. Must be shared by all replicas.
   */
  private Path checkpointDir;
  /** Uploaded datasets; defaults to {@code <dataDir>/datasets}. Shared by replicas. */
  private Path datasetDir;
  private final Security security = new Security();
  private final Worker worker = new Worker();
  private final Limits limits = new Limits();
  private final Events events = new Events();

  public Path getDataDir() {
    return dataDir;
  }

  public void setDataDir(Path dataDir) {
    this.dataDir = dataDir;
  }

  public Path getCheckpointDir() {
    return checkpointDir != null ? checkpointDir : dataDir.resolve("jobs");
  }

  public void setCheckpointDir(Path checkpointDir) {
    this.checkpointDir = checkpointDir;
  }

  public Path getDatasetDir() {
    return datasetDir != null ? datasetDir : dataDir.resolve("datasets");
  }

  public void setDatasetDir(Path datasetDir) {
    this.datasetDir = datasetDir;
  }

  public Security getSecurity() {
    return security;
  }

  public Worker getWorker() {
    return worker;
  }

  public Limits getLimits() {
    return limits;
  }

  public Events getEvents() {
    return events;
  }

  /** API keys and what they protect. */
  public static class Security {
    /** Bootstrap key (env {@code HINDSIGHT_API_KEY}); stored hashed. Empty: one is generated once. */
    private String apiKey = "";
    /** Whether {@code /actuator/prometheus} needs a key (false when it is served on a separate port). */
    private boolean protectPrometheus = true;

    public String getApiKey() {
      return apiKey;
    }

    public void setApiKey(String apiKey) {
      this.apiKey = apiKey;
    }

    public boolean isProtectPrometheus() {
      return protectPrometheus;
    }

    public void setProtectPrometheus(boolean protectPrometheus) {
      this.protectPrometheus = protectPrometheus;
    }
  }

  /** The workers of this replica. */
  public static class Worker {
    /** Whether this replica runs jobs (false: API only). */
    private boolean enabled = true;
    /** Jobs run at once on the CPU backend by this replica. */
    private int cpuConcurrency = 1;
    /** Jobs run at once on the CUDA backend by this replica (used only where CUDA is available). */
    private int cudaConcurrency = 1;
    /** How often idle workers look for queued jobs. */
    private Duration pollInterval = Duration.ofSeconds(1);
    /** How long a claim lasts without a heartbeat before another worker may take the job over. */
    private Duration lease = Duration.ofSeconds(30);
    /** Heartbeat period; defaults to a third of the lease. */
    private Duration heartbeat;
    /** Checkpoint every N steps unless the spec sets {@code checkpoint.everySteps}. */
    private int checkpointEverySteps = 50;
    /** CPU threads per job unless the spec sets {@code training.threads} (0: all cores). */
    private int threads = 0;
    /** A job is failed after this many claims (a job that keeps killing its worker). */
    private int maxAttempts = 5;
    /** Pause after every training step (demos and failure drills; 0 in production). */
    private Duration stepPause = Duration.ZERO;
    /** How long shutdown waits for running jobs to checkpoint and be released. */
    private Duration shutdownGrace = Duration.ofSeconds(30);
    /** Name of this worker in leases and status messages; defaults to host + process id. */
    private String nodeId;

    public boolean isEnabled() {
      return enabled;
    }

    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    public int getCpuConcurrency() {
      return cpuConcurrency;
    }

    public void setCpuConcurrency(int cpuConcurrency) {
      this.cpuConcurrency = cpuConcurrency;
    }

    public int getCudaConcurrency() {
      return cudaConcurrency;
    }

    public void setCudaConcurrency(int cudaConcurrency) {
      this.cudaConcurrency = cudaConcurrency;
    }

    public Duration getPollInterval() {
      return pollInterval;
    }

    public void setPollInterval(Duration pollInterval) {
      this.pollInterval = pollInterval;
    }

    public Duration getLease() {
      return lease;
    }

    public void setLease(Duration lease) {
      this.lease = lease;
    }

    public Duration getHeartbeat() {
      return heartbeat != null ? heartbeat : lease.dividedBy(3);
    }

    public void setHeartbeat(Duration heartbeat) {
      this.heartbeat = heartbeat;
    }

    public int getCheckpointEverySteps() {
      return checkpointEverySteps;
    }

    public void setCheckpointEverySteps(int checkpointEverySteps) {
      this.checkpointEverySteps = checkpointEverySteps;
    }

    public int getThreads() {
      return threads;
    }

    public void setThreads(int threads) {
      this.threads = threads;
    }

    public int getMaxAttempts() {
      return maxAttempts;
    }

    public void setMaxAttempts(int maxAttempts) {
      this.maxAttempts = maxAttempts;
    }

    public Duration getStepPause() {
      return stepPause;
    }

    public void setStepPause(Duration stepPause) {
      this.stepPause = stepPause;
    }

    public Duration getShutdownGrace() {
      return shutdownGrace;
    }

    public void setShutdownGrace(Duration shutdownGrace) {
      this.shutdownGrace = shutdownGrace;
    }

    public String getNodeId() {
      if (nodeId == null || nodeId.isBlank()) {
        String host = System.getenv().getOrDefault("HOSTNAME", "localhost");
        nodeId = host + "-" + ProcessHandle.current().pid() + "-"
            + Long.toHexString(Double.doubleToLongBits(Math.random())).substring(0, 4);
      }
      return nodeId;
    }

    public void setNodeId(String nodeId) {
      this.nodeId = nodeId;
    }
  }

  /**
   * Limits on what one job may ask of this server (answered 422 when exceeded) and quotas per API
   * key (answered 429 with Retry-After).
   */
  public static class Limits {
    private int maxEpochs = 100;
    private double maxWidth = 2.0;
    private int maxTrainExamples = 60_000;
    private int maxTestExamples = 10_000;
    private int maxBatchSize = 1024;
    /** Largest accepted JSON request body (job specs). */
    private int maxSpecBytes = 64 * 1024;
    /** Largest page of a listing. */
    private int maxPageSize = 100;
    /** Jobs one API key may have QUEUED, RUNNING or CANCELLING at once (0: no limit). */
    private int maxActiveJobsPerKey = 500;
    /** Bytes of uploaded datasets one API key may store (0: no limit); default 10 GiB. */
    private long maxDatasetBytesPerKey = 10L << 30;
    /** Sustained requests per second per API key, per replica (0: no limit). */
    private double requestsPerSecond = 100;
    /** Requests one API key may make at once before the rate applies (the token bucket's size). */
    private int requestBurst = 200;

    public int getMaxEpochs() {
      return maxEpochs;
    }

    public void setMaxEpochs(int maxEpochs) {
      this.maxEpochs = maxEpochs;
    }

    public double getMaxWidth() {
      return maxWidth;
    }

    public void setMaxWidth(double maxWidth) {
      this.maxWidth = maxWidth;
    }

    public int getMaxTrainExamples() {
      return maxTrainExamples;
    }

    public void setMaxTrainExamples(int maxTrainExamples) {
      this.maxTrainExamples = maxTrainExamples;
    }

    public int getMaxTestExamples() {
      return maxTestExamples;
    }

    public void setMaxTestExamples(int maxTestExamples) {
      this.maxTestExamples = maxTestExamples;
    }

    public int getMaxBatchSize() {
      return maxBatchSize;
    }

    public void setMaxBatchSize(int maxBatchSize) {
      this.maxBatchSize = maxBatchSize;
    }

    public int getMaxSpecBytes() {
      return maxSpecBytes;
    }

    public void setMaxSpecBytes(int maxSpecBytes) {
      this.maxSpecBytes = maxSpecBytes;
    }

    public int getMaxPageSize() {
      return maxPageSize;
    }

    public void setMaxPageSize(int maxPageSize) {
      this.maxPageSize = maxPageSize;
    }

    public int getMaxActiveJobsPerKey() {
      return maxActiveJobsPerKey;
    }

    public void setMaxActiveJobsPerKey(int maxActiveJobsPerKey) {
      this.maxActiveJobsPerKey = maxActiveJobsPerKey;
    }

    public long getMaxDatasetBytesPerKey() {
      return maxDatasetBytesPerKey;
    }

    public void setMaxDatasetBytesPerKey(long maxDatasetBytesPerKey) {
      this.maxDatasetBytesPerKey = maxDatasetBytesPerKey;
    }

    public double getRequestsPerSecond() {
      return requestsPerSecond;
    }

    public void setRequestsPerSecond(double requestsPerSecond) {
      this.requestsPerSecond = requestsPerSecond;
    }

    public int getRequestBurst() {
      return requestBurst;
    }

    public void setRequestBurst(int requestBurst) {
      this.requestBurst = requestBurst;
    }
  }

  /** Job events (SSE). */
  public static class Events {
    /** Least time between two persisted progress events of one job. */
    private Duration progressInterval = Duration.ofSeconds(1);
    /** How often an open stream looks for new events. */
    private Duration pollInterval = Duration.ofMillis(300);
    /** How long one SSE connection may stay open (clients reconnect with Last-Event-ID). */
    private Duration streamTimeout = Duration.ofMinutes(30);

    public Duration getProgressInterval() {
      return progressInterval;
    }

    public void setProgressInterval(Duration progressInterval) {
      this.progressInterval = progressInterval;
    }

    public Duration getPollInterval() {
      return pollInterval;
    }

    public void setPollInterval(Duration pollInterval) {
      this.pollInterval = pollInterval;
    }

    public Duration getStreamTimeout() {
      return streamTimeout;
    }

    public void setStreamTimeout(Duration streamTimeout) {
      this.streamTimeout = streamTimeout;
    }
  }
}
