package io.hindsight.service.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import io.hindsight.train.HealthFlag;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * The service's Micrometer meters (exported as {@code hindsight_*} on {@code /actuator/prometheus}).
 * Tags are low-cardinality only: status, backend, estimator, tensor kind; never job ids.
 * Queue depth and running jobs are read from the database (all replicas), cached for 2 s.
 */
@Component
public class JobMetrics {
  private static final String[] HEALTH_FLAGS = {HealthFlag.LOSS_DIVERGENCE, HealthFlag.CLIPPING_SPIKE};
  private static final String[] HEALTH_TENSORS = {"activation", "gradient", "weight", "none"};
  private final MeterRegistry registry;
  private final JdbcClient jdbc;
  private final Map<String, CachedCount> counts = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> localSamplesPerSecond = new ConcurrentHashMap<>();

  public JobMetrics(MeterRegistry registry, JdbcClient jdbc) {
    this.registry = registry;
    this.jdbc = jdbc;
    Gauge.builder("hindsight.jobs.queued", () -> count("QUEUED"))
        .description("Jobs waiting in the queue (all replicas)").register(registry);
    Gauge.builder("hindsight.jobs.running", () -> count("RUNNING") + count("CANCELLING"))
        .description("Jobs running (all replicas)").register(registry);
    for (String backend : new String[] {"cpu", "cuda", "cuda-sim"}) {
      AtomicLong v = localSamplesPerSecond.computeIfAbsent(backend, b -> new AtomicLong());
      Gauge.builder("hindsight.training.samples.per.second", v, a -> Double.longBitsToDouble(a.get()))
          .description("Training throughput of the jobs this replica runs").tag("backend", backend)
          .register(registry);
    }
    // counters exist from startup at 0, so rate()/increase() see the first event of each series
    for (String backend : new String[] {"auto", "cpu", "cuda", "cuda-sim"}) {
      Counter.builder("hindsight.jobs.submitted").description("Jobs accepted").tag("backend", backend)
          .register(registry);
    }
    for (String backend : new String[] {"cpu", "cuda", "cuda-sim"}) {
      for (String s : new String[] {"succeeded", "failed", "cancelled"}) {
        Counter.builder("hindsight.jobs." + s).description("Jobs that ended " + s).tag("backend", backend)
            .register(registry);
      }
    }
    for (String flag : HEALTH_FLAGS) {
      for (String tensor : HEALTH_TENSORS) {
        healthCounter(flag, tensor);
      }
    }
    Counter.builder("hindsight.worker.lease.losses").description("Runs stopped because their lease was taken over")
        .register(registry);
    Counter.builder("hindsight.worker.resumes").description("Runs resumed from a checkpoint").register(registry);
    Counter.builder("hindsight.worker.lease.expirations")
        .description("Jobs taken over from a worker whose lease expired").register(registry);
  }

  /** A run raised a health flag ({@link HealthFlag}): counted by flag kind and the tensor kind of its quantizer. */
  public void healthFlag(HealthFlag flag) {
    healthCounter(flag.kind(), flag.tensorKind()).increment();
  }

  private Counter healthCounter(String flag, String tensor) {
    return Counter.builder("hindsight.run.health.flags")
        .description("Runs that went wrong: a loss that diverged or a quantizer whose clipped fraction spiked")
        .tag("flag", flag).tag("tensor_kind", tensor).register(registry);
  }

  public void submitted(String backend) {
    Counter.builder("hindsight.jobs.submitted").description("Jobs accepted").tag("backend", backend)
        .register(registry).increment();
  }

  /** A job reached a terminal status after running {@code duration} (this attempt's wall time). */
  public void finished(String status, String backend, Duration duration) {
    String s = status.toLowerCase(Locale.ROOT);
    Counter.builder("hindsight.jobs." + s).description("Jobs that ended " + s).tag("backend", backend)
        .register(registry).increment();
    if (duration != null) {
      Timer.builder("hindsight.job.duration").description("Wall time of job attempts until they ended")
          .tag("status", s).tag("backend", backend).register(registry).record(duration);
    }
  }

  public void testAccuracy(String backend, double accuracy) {
    DistributionSummary.builder("hindsight.job.test.accuracy").description("Final test accuracy of finished jobs")
        .tag("backend", backend).register(registry).record(accuracy);
  }

  public void step(String backend, double seconds, int samples) {
    Timer.builder("hindsight.step.duration").description("Training step time").tag("backend", backend)
        .register(registry).record(Duration.ofNanos((long) (seconds * 1e9)));
    Counter.builder("hindsight.training.samples").description("Training samples processed")
        .tag("backend", backend).register(registry).increment(samples);
  }

  public void samplesPerSecond(String backend, double value) {
    localSamplesPerSecond.computeIfAbsent(backend, b -> new AtomicLong()).set(Double.doubleToLongBits(value));
  }

  public void leaseLost() {
    Counter.builder("hindsight.worker.lease.losses").description("Runs stopped because their lease was taken over")
        .register(registry).increment();
  }

  public void resumed() {
    Counter.builder("hindsight.worker.resumes").description("Runs resumed from a checkpoint").register(registry)
        .increment();
  }

  public void leaseExpired() {
    Counter.builder("hindsight.worker.lease.expirations")
        .description("Jobs taken over from a worker whose lease expired").register(registry).increment();
  }

  /**
   * Records a finished run's {@code plugins.quantization} section: memory traffic totals
   * ({@code bytesMoved}, {@code bytesMovedIfDynamic} under {@code traffic.run}) and, per quantizer
   * in {@code quantizers[]}, clipped fraction and non-finite events by tensor kind and estimator.
   */
  public void quantization(JsonNode q) {
    if (q == null || !q.isObject()) {
      return;
    }
    JsonNode totals = firstObjectWith(q, "bytesMoved");
    String estimator = text(q, "estimator", commonEstimator(q.path("quantizers")));
    if (totals != null) {
      Counter.builder("hindsight.quantization.bytes.moved").description("Bytes moved by quantization")
          .tag("estimator", estimator).register(registry).increment(totals.path("bytesMoved").asDouble(0));
      double ifDynamic = totals.has("bytesMovedIfDynamic") ? totals.path("bytesMovedIfDynamic").asDouble(0)
          : totals.path("bytesIfDynamic").asDouble(0);
      Counter.builder("hindsight.quantization.bytes.moved.if.dynamic")
          .description("Bytes a dynamic quantization scheme would have moved").tag("estimator", estimator)
          .register(registry).increment(ifDynamic);
    }
    JsonNode quantizers = q.path("quantizers");
    if (quantizers.isArray()) {
      for (JsonNode one : quantizers) {
        String kind = text(one, "kind", "unknown");
        String est = text(one, "estimator", estimator);
        if (one.has("clippedFraction")) {
          DistributionSummary.builder("hindsight.quantization.clipped.fraction")
              .description("Fraction of values clipped per quantizer over a run").tag("tensor_kind", kind)
              .tag("estimator", est).register(registry).record(one.path("clippedFraction").asDouble());
        }
        if (one.has("nonFiniteEvents")) {
          Counter.builder("hindsight.quantization.nonfinite.events")
              .description("Range updates rejected because of NaN/Inf values").tag("tensor_kind", kind)
              .tag("estimator", est).register(registry).increment(one.path("nonFiniteEvents").asDouble());
        }
      }
    }
  }

  /**
   * Records a finished run's {@code device} section (runs on {@code cuda} and {@code cuda-sim}):
   * host/device bytes, kernel launches and the bytes moved to quantize as counters, per-step host/device bytes, peak device
   * memory and the memory left allocated at the end as distributions over runs. Tagged by backend
   * only, never by job.
   */
  public void device(String backend, io.hindsight.train.DeviceReport d) {
    if (d == null) {
      return;
    }
    Counter.builder("hindsight.device.bytes.to.device").description("Bytes copied from host to device by runs")
        .tag("backend", backend).register(registry).increment(d.hostToDeviceBytes());
    Counter.builder("hindsight.device.bytes.to.host").description("Bytes copied from device to host by runs")
        .tag("backend", backend).register(registry).increment(d.deviceToHostBytes());
    Counter.builder("hindsight.device.kernel.launches").description("Kernels launched by runs")
        .tag("backend", backend).register(registry).increment(d.kernelLaunches());
    Counter.builder("hindsight.device.quantization.bytes")
        .description("Device bytes the kernels moved to quantize in training steps (measured launch by launch)")
        .baseUnit("bytes").tag("backend", backend).register(registry).increment(d.quantizationBytes());
    DistributionSummary.builder("hindsight.device.step.bytes.to.device")
        .description("Mean bytes copied to the device per training step, per run")
        .tag("backend", backend).register(registry).record(d.hostToDeviceBytesPerStep());
    DistributionSummary.builder("hindsight.device.peak.memory").description("Peak device memory of runs")
        .baseUnit("bytes").tag("backend", backend).register(registry).record(d.peakDeviceBytes());
    DistributionSummary.builder("hindsight.device.live.memory.at.end")
        .description("Device memory still allocated when a run ended (0 unless something leaked)").baseUnit("bytes")
        .tag("backend", backend).register(registry).record(d.liveBytesAtEnd());
  }

  private static JsonNode firstObjectWith(JsonNode q, String field) {
    for (JsonNode n : new JsonNode[] {q, q.path("traffic").path("run"), q.path("traffic"), q.path("totals")}) {
      if (n.isObject() && n.has(field)) {
        return n;
      }
    }
    return null;
  }

  /** The estimator all quantizers share (weights aside, which usually use their own), else "mixed". */
  private static String commonEstimator(JsonNode quantizers) {
    java.util.Set<String> seen = new java.util.TreeSet<>();
    for (JsonNode one : quantizers) {
      if (!"weight".equals(one.path("kind").asText()) && !"weights".equals(one.path("kind").asText())) {
        seen.add(text(one, "estimator", "unknown"));
      }
    }
    return seen.size() == 1 ? seen.iterator().next() : "mixed";
  }

  private static String text(JsonNode n, String field, String def) {
    JsonNode v = n.get(field);
    return v != null && v.isTextual() && v.asText().length() <= 40 ? v.asText() : def;
  }

  private long count(String status) {
    return counts.computeIfAbsent(status, s -> new CachedCount(() -> jdbc.sql(
        "SELECT COUNT(*) FROM jobs WHERE status = ?").param(s).query(Long.class).single())).get();
  }

  /** A database count refreshed at most every 2 seconds. */
  private static final class CachedCount {
    private final Supplier<Long> query;
    private volatile long value;
    private volatile long at;

    CachedCount(Supplier<Long> query) {
      this.query = query;
    }

    long get() {
      long now = System.nanoTime();
      if (at == 0 || now - at > 2_000_000_000L) {
        try {
          value = query.get();
          at = now;
        } catch (RuntimeException e) {
          // database unreachable: keep the last value
        }
      }
      return value;
    }
  }
}
