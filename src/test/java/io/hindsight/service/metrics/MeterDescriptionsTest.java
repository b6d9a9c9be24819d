package io.hindsight.service.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.hindsight.service.support.PrometheusText;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Every family of the Prometheus exposition has HELP text, the meter's own where it has one. */
class MeterDescriptionsTest {

  @Test
  void metersWithoutADescriptionGetOneAndDescribedMetersKeepTheirs() {
    PrometheusMeterRegistry bare = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    register(bare);
    assertThat(PrometheusText.familiesWithoutHelp(bare.scrape()))
        .as("without the filter (what promtool rejected)").contains("http_server_requests_seconds");

    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    registry.config().meterFilter(new MeterDescriptions());
    register(registry);
    String scrape = registry.scrape();
    assertThat(PrometheusText.familiesWithoutHelp(scrape)).isEmpty();
    assertThat(scrape).contains("# HELP http_server_requests_seconds " + MeterDescriptions.KNOWN
            .get("http.server.requests"),
        "# HELP some_work_total Count of some work", "# HELP queue_depth Items waiting");
  }

  private static void register(PrometheusMeterRegistry registry) {
    Timer.builder("http.server.requests").tag("status", "404").register(registry).record(Duration.ofMillis(3));
    Counter.builder("some.work").register(registry).increment();
    Gauge.builder("queue.depth", () -> 2).description("Items waiting").register(registry);
  }
}
