package io.hindsight.service.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Quantization totals and per-tensor-kind statistics become low-cardinality meters. */
class JobMetricsTest {
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  final JobMetrics metrics = new JobMetrics(registry, null);

  @Test
  void quantizationSectionFeedsTrafficCountersAndPerKindMeters() throws Exception {
    metrics.quantization(new ObjectMapper().readTree("""
        {"estimator": "hindsight-minmax", "traffic": {"bytesMoved": 1000, "bytesMovedIfDynamic": 3000},
         "quantizers": [{"name": "fc1/act", "kind": "act", "clippedFraction": 0.25, "nonFiniteEvents": 1},
                        {"name": "fc2/act", "kind": "act", "clippedFraction": 0.75, "nonFiniteEvents": 2},
                        {"name": "fc1/w", "kind": "weight", "estimator": "minmax", "clippedFraction": 0}]}"""));
    assertThat(registry.get("hindsight.quantization.bytes.moved").tag("estimator", "hindsight-minmax").counter()
        .count()).isEqualTo(1000);
    assertThat(registry.get("hindsight.quantization.bytes.moved.if.dynamic").counter().count()).isEqualTo(3000);
    var act = registry.get("hindsight.quantization.clipped.fraction").tag("tensor_kind", "act").summary();
    assertThat(act.count()).isEqualTo(2);
    assertThat(act.mean()).isEqualTo(0.5);
    assertThat(registry.get("hindsight.quantization.clipped.fraction").tag("tensor_kind", "weight")
        .tag("estimator", "minmax").summary().count()).isEqualTo(1);
    assertThat(registry.get("hindsight.quantization.nonfinite.events").tag("tensor_kind", "act").counter().count())
        .isEqualTo(3);
    // no job ids or quantizer names become tags
    registry.getMeters().forEach(m -> m.getId().getTags().forEach(t -> assertThat(t.getValue()).doesNotContain("fc")));
  }

  @Test
  void deviceSectionFeedsPerBackendMeters() {
    metrics.device("cuda-sim", new io.hindsight.train.DeviceReport("software", "software device", 1000, 64, 90.5, 16,
        4, 4096, 0, 77, 5000));
    metrics.device("cpu", null);
    assertThat(registry.get("hindsight.device.bytes.to.device").tag("backend", "cuda-sim").counter().count())
        .isEqualTo(1000);
    assertThat(registry.get("hindsight.device.kernel.launches").counter().count()).isEqualTo(77);
    assertThat(registry.get("hindsight.device.quantization.bytes").tag("backend", "cuda-sim").counter().count())
        .isEqualTo(5000);
    assertThat(registry.get("hindsight.device.step.bytes.to.device").summary().mean()).isEqualTo(90.5);
    assertThat(registry.get("hindsight.device.peak.memory").summary().max()).isEqualTo(4096);
    assertThat(registry.get("hindsight.device.live.memory.at.end").summary().max()).isZero();
  }

  @Test
  void jobOutcomesAreCountedByStatusAndBackend() {
    assertThat(registry.get("hindsight.jobs.failed").tag("backend", "cpu").counter().count()).isZero();
    assertThat(registry.get("hindsight.worker.resumes").counter().count()).isZero();
    metrics.submitted("auto");
    metrics.finished("SUCCEEDED", "cpu", Duration.ofSeconds(3));
    metrics.finished("FAILED", "cpu", Duration.ofSeconds(1));
    metrics.testAccuracy("cpu", 0.9);
    metrics.quantization(null);
    assertThat(registry.get("hindsight.jobs.submitted").tag("backend", "auto").counter().count()).isEqualTo(1);
    assertThat(registry.get("hindsight.jobs.succeeded").tag("backend", "cpu").counter().count()).isEqualTo(1);
    assertThat(registry.get("hindsight.jobs.failed").tag("backend", "cpu").counter().count()).isEqualTo(1);
    assertThat(registry.get("hindsight.job.duration").tag("status", "succeeded").timer().totalTime(
        java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(3);
    assertThat(registry.get("hindsight.job.test.accuracy").summary().mean()).isEqualTo(0.9);
  }

  @Test
  void healthFlagsAreCountedByFlagAndTensorKindFromZero() {
    var divergence = registry.get("hindsight.run.health.flags").tag("flag", "loss-divergence").tag("tensor_kind", "none")
        .counter();
    assertThat(divergence.count()).isZero();
    metrics.healthFlag(new io.hindsight.train.HealthFlag("clipping-spike", 1, "fc2/activation", 0.14, 0.05));
    metrics.healthFlag(new io.hindsight.train.HealthFlag("loss-divergence", 3, null, 3.1, 2.9));
    assertThat(registry.get("hindsight.run.health.flags").tag("flag", "clipping-spike").tag("tensor_kind", "activation")
        .counter().count()).isEqualTo(1);
    assertThat(divergence.count()).isEqualTo(1);
    registry.getMeters().forEach(m -> m.getId().getTags().forEach(t -> assertThat(t.getValue()).doesNotContain("fc")));
  }
}
