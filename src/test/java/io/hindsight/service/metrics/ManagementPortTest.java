package io.hindsight.service.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.hindsight.service.support.Api;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.autoconfigure.actuate.observability.AutoConfigureObservability;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The documented Prometheus set-up for scrapers without a key: actuator on a separate management
 * port, open there (keep that port internal), and absent from the API port; the API still needs
 * its key.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
    "hindsight.security.api-key=" + Api.KEY, "hindsight.worker.enabled=false", "management.server.port=0",
    "hindsight.security.protect-prometheus=false"})
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
@AutoConfigureObservability
class ManagementPortTest {
  @DynamicPropertySource
  static void dataDir(DynamicPropertyRegistry r) throws Exception {
    Path dir = Files.createTempDirectory("hs-mgmt");
    r.add("hindsight.data-dir", dir::toString);
  }

  @LocalServerPort
  int port;
  @LocalManagementPort
  int managementPort;

  @Test
  void prometheusIsOpenOnTheManagementPortOnly() {
    Api api = new Api(port);
    var scrape = api.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort
        + "/actuator/prometheus")).GET().build());
    assertThat(scrape.statusCode()).isEqualTo(200);
    assertThat(scrape.body()).contains("hindsight_jobs_queued");
    var health = api.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort
        + "/actuator/health/liveness")).GET().build());
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(api.send(HttpRequest.newBuilder(URI.create(api.base() + "/actuator/prometheus")).GET().build())
        .statusCode()).isEqualTo(404);
    assertThat(api.send(HttpRequest.newBuilder(URI.create(api.base() + "/api/v1/jobs")).GET().build())
        .statusCode()).isEqualTo(401);
  }
}
