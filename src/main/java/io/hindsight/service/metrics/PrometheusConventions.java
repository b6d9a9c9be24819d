package io.hindsight.service.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.config.MeterFilterReply;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.util.Map;
import java.util.Set;
import org.springframework.stereotype.Component;

/**
 * Keeps Micrometer's JVM and system meters within Prometheus's naming rules, so
 * {@code promtool check metrics} passes on the whole scrape. Three of them break a rule:
 * {@code jvm.compilation.time} and {@code process.cpu.time} count milliseconds and nanoseconds
 * ({@code jvm_compilation_time_ms_total}, {@code process_cpu_time_ns_total}: abbreviated, non-base
 * units), and the gauge {@code system.cpu.count} ends in {@code _count}, a suffix reserved for
 * histograms and summaries. The first two are replaced by the same counts in seconds
 * ({@code jvm_compilation_time_seconds_total}, {@code process_cpu_time_seconds_total}); the gauge
 * is exported as {@code system_cpu_processors}.
 */
@Component
public class PrometheusConventions implements MeterFilter, MeterBinder {
  /** Meters whose base unit is a fraction of a second, by name, with that unit. */
  static final Map<String, Set<String>> SUB_SECOND_COUNTERS = Map.of(
      "jvm.compilation.time", Set.of("ms", "milliseconds"), "process.cpu.time", Set.of("ns", "nanoseconds"));
  static final Map<String, String> RENAMED = Map.of("system.cpu.count", "system.cpu.processors");

  @Override
  public MeterFilterReply accept(Meter.Id id) {
    Set<String> units = SUB_SECOND_COUNTERS.get(id.getName());
    return units != null && units.contains(id.getBaseUnit()) ? MeterFilterReply.DENY : MeterFilterReply.NEUTRAL;
  }

  @Override
  public Meter.Id map(Meter.Id id) {
    String name = RENAMED.get(id.getName());
    return name == null ? id : id.withName(name);
  }

  /** The denied counters again, in seconds. */
  @Override
  public void bindTo(MeterRegistry registry) {
    CompilationMXBean compiler = ManagementFactory.getCompilationMXBean();
    if (compiler != null && compiler.isCompilationTimeMonitoringSupported()) {
      FunctionCounter.builder("jvm.compilation.time", compiler, c -> c.getTotalCompilationTime() / 1e3)
          .description("Time the JIT compiler has spent compiling").tag("compiler", compiler.getName())
          .baseUnit("seconds").register(registry);
    }
    OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.OperatingSystemMXBean process && process.getProcessCpuTime() >= 0) {
      FunctionCounter.builder("process.cpu.time", process, p -> p.getProcessCpuTime() / 1e9)
          .description("CPU time the service's JVM process has used").baseUnit("seconds").register(registry);
    }
  }
}
