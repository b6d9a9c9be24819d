package io.hindsight.service.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.hindsight.backend.ConvGeometry;
import io.hindsight.djl.LibtorchSelfCheck;
import io.hindsight.service.security.ApiKeys;
import io.hindsight.service.support.Api;
import io.hindsight.service.support.Multipart;
import io.hindsight.service.support.PrometheusText;
import io.hindsight.service.support.TestDatabase;
import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import onnx.Onnx.ModelProto;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.autoconfigure.actuate.observability.AutoConfigureObservability;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * End to end over HTTP against PostgreSQL: submit tiny jobs, follow their SSE streams (and resume
 * them), read results, metrics and the model artifact, cancel, fail on NaN, upload a dataset and
 * train on it, idempotent submission, pagination, Prometheus metrics (every family with HELP text).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
    "hindsight.security.api-key=" + Api.KEY,
    "hindsight.worker.poll-interval=100ms",
    "hindsight.worker.threads=1",
    "hindsight.worker.cpu-concurrency=1",
    "hindsight.worker.step-pause=15ms",
    "hindsight.worker.checkpoint-every-steps=5",
    "hindsight.events.progress-interval=50ms",
    "hindsight.events.poll-interval=100ms"})
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
@AutoConfigureObservability
class JobApiEndToEndTest {
  @DynamicPropertySource
  static void db(DynamicPropertyRegistry r) throws Exception {
    TestDatabase.register(r, TestDatabase.freshSchema());
    Path dir = Files.createTempDirectory("hs-e2e");
    r.add("hindsight.data-dir", dir::toString);
  }

  @LocalServerPort
  int port;
  @Autowired
  ApiKeys keys;
  @Autowired
  IdempotencyStore idempotency;
  @Autowired
  org.springframework.jdbc.core.simple.JdbcClient jdbc;
  Api api;

  @BeforeEach
  void setUp() {
    api = new Api(port);
  }

  @Test
  void submitFollowEventsThenReadResultMetricsAndModel() throws Exception {
    HttpResponse<String> created = api.post("/api/v1/jobs", Api.tinySpec(""));
    assertThat(created.statusCode()).isEqualTo(201);
    String id = api.json(created).path("id").asText();
    assertThat(created.headers().firstValue("Location")).hasValue("/api/v1/jobs/" + id);
    assertThat(api.json(created).path("status").asText()).isEqualTo("QUEUED");

    List<Api.Sse> events = api.events(id, null);
    List<String> statuses = events.stream().filter(e -> "status".equals(e.event()))
        .map(e -> e.data().path("status").asText()).toList();
    assertThat(statuses).containsSubsequence("QUEUED", "RUNNING", "SUCCEEDED");
    assertThat(events.stream().filter(e -> "epoch".equals(e.event()))).hasSize(2);
    assertThat(events.stream().filter(e -> "progress".equals(e.event()))).isNotEmpty();
    List<Long> ids = events.stream().map(e -> Long.parseLong(e.id())).toList();
    assertThat(ids).isSorted().doesNotHaveDuplicates();

    // resume after the third event: exactly the rest
    List<Api.Sse> rest = api.events(id, events.get(2).id());
    assertThat(rest.stream().map(Api.Sse::id).toList())
        .isEqualTo(events.subList(3, events.size()).stream().map(Api.Sse::id).toList());

    JsonNode job = api.job(id);
    assertThat(job.path("status").asText()).isEqualTo("SUCCEEDED");
    assertThat(job.path("attempt").asInt()).isEqualTo(1);
    assertThat(job.path("backend").asText()).isEqualTo("cpu");
    assertThat(job.path("progress").path("globalStep").asLong()).isEqualTo(16);
    assertThat(job.path("latestMetrics").path("epoch").asInt()).isEqualTo(2);
    assertThat(job.path("history")).hasSize(3);

    JsonNode result = api.json(api.get("/api/v1/jobs/" + id + "/result"));
    assertThat(result.path("steps").asLong()).isEqualTo(16);
    assertThat(result.path("epochs")).hasSize(2);
    assertThat(result.path("testAccuracy").asDouble()).isEqualTo(job.path("latestMetrics").path("testAccuracy")
        .asDouble());
    assertThat(result.path("provenance").path("backend").asText()).isEqualTo("cpu");

    JsonNode metrics = api.json(api.get("/api/v1/jobs/" + id + "/metrics"));
    assertThat(metrics.path("epochs")).hasSize(2);
    assertThat(metrics.path("epochs").get(1).path("testAccuracy").asDouble())
        .isEqualTo(result.path("testAccuracy").asDouble());

    HttpResponse<byte[]> zip = api.http().send(api.request("/api/v1/jobs/" + id + "/artifacts/model").GET().build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertThat(zip.statusCode()).isEqualTo(200);
    Map<String, byte[]> entries = new HashMap<>();
    try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip.body()))) {
      for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
        entries.put(e.getName(), in.readAllBytes());
      }
    }
    JsonNode manifest = Api.JSON.readTree(entries.get("manifest.json"));
    assertThat(manifest.path("format").asText()).isEqualTo("hindsight-model/1");
    assertThat(manifest.path("arch").asText()).isEqualTo("mlp");
    assertThat(manifest.path("tensors")).hasSize(6); // 3 Linear layers: weight + bias
    long params = 0;
    for (JsonNode t : manifest.path("tensors")) {
      long n = 1;
      for (JsonNode d : t.path("shape")) {
        n *= d.asLong();
      }
      params += n;
      byte[] data = entries.get(t.path("file").asText());
      assertThat(data).hasSize((int) n * 4);
      float first = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).getFloat();
      assertThat(Float.isFinite(first)).isTrue();
    }
    assertThat(params).isEqualTo(result.path("provenance").path("parameters").asLong());
    assertThat(manifest.path("onnx").asText()).isEqualTo("model.onnx");
    assertThat(entries.get("model.onnx")).isNotEmpty();
    HttpResponse<byte[]> onnxFile = api.send(api.request("/api/v1/jobs/" + id + "/artifacts/onnx").GET().build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertThat(onnxFile.statusCode()).isEqualTo(200);
    assertThat(onnxFile.headers().firstValue("Content-Type")).hasValue("application/octet-stream");
    ModelProto fp32 = ModelProto.parseFrom(onnxFile.body());
    assertThat(fp32.getGraph().getNodeList()).extracting(n -> n.getOpType()).contains("Gemm", "Relu")
        .doesNotContain("QuantizeLinear");

    // this job ran without quantization
    HttpResponse<String> q = api.get("/api/v1/jobs/" + id + "/quantizers");
    assertThat(q.statusCode()).isEqualTo(404);
    assertThat(q.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    assertThat(api.get("/api/v1/jobs/" + id + "/ranges?format=svg&quantizer=x").statusCode()).isEqualTo(404);
  }

  @Test
  void quantizedJobServesItsQuantizersRangesAndTrafficMetrics() throws Exception {
    String id = api.submit(Api.tinySpec("").replaceFirst("\\{", "{\"quantization\": {}, "));
    api.awaitStatus(id, "SUCCEEDED", Duration.ofSeconds(90));
    JsonNode q = api.json(api.get("/api/v1/jobs/" + id + "/quantizers"));
    assertThat(q.path("quantizers").size()).isGreaterThanOrEqualTo(3);
    assertThat(q.path("traffic").path("run").path("bytesMoved").asLong()).isPositive();
    String name = q.path("quantizers").get(0).path("name").asText();
    JsonNode ranges = api.json(api.get("/api/v1/jobs/" + id + "/ranges?quantizer=" + name.replace("/", "%2F")));
    assertThat(ranges.path("rows").size()).isPositive();
    ranges.path("rows").forEach(r -> assertThat(r.path("quantizer").asText()).isEqualTo(name));
    HttpResponse<String> svg = api.send(api.request("/api/v1/jobs/" + id + "/ranges?quantizer=" + name)
        .header("Accept", "image/svg+xml").GET().build());
    assertThat(svg.statusCode()).isEqualTo(200);
    assertThat(svg.body()).startsWith("<svg").contains("<polyline");
    HttpResponse<byte[]> zip = api.send(api.request("/api/v1/jobs/" + id + "/artifacts/model").GET().build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertThat(zip.statusCode()).isEqualTo(200);
    HttpResponse<byte[]> qdq = api.send(api.request("/api/v1/jobs/" + id + "/artifacts/onnx").GET().build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertThat(qdq.statusCode()).isEqualTo(200);
    assertThat(ModelProto.parseFrom(qdq.body()).getGraph().getNodeList())
        .extracting(n -> n.getName()).contains("fc1/activation/quantize", "fc1/weight/dequantize");

    // an activation range taken from each batch has no QDQ form: the zip says why, /onnx is a 409 problem
    String dynamic = api.submit(Api.tinySpec("").replaceFirst("\\{",
        "{\"quantization\": {\"activations\": {\"estimator\": \"current-minmax\"}}, "));
    api.awaitStatus(dynamic, "SUCCEEDED", Duration.ofSeconds(90));
    HttpResponse<String> refused = api.get("/api/v1/jobs/" + dynamic + "/artifacts/onnx");
    assertThat(refused.statusCode()).isEqualTo(409);
    assertThat(refused.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    assertThat(api.json(refused).path("detail").asText()).contains("no ONNX form", "current-minmax");
    String metrics = api.get("/actuator/prometheus").body();
    assertThat(metrics).contains("hindsight_quantization_bytes_moved_total",
        "hindsight_quantization_bytes_moved_if_dynamic_total", "hindsight_quantization_clipped_fraction");
  }

  @Test
  void compareRunsTheSpecPerEstimatorAndTabulatesTheResults() {
    String id = api.submit(Api.tinySpec("").replaceFirst("\\{", "{\"quantization\": {}, "));
    assertThat(api.get("/api/v1/jobs/" + id + "/compare").statusCode()).isEqualTo(404);
    HttpResponse<String> bad = api.post("/api/v1/jobs/" + id + "/compare", "{\"estimators\": [\"nope\"]}");
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(api.json(bad).path("field").asText()).isEqualTo("estimators[0]");
    assertThat(api.post("/api/v1/jobs/" + id + "/compare", "{}").statusCode()).isEqualTo(400);
    assertThat(api.post("/api/v1/jobs/" + id + "/compare", "{\"estimators\": [\"dsgc\"], \"x\": 1}").statusCode())
        .isEqualTo(400);

    HttpResponse<String> started = api.post("/api/v1/jobs/" + id + "/compare",
        "{\"estimators\": [\"hindsight-minmax\", \"current-minmax\"]}");
    assertThat(started.statusCode()).isEqualTo(201);
    JsonNode rows = api.json(started).path("rows");
    assertThat(rows).hasSize(3);
    assertThat(rows.get(0).path("variant").asText()).isEqualTo("fp32");
    for (JsonNode r : rows) {
      api.awaitStatus(r.path("jobId").asText(), "SUCCEEDED", Duration.ofSeconds(90));
    }
    JsonNode table = api.json(api.get("/api/v1/jobs/" + id + "/compare"));
    assertThat(table.path("rows")).hasSize(3);
    assertThat(table.path("rows").get(0).path("deltaToFp32").asDouble()).isZero();
    assertThat(table.path("rows").get(0).path("bytesMoved").isNull()).isTrue();
    for (int i = 1; i < 3; i++) {
      JsonNode r = table.path("rows").get(i);
      assertThat(r.path("testAccuracy").isNumber()).isTrue();
      assertThat(r.path("bytesMoved").asLong()).isPositive();
      assertThat(r.path("bytesMovedIfDynamic").asLong()).isGreaterThanOrEqualTo(r.path("bytesMoved").asLong());
    }
    JsonNode hindsight = api.job(table.path("rows").get(1).path("jobId").asText());
    assertThat(hindsight.path("spec").path("quantization").path("activations").path("estimator").asText())
        .isEqualTo("hindsight-minmax");
  }

  @Test
  void cancelStopsARunningJobAndCancelsAQueuedOne() {
    String longJob = api.submit(Api.tinySpec(", \"epochs\": 60").replace("\"epochs\": 2, ", ""));
    api.awaitJob(longJob, Duration.ofSeconds(60), j -> j.path("progress").path("globalStep").asLong() >= 6);
    String queued = api.submit(Api.tinySpec(""));
    HttpResponse<String> c1 = api.post("/api/v1/jobs/" + queued + "/cancel", "");
    assertThat(c1.statusCode()).isEqualTo(200);
    assertThat(api.json(c1).path("status").asText()).isEqualTo("CANCELLED");

    HttpResponse<String> c2 = api.post("/api/v1/jobs/" + longJob + "/cancel", "");
    assertThat(c2.statusCode()).isEqualTo(202);
    assertThat(api.json(c2).path("status").asText()).isEqualTo("CANCELLING");
    JsonNode done = api.awaitStatus(longJob, "CANCELLED", Duration.ofSeconds(30));
    List<String> history = new ArrayList<>();
    done.path("history").forEach(h -> history.add(h.path("status").asText()));
    assertThat(history).containsExactly("QUEUED", "RUNNING", "CANCELLING", "CANCELLED");
    assertThat(done.path("history").get(3).path("message").asText()).contains("checkpoint kept");
    assertThat(done.path("progress").path("globalStep").asLong()).isLessThan(60 * 8);
    assertThat(api.post("/api/v1/jobs/" + longJob + "/cancel", "").statusCode()).isEqualTo(200);
    assertThat(api.get("/api/v1/jobs/" + longJob + "/result").statusCode()).isEqualTo(409);
    assertThat(api.get("/api/v1/jobs/" + longJob + "/artifacts/model").statusCode()).isEqualTo(409);
    HttpResponse<String> noOnnx = api.get("/api/v1/jobs/" + longJob + "/artifacts/onnx");
    assertThat(noOnnx.statusCode()).isEqualTo(409);
    assertThat(noOnnx.headers().firstValue("Content-Type")).hasValue("application/problem+json");

    String finished = api.submit(Api.tinySpec(""));
    api.awaitStatus(finished, "SUCCEEDED", Duration.ofSeconds(60));
    HttpResponse<String> c3 = api.post("/api/v1/jobs/" + finished + "/cancel", "");
    assertThat(c3.statusCode()).isEqualTo(409);
  }

  @Test
  void djlBaselineJobRecordsItsLibtorchSelfCheckAndKeepsAFailureInTheHistory() {
    // cnn at width 0.125 (8-channel conv2): a shape libtorch got wrong on one AVX-512 VM; two steps only,
    // since where libtorch is wrong the loss may turn NaN (patience 3 is not reached)
    String spec = """
        {"engine": "djl", "model": {"arch": "cnn", "width": 0.125},
         "dataset": {"name": "synthetic", "trainLimit": 64, "testLimit": 64},
         "training": {"epochs": 1, "batchSize": 32, "seed": 7}}""";
    String id = api.submit(spec);
    JsonNode job = api.awaitStatus(id, "SUCCEEDED", Duration.ofSeconds(120));
    JsonNode result = api.json(api.get("/api/v1/jobs/" + id + "/result"));
    assertThat(result.path("provenance").path("engine").asText()).isEqualTo("djl");
    JsonNode check = result.path("provenance").path("selfChecks").path(0);
    assertThat(check.path("name").asText()).isEqualTo("libtorchConvInputGradient");
    LibtorchSelfCheck.Result expected = LibtorchSelfCheck.check(List.of(new ConvGeometry(2, 4, 14, 14, 8, 3, 3, 1, 1, 1)));
    assertThat(check.path("passed").asBoolean()).isEqualTo(expected.passed());
    assertThat(check.path("detail").asText()).isEqualTo(expected.describe());
    List<String> warnings = new ArrayList<>();
    job.path("history").forEach(h -> {
      if (h.path("message").asText().startsWith("warning: ")) {
        warnings.add(h.path("message").asText());
      }
    });
    if (expected.passed()) {
      assertThat(warnings).isEmpty();
    } else {
      assertThat(warnings).singleElement().asString().contains("libtorchConvInputGradient").contains("DOES NOT match");
    }
  }

  @Test
  void nanLossFailsWithThatReason() {
    String id = api.submit(Api.tinySpec(", \"learningRate\": 10, \"momentum\": 0.99, \"nonFinitePatience\": 2"));
    JsonNode j = api.awaitStatus(id, "FAILED", Duration.ofSeconds(60));
    assertThat(j.path("failureReason").asText()).startsWith("numerical instability").contains("NaN/Inf");
    assertThat(api.get("/api/v1/jobs/" + id + "/result").statusCode()).isEqualTo(409);
    // the run-health flag, where the loss went NaN/Inf first, is in the job's history
    List<String> health = new ArrayList<>();
    j.path("history").forEach(h -> {
      if (h.path("message").asText().startsWith("health: ")) {
        health.add(h.path("message").asText());
      }
    });
    assertThat(health).singleElement().asString().startsWith("health: loss-divergence: the train loss diverged at step ");
  }

  @Test
  void idempotencyKeyReplaysConflictsAndRejectsAnotherBody() {
    String body = Api.tinySpec("");
    HttpRequest first = api.request("/api/v1/jobs").header("Idempotency-Key", "k-1")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build();
    HttpResponse<String> a = api.send(first);
    HttpResponse<String> b = api.send(first);
    assertThat(a.statusCode()).isEqualTo(201);
    assertThat(b.statusCode()).isEqualTo(201);
    assertThat(b.body()).isEqualTo(a.body());
    assertThat(b.headers().firstValue("Location")).isEqualTo(a.headers().firstValue("Location"));

    HttpResponse<String> other = api.send(api.request("/api/v1/jobs").header("Idempotency-Key", "k-1")
        .POST(HttpRequest.BodyPublishers.ofString(Api.tinySpec(", \"seed\": 8").replace("\"seed\": 7 ,", ""))).build());
    assertThat(other.statusCode()).isEqualTo(422);
    assertThat(api.json(other).path("field").asText()).isEqualTo("Idempotency-Key");

    String keyId = keys.authenticate(Api.KEY).orElseThrow().keyId();
    String inFlightBody = Api.tinySpec(", \"learningRate\": 0.01");
    assertThat(idempotency.reserve(keyId, "k-2", ApiKeys.sha256(inFlightBody))).isEmpty();
    HttpResponse<String> busy = api.send(api.request("/api/v1/jobs").header("Idempotency-Key", "k-2")
        .POST(HttpRequest.BodyPublishers.ofString(inFlightBody)).build());
    assertThat(busy.statusCode()).isEqualTo(409);
    // a reservation left IN_FLIGHT by a server that died is taken over once it is stale
    jdbc.sql("UPDATE idempotency_keys SET created_at = ? WHERE idem_key = 'k-2'")
        .param(java.sql.Timestamp.from(java.time.Instant.now().minus(IdempotencyStore.STALE).minusSeconds(1)))
        .update();
    HttpResponse<String> retaken = api.send(api.request("/api/v1/jobs").header("Idempotency-Key", "k-2")
        .POST(HttpRequest.BodyPublishers.ofString(inFlightBody)).build());
    assertThat(retaken.statusCode()).isEqualTo(201);

    // a refused submission frees its key
    HttpResponse<String> bad = api.send(api.request("/api/v1/jobs").header("Idempotency-Key", "k-3")
        .POST(HttpRequest.BodyPublishers.ofString("{\"model\": {}}")).build());
    assertThat(bad.statusCode()).isEqualTo(400);
    HttpResponse<String> good = api.send(api.request("/api/v1/jobs").header("Idempotency-Key", "k-3")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build());
    assertThat(good.statusCode()).isEqualTo(201);
  }

  @Test
  void listingPagesThroughEveryJobOnce() {
    Set<String> submitted = new HashSet<>();
    for (int i = 0; i < 5; i++) {
      submitted.add(api.submit(Api.tinySpec("")));
    }
    List<String> seen = new ArrayList<>();
    String token = null;
    int pages = 0;
    do {
      JsonNode page = api.json(api.get("/api/v1/jobs?pageSize=2" + (token == null ? "" : "&pageToken=" + token)));
      assertThat(page.path("jobs").size()).isLessThanOrEqualTo(2);
      page.path("jobs").forEach(j -> seen.add(j.path("id").asText()));
      token = page.path("nextPageToken").isTextual() ? page.path("nextPageToken").asText() : null;
      pages++;
    } while (token != null && pages < 100);
    assertThat(seen).doesNotHaveDuplicates().containsAll(submitted);
    for (String id : submitted) {
      api.awaitJob(id, Duration.ofSeconds(90), j -> j.path("status").asText().equals("SUCCEEDED"));
    }
    JsonNode succeeded = api.json(api.get("/api/v1/jobs?status=SUCCEEDED&pageSize=100"));
    succeeded.path("jobs").forEach(j -> assertThat(j.path("status").asText()).isEqualTo("SUCCEEDED"));
    assertThat(api.get("/api/v1/jobs?status=QUEUED&pageToken=" + api.json(api.get("/api/v1/jobs?pageSize=1"))
        .path("nextPageToken").asText()).statusCode()).isEqualTo(400);
  }

  @Test
  void uploadedDatasetTrainsByIdAndServerPathsAreRefused() {
    int[] train = Multipart.labels(96, 1);
    int[] test = Multipart.labels(32, 3);
    Multipart m = new Multipart().field("name", "stripes")
        .file("trainImages", Multipart.idxImages(train, 28)).file("trainLabels", Multipart.idxLabels(train))
        .file("testImages", Multipart.idxImages(test, 28)).file("testLabels", Multipart.idxLabels(test));
    HttpResponse<String> up = api.send(api.request("/api/v1/datasets").header("Content-Type", m.contentType())
        .POST(HttpRequest.BodyPublishers.ofByteArray(m.body())).build());
    assertThat(up.statusCode()).isEqualTo(201);
    JsonNode ds = api.json(up);
    assertThat(ds.path("trainExamples").asInt()).isEqualTo(96);
    assertThat(ds.path("specName").asText()).isEqualTo("upload:" + ds.path("id").asText());
    assertThat(api.json(api.get("/api/v1/datasets")).toString()).contains(ds.path("id").asText());

    String spec = """
        {"model": {"arch": "mlp"}, "dataset": {"name": "%s"}, "training": {"epochs": 1, "batchSize": 16}}"""
        .formatted(ds.path("specName").asText());
    String id = api.submit(spec);
    api.awaitStatus(id, "SUCCEEDED", Duration.ofSeconds(60));
    String result = api.get("/api/v1/jobs/" + id + "/result").body();
    assertThat(result).contains("upload:" + ds.path("id").asText()).doesNotContain("hs-e2e");
    assertThat(api.json(api.get("/api/v1/jobs/" + id + "/result")).path("provenance").path("dataset")
        .path("trainExamples").asInt()).isEqualTo(96);

    HttpResponse<String> path = api.post("/api/v1/jobs",
        "{\"model\": {\"arch\": \"mlp\"}, \"dataset\": {\"name\": \"mnist\", \"path\": \"/etc\"}}");
    assertThat(path.statusCode()).isEqualTo(400);
    assertThat(api.json(path).path("field").asText()).isEqualTo("dataset.path");
    HttpResponse<String> unknown = api.post("/api/v1/jobs", spec.replace(ds.path("id").asText(),
        "00000000-0000-0000-0000-000000000000"));
    assertThat(unknown.statusCode()).isEqualTo(422);
    assertThat(api.json(unknown).path("field").asText()).isEqualTo("dataset.name");
  }

  @Test
  void cudaSimJobRunsOnTheCpuPoolReportsItsDeviceAndFeedsTheDeviceMetrics() {
    String id = api.submit(Api.tinySpec("").replaceFirst("\\{", "{\"backend\": \"cuda-sim\", "));
    api.awaitStatus(id, "SUCCEEDED", Duration.ofSeconds(120));
    assertThat(api.json(api.get("/api/v1/jobs/" + id)).path("backend").asText()).isEqualTo("cuda-sim");
    JsonNode device = api.json(api.get("/api/v1/jobs/" + id + "/result")).path("device");
    assertThat(device.path("kind").asText()).isEqualTo("software");
    assertThat(device.path("liveBytesAtEnd").asLong()).isZero();
    assertThat(device.path("deviceToHostBytesPerStep").asDouble()).isEqualTo(16.0);
    assertThat(device.path("kernelLaunches").asLong()).isPositive();
    String metrics = api.get("/actuator/prometheus").body();
    for (String series : new String[] {"hindsight_device_bytes_to_device_total", "hindsight_device_bytes_to_host_total",
        "hindsight_device_kernel_launches_total", "hindsight_device_peak_memory_bytes_max",
        "hindsight_device_live_memory_at_end_bytes_max", "hindsight_device_step_bytes_to_device_sum"}) {
      assertThat(metrics).containsPattern(series + "\\{[^}]*backend=\"cuda-sim\"");
    }
    assertThat(metrics).doesNotContain(id);
  }

  @Test
  void prometheusNeedsAKeyAndExportsJobMetrics() {
    String id = api.submit(Api.tinySpec(""));
    api.awaitStatus(id, "SUCCEEDED", Duration.ofSeconds(60));
    HttpResponse<String> open = api.send(HttpRequest.newBuilder(java.net.URI.create(api.base()
        + "/actuator/prometheus")).GET().build());
    assertThat(open.statusCode()).isEqualTo(401);
    assertThat(api.get("/api/v1/jobs/00000000-0000-4000-8000-000000000000").statusCode()).isEqualTo(404);
    String text = api.get("/actuator/prometheus").body();
    assertThat(text).contains("hindsight_jobs_submitted_total", "hindsight_jobs_succeeded_total",
        "hindsight_jobs_queued", "hindsight_jobs_running", "hindsight_job_duration_seconds",
        "hindsight_step_duration_seconds", "hindsight_training_samples_total", "hindsight_job_test_accuracy");
    assertThat(text).containsPattern("http_server_requests_seconds_count\\{[^}]*status=\"404\"");
    assertThat(PrometheusText.familiesWithoutHelp(text)).as("families without HELP text").isEmpty();
    assertThat(text).doesNotContain(id);
    HttpResponse<String> health = api.send(HttpRequest.newBuilder(java.net.URI.create(api.base()
        + "/actuator/health/readiness")).GET().build());
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(api.send(HttpRequest.newBuilder(java.net.URI.create(api.base() + "/actuator/env")).GET().build())
        .statusCode()).isEqualTo(404);
  }
}
