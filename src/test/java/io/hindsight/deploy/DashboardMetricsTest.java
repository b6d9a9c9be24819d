package io.hindsight.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.hindsight.service.HindsightServiceApplication;
import io.hindsight.service.metrics.JobMetrics;
import io.hindsight.service.support.Api;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.autoconfigure.actuate.observability.AutoConfigureObservability;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Every metric the Grafana dashboard and the Prometheus alert rules query is one the service
 * exports: the names come from a real scrape of {@code /actuator/prometheus} of a service (embedded
 * H2) that has trained a tiny quantized job, after the rarer events (failures, lease losses, resumes) went
 * through the service's own {@link JobMetrics}, so a renamed meter breaks this test, not a chart.
 */
@SpringBootTest(classes = HindsightServiceApplication.class,
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
    "hindsight.security.api-key=" + Api.KEY,
    "hindsight.worker.poll-interval=100ms",
    "hindsight.worker.threads=1",
    "hindsight.events.progress-interval=50ms"})
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
@AutoConfigureObservability
class DashboardMetricsTest {
  private static final Path DASHBOARD = Path.of("deploy/grafana/dashboards/hindsight.json");
  private static final Path RULES = Path.of("deploy/prometheus/rules/hindsight.rules.yml");
  /** Series Prometheus makes itself, not the service. */
  private static final Set<String> PROMETHEUS_MADE = Set.of("up");
  private static final ObjectMapper JSON = new ObjectMapper();

  @DynamicPropertySource
  static void dataDir(DynamicPropertyRegistry r) throws IOException {
    Path dir = Files.createTempDirectory("hs-dashboard");
    r.add("hindsight.data-dir", dir::toString);
  }

  @LocalServerPort
  int port;
  @Autowired
  JobMetrics metrics;

  @Test
  void everyDashboardAndAlertQuerySelectsAnExportedSeries() throws Exception {
    Api api = new Api(port);
    String id = api.submit("""
        {"model": {"arch": "mlp"}, "dataset": {"name": "synthetic", "trainLimit": 256, "testLimit": 64},
         "training": {"epochs": 1, "batchSize": 32, "seed": 7}, "quantization": {}}""");
    api.awaitStatus(id, "SUCCEEDED", Duration.ofSeconds(120));
    // What a healthy tiny run does not produce, through the service's own meter definitions.
    metrics.finished("FAILED", "cpu", Duration.ofSeconds(1));
    metrics.finished("CANCELLED", "cpu", Duration.ofSeconds(1));
    metrics.leaseLost();
    metrics.leaseExpired();
    metrics.resumed();

    Map<String, Set<String>> used = new TreeMap<>();
    for (JsonNode panel : JSON.readTree(DASHBOARD.toFile()).path("panels")) {
      for (JsonNode target : panel.path("targets")) {
        used.put("panel '" + panel.path("title").asText() + "': " + target.path("expr").asText(),
            PromQl.metricNames(target.path("expr").asText()));
      }
    }
    for (JsonNode group : new ObjectMapper(new YAMLFactory()).readTree(RULES.toFile()).path("groups")) {
      for (JsonNode rule : group.path("rules")) {
        used.put("alert " + rule.path("alert").asText() + ": " + rule.path("expr").asText(),
            PromQl.metricNames(rule.path("expr").asText()));
      }
    }

    assertThat(used).hasSizeGreaterThan(20);
    Set<String> all = new TreeSet<>();
    used.forEach((where, names) -> {
      assertThat(names).as("metric names in %s", where).isNotEmpty();
      all.addAll(names);
    });
    assertThat(all).as("the quantities the issue asks for").contains("hindsight_jobs_queued",
        "hindsight_jobs_running", "hindsight_training_samples_total", "hindsight_quantization_bytes_moved_total",
        "hindsight_quantization_bytes_moved_if_dynamic_total", "hindsight_quantization_clipped_fraction_sum",
        "hindsight_quantization_nonfinite_events_total", "hindsight_job_test_accuracy_sum",
        "hindsight_step_duration_seconds_bucket", "hindsight_worker_lease_losses_total",
        "hindsight_worker_resumes_total", "hindsight_jobs_failed_total", "up");
    // The service records a run's metrics just after it marks the job SUCCEEDED: scrape until all
    // are there (or 15 s have passed), then say which are missing.
    Set<String> exported = Set.of();
    for (long until = System.nanoTime() + 15_000_000_000L; System.nanoTime() < until; Thread.sleep(200)) {
      exported = exportedSeries(api.get("/actuator/prometheus").body());
      if (exported.containsAll(all.stream().filter(n -> !PROMETHEUS_MADE.contains(n)).toList())) {
        break;
      }
    }
    Set<String> scraped = exported;
    used.forEach((where, names) -> names.stream().filter(n -> !PROMETHEUS_MADE.contains(n)).forEach(n ->
        assertThat(scraped).as("%s (in %s) is exported by /actuator/prometheus", n, where).contains(n)));
  }

  @Test
  void metricNamesAreFoundInTheShapesOurQueriesUse() {
    assertThat(PromQl.metricNames("histogram_quantile(0.9, sum by (le, backend) "
        + "(rate(hindsight_step_duration_seconds_bucket{backend=~\"cpu|cuda\"}[$__rate_interval])))"))
        .containsExactly("hindsight_step_duration_seconds_bucket");
    assertThat(PromQl.metricNames("sum(a_total unless a_total offset 30m) > 0 or sum(increase(b_total[1h])) >= 1e3"))
        .containsExactly("a_total", "b_total");
    assertThat(PromQl.metricNames("min_over_time(max(q)[30m:1m]) > 0 and deriv(max(q)[30m:1m]) > 0"))
        .containsExactly("q");
    assertThat(PromQl.metricNames("sum(x) / on (backend) group_left (status) y or vector(0)"))
        .containsExactly("x", "y");
    assertThat(PromQl.metricNames("absent(up{job=\"hindsight\"})")).containsExactly("up");
  }

  /** Sample names of a Prometheus text exposition ({@code name{labels} value}). */
  private static Set<String> exportedSeries(String exposition) {
    Set<String> names = new TreeSet<>();
    exposition.lines().filter(l -> !l.isBlank() && !l.startsWith("#"))
        .forEach(l -> names.add(l.split("[{ ]", 2)[0]));
    return names;
  }
}
