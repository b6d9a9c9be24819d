package io.hindsight.service.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.binder.jvm.JvmCompilationMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

/** Micrometer's JVM and system meters come out under names Prometheus's linter accepts, values in seconds. */
class PrometheusConventionsTest {

  @Test
  void subSecondCountersAreInSecondsAndNoGaugeEndsInCount() {
    PrometheusMeterRegistry bare = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new JvmCompilationMetrics().bindTo(bare);
    new ProcessorMetrics().bindTo(bare);
    assertThat(bare.scrape()).as("Micrometer's own names (what promtool rejected)")
        .contains("jvm_compilation_time_ms_total", "process_cpu_time_ns_total", "system_cpu_count ");

    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    PrometheusConventions conventions = new PrometheusConventions();
    registry.config().meterFilter(conventions);
    new JvmCompilationMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    conventions.bindTo(registry);
    String scrape = registry.scrape();
    assertThat(scrape).doesNotContain("_ms_total", "_ns_total", "system_cpu_count")
        .contains("jvm_compilation_time_seconds_total{", "process_cpu_time_seconds_total ", "system_cpu_processors ");
    double cpuSeconds = registry.get("process.cpu.time").functionCounter().count();
    double nanos = bare.get("process.cpu.time").functionCounter().count();
    assertThat(cpuSeconds).as("the same CPU time, in seconds").isPositive().isCloseTo(nanos / 1e9,
        org.assertj.core.data.Offset.offset(5.0));
  }
}
