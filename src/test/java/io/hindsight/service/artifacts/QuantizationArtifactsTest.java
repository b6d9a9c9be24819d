package io.hindsight.service.artifacts;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.hindsight.service.queue.CheckpointStore;
import io.hindsight.service.jobs.JobRepository;
import io.hindsight.quant.RangesCsv;
import io.hindsight.service.support.Api;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * {@code /quantizers} and {@code /ranges} serve a finished job's {@code plugins.quantization}
 * section and its run folder's {@code ranges.csv} (as JSON, CSV or SVG). The job here is a stored
 * SUCCEEDED job with such a result and ranges file, as a quantized run leaves them.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {"hindsight.security.api-key=" + Api.KEY, "hindsight.worker.enabled=false"})
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class QuantizationArtifactsTest {
  static final String SECTION = """
      {"estimator": "hindsight-minmax", "bytesMoved": 1000, "bytesMovedIfDynamic": 3000,
       "quantizers": [{"name": "fc1/act", "kind": "act", "clippedFraction": 0.01, "nonFiniteEvents": 0},
                      {"name": "fc1/<w>", "kind": "weight", "clippedFraction": 0.0, "nonFiniteEvents": 2}]}""";

  @DynamicPropertySource
  static void dataDir(DynamicPropertyRegistry r) throws Exception {
    Path dir = Files.createTempDirectory("hs-quant");
    r.add("hindsight.data-dir", dir::toString);
  }

  @LocalServerPort
  int port;
  @Autowired
  JobRepository jobs;
  @Autowired
  JdbcClient jdbc;
  @Autowired
  CheckpointStore checkpoints;
  Api api;
  String id;

  @BeforeEach
  void storeAQuantizedJob() throws Exception {
    api = new Api(port);
    id = UUID.randomUUID().toString();
    jobs.insert(new JobRepository.NewJob(id, "{}", "{}", "cpu", null), null);
    jdbc.sql("UPDATE jobs SET status = 'SUCCEEDED', result = ?, finished_at = ? WHERE id = ?")
        .params("{\"testAccuracy\": 0.9, \"plugins\": {\"quantization\": " + SECTION + "}}",
            Timestamp.from(Instant.now()), id).update();
    Path run = checkpoints.dir(id);
    Files.createDirectories(run);
    Files.writeString(run.resolve("ranges.csv"), """
        step,quantizer,usedMin,usedMax,observedMin,observedMax,clippedFraction
        0,fc1/act,-1.0,1.0,-1.5,1.2,0.02
        0,fc1/<w>,-0.5,0.5,-0.4,0.6,0.0
        1,fc1/act,-1.5,1.2,-1.4,1.1,0.0
        1,fc1/<w>,-0.4,0.6,-0.4,0.5,0.0
        2,fc1/act,-1.4,1.1,NaN,1.3,0.01
        1,fc1/act,-1.5,1.2,-1.4,1.1,0.0
        3,fc1/act,-1.4,1.3,-1.
        """);
  }

  @Test
  void quantizersServeTheResultSection() throws Exception {
    HttpResponse<String> r = api.get("/api/v1/jobs/" + id + "/quantizers");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(api.json(r)).isEqualTo(Api.JSON.readTree(SECTION));
  }

  @Test
  void rangesAsJsonCsvAndSvg() {
    JsonNode all = api.json(api.get("/api/v1/jobs/" + id + "/ranges"));
    assertThat(all.path("rows")).hasSize(5); // the torn last line is skipped, a resumed run's repeat merged
    JsonNode act = api.json(api.get("/api/v1/jobs/" + id + "/ranges?quantizer=fc1/act"));
    assertThat(act.path("rows")).hasSize(3);
    assertThat(act.path("rows").get(1).path("usedMin").asDouble()).isEqualTo(-1.5);

    HttpResponse<String> csv = api.send(api.request("/api/v1/jobs/" + id + "/ranges?quantizer=fc1/act")
        .header("Accept", "text/csv").GET().build());
    assertThat(csv.headers().firstValue("Content-Type").orElse("")).startsWith("text/csv");
    assertThat(csv.body().lines()).hasSize(4).first().isEqualTo(RangesCsv.HEADER);

    HttpResponse<String> svg = api.send(api.request("/api/v1/jobs/" + id + "/ranges?quantizer=fc1/%3Cw%3E")
        .header("Accept", "image/svg+xml").GET().build());
    assertThat(svg.statusCode()).isEqualTo(200);
    assertThat(svg.headers().firstValue("Content-Type").orElse("")).startsWith("image/svg+xml");
    assertThat(svg.body()).startsWith("<svg").contains("<polyline", "fc1/&lt;w&gt;").doesNotContain("fc1/<w>");
    assertThat(api.get("/api/v1/jobs/" + id + "/ranges?format=svg&quantizer=fc1/act").body()).startsWith("<svg");

    HttpResponse<String> noQuantizer = api.get("/api/v1/jobs/" + id + "/ranges?format=svg");
    assertThat(noQuantizer.statusCode()).isEqualTo(400);
    assertThat(api.json(noQuantizer).path("field").asText()).isEqualTo("quantizer");
    HttpResponse<String> unknown = api.get("/api/v1/jobs/" + id + "/ranges?quantizer=conv9/act");
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(api.json(unknown).path("field").asText()).isEqualTo("quantizer");
    assertThat(api.get("/api/v1/jobs/" + id + "/ranges?format=pdf").statusCode()).isEqualTo(400);
  }
}
