package io.hindsight.service.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hindsight.service.support.Api;
import io.hindsight.service.support.Multipart;
import io.hindsight.service.support.TestDatabase;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.autoconfigure.actuate.observability.AutoConfigureObservability;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A generated corpus of malformed and invalid requests (wrong types, missing and unknown fields,
 * out-of-range and huge values, invalid UTF-8, oversized bodies, bad ids, path tricks, bad query
 * parameters, bad auth, bad uploads, another key's ids, admin paths without an admin key, bad and
 * duplicate key names, over-quota requests): every one must be answered 4xx with a problem+json
 * body and no internals, never 5xx; valid submissions interleaved with them must all be kept, and
 * the service must be healthy afterwards.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
    "hindsight.security.api-key=" + Api.KEY,
    "hindsight.worker.enabled=false",
    "spring.servlet.multipart.max-file-size=64KB",
    "spring.servlet.multipart.max-request-size=256KB",
    "hindsight.limits.max-active-jobs-per-key=12",
    "hindsight.limits.max-dataset-bytes-per-key=50000",
    // the corpus is hundreds of requests in a burst: the request-rate limit (its own tests) stays out of it
    "hindsight.limits.requests-per-second=1000000", "hindsight.limits.request-burst=1000000"})
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
@AutoConfigureObservability
class BadInputCorpusTest {
  static final String UNKNOWN = "00000000-0000-4000-8000-000000000000";

  @DynamicPropertySource
  static void db(DynamicPropertyRegistry r) throws Exception {
    TestDatabase.register(r, TestDatabase.freshSchema());
    Path dir = Files.createTempDirectory("hs-bad");
    r.add("hindsight.data-dir", dir::toString);
  }

  @LocalServerPort
  int port;
  @Autowired
  JdbcClient jdbc;

  /** One corpus entry: what it is, the request, and the field the problem must name (or null). */
  record Case(String name, Supplier<HttpRequest> request, String field, int status) {
    Case(String name, Supplier<HttpRequest> request, String field) {
      this(name, request, field, 0);
    }
  }

  @Test
  void everyBadRequestGetsA4xxProblemAndNothingAcceptedIsLost() throws Exception {
    Api api = new Api(port);
    List<String> accepted = new ArrayList<>();
    List<Case> corpus = corpus(api, accepted);
    assertThat(corpus.size()).isGreaterThanOrEqualTo(200);
    System.out.printf("bad-input corpus: %d requests%n", corpus.size());
    List<String> failures = new ArrayList<>();
    int i = 0;
    for (Case c : corpus) {
      HttpResponse<String> r;
      try {
        r = api.http().send(c.request().get(), HttpResponse.BodyHandlers.ofString());
      } catch (java.io.IOException e) {
        failures.add(c.name() + ": connection failed: " + e);
        continue;
      }
      String problem = check(c, r);
      if (problem != null) {
        failures.add(c.name() + ": " + problem);
      }
      if (++i % 40 == 0) {
        accepted.add(api.submit(Api.tinySpec(""))); // valid work interleaved with the garbage
      }
    }
    assertThat(failures).as("requests not answered with a proper 4xx problem").isEmpty();

    JsonNode health = api.json(api.send(HttpRequest.newBuilder(URI.create(api.base() + "/actuator/health"))
        .GET().build()));
    assertThat(health.path("status").asText()).isEqualTo("UP");
    accepted.add(api.submit(Api.tinySpec("")));
    List<String> stored = jdbc.sql("SELECT id FROM jobs").query(String.class).list();
    assertThat(stored).containsExactlyInAnyOrderElementsOf(accepted);
    for (String id : accepted) {
      assertThat(api.job(id).path("status").asText()).as(id).isEqualTo("QUEUED");
    }
    assertThat(api.get("/actuator/prometheus").body()).doesNotContain("status=\"5");
  }

  private static String check(Case c, HttpResponse<String> r) {
    int s = r.statusCode();
    if (s < 400 || s >= 500 || (c.status() != 0 && s != c.status())) {
      return "status " + s + (c.status() != 0 ? " (expected " + c.status() + ")" : "") + " " + r.body();
    }
    if (s == 429 && r.headers().firstValue("Retry-After").filter(v -> v.matches("[1-9][0-9]*")).isEmpty()) {
      return "429 without a Retry-After of whole seconds";
    }
    String ct = r.headers().firstValue("Content-Type").orElse("");
    if (!ct.startsWith("application/problem+json")) {
      return "content type '" + ct + "' (status " + s + ") " + r.body();
    }
    JsonNode p;
    try {
      p = Api.JSON.readTree(r.body());
    } catch (Exception e) {
      return "unparseable problem body " + r.body();
    }
    if (p.path("status").asInt() != s || !p.hasNonNull("title") || !p.hasNonNull("detail")) {
      return "incomplete problem " + r.body();
    }
    String body = r.body();
    if (body.contains("Exception") || body.contains("\tat ") || body.contains("io.hindsight.")
        || body.contains("org.springframework")) {
      return "leaks internals: " + body;
    }
    String path = r.request().uri().getRawPath();
    if (java.util.Set.of(401, 403, 404, 409, 429).contains(s)
        && !OpenApiContractTest.documented(r.request().method(), path, s)) {
      return "answered " + s + ", which openapi.yaml does not document for " + r.request().method() + " " + path;
    }
    if (c.field() != null && !p.path("field").asText().startsWith(c.field())) {
      return "field '" + p.path("field").asText() + "', expected '" + c.field() + "': " + body;
    }
    return null;
  }

  private List<Case> corpus(Api api, List<String> accepted) {
    List<Case> out = new ArrayList<>();
    tenancy(api, accepted, out);
    specMutations(api, out);
    rawBodies(api, out);
    badIds(api, out);
    pathTricks(api, out);
    queryParams(api, out);
    auth(api, out);
    methods(api, out);
    uploads(api, out);
    return out;
  }

  /**
   * Another key's resources (404 exactly as unknown ids), admin paths with an ordinary key (403),
   * bad and taken key names (400, 409), a revoked key (401), over-quota submissions and uploads (429).
   */
  private void tenancy(Api api, List<String> accepted, List<Case> out) {
    String[] other = newKey(api, "other");
    Api owner = api.as(other[1]);
    String theirJob = owner.submit(Api.tinySpec(""));
    accepted.add(theirJob);
    Multipart small = dataset(10);
    HttpResponse<String> up = owner.send(owner.request("/api/v1/datasets").header("Content-Type",
        small.contentType()).POST(HttpRequest.BodyPublishers.ofByteArray(small.body())).build());
    assertThat(up.statusCode()).as(up.body()).isEqualTo(201);
    String theirDataset = api.json(up).path("id").asText();
    Api tenant = api.as(newKey(api, "tenant")[1]);
    String[] jobEndpoints = {"GET /api/v1/jobs/%s", "POST /api/v1/jobs/%s/cancel", "GET /api/v1/jobs/%s/events",
        "GET /api/v1/jobs/%s/metrics", "GET /api/v1/jobs/%s/result", "GET /api/v1/jobs/%s/artifacts/model",
        "GET /api/v1/jobs/%s/quantizers", "GET /api/v1/jobs/%s/ranges", "GET /api/v1/jobs/%s/compare",
        "POST /api/v1/jobs/%s/compare", "GET /api/v1/datasets/%s", "DELETE /api/v1/datasets/%s"};
    for (String e : jobEndpoints) {
      String[] mp = e.split(" ");
      String path = mp[1].formatted(e.contains("datasets") ? theirDataset : theirJob);
      String body = mp[1].endsWith("compare") ? "{\"estimators\": [\"current-minmax\"]}" : "";
      out.add(new Case("another key's " + e, () -> tenant.request(path).header("Content-Type", "application/json")
          .method(mp[0], HttpRequest.BodyPublishers.ofString(body)).build(), null, 404));
    }
    byte[] theirData = Api.tinySpec("").replace("\"synthetic\"", "\"upload:" + theirDataset + "\"")
        .getBytes(StandardCharsets.UTF_8);
    out.add(new Case("another key's dataset in a spec", () -> postJob(tenant, theirData), "dataset.name", 422));
    String[][] admin = {{"GET", "/api/v1/admin/keys", ""}, {"POST", "/api/v1/admin/keys", "{\"name\": \"x\"}"},
        {"POST", "/api/v1/admin/keys", "{\"name\": \"x\", \"admin\": true}"},
        {"DELETE", "/api/v1/admin/keys/" + other[0], ""}, {"DELETE", "/api/v1/admin/keys/" + UNKNOWN, ""}};
    for (String[] a : admin) {
      out.add(new Case("ordinary key on " + a[0] + " " + a[1] + " " + a[2], () -> tenant.request(a[1])
          .header("Content-Type", "application/json").method(a[0], HttpRequest.BodyPublishers.ofString(a[2]))
          .build(), "Authorization", 403));
    }
    for (String body : new String[] {"{\"name\": \"\"}", "{\"name\": \"a b\"}", "{\"name\": \"../x\"}",
        "{\"name\": \"" + "n".repeat(65) + "\"}", "{\"name\": \"é\"}", "{\"name\": 5}", "{\"name\": null}",
        "{\"name\": \"ok\", \"admin\": \"true\"}", "{\"name\": \"ok\", \"admin\": 1}",
        "{\"name\": \"ok\", \"role\": \"root\"}", "{}", "[]", "", "{", "{\"name\": [\"x\"]}"}) {
      out.add(new Case("key body " + body, () -> api.request("/api/v1/admin/keys").header("Content-Type",
          "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(), null, 400));
    }
    out.add(new Case("duplicate key name", () -> api.request("/api/v1/admin/keys").header("Content-Type",
        "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"name\": \"other\"}")).build(), "name",
        409));
    for (String id : new String[] {"abc", UNKNOWN.replace('0', 'A'), "x".repeat(500)}) {
      out.add(new Case("revoke key id=" + id, () -> api.request("/api/v1/admin/keys/" + id).DELETE().build(), "id",
          400));
    }
    out.add(new Case("revoke unknown key", () -> api.request("/api/v1/admin/keys/" + UNKNOWN).DELETE().build(), null,
        404));
    String[] revoked = newKey(api, "revoked");
    assertThat(api.delete("/api/v1/admin/keys/" + revoked[0]).statusCode()).isEqualTo(204);
    out.add(new Case("revoked key", () -> api.as(revoked[1]).request("/api/v1/jobs").GET().build(), "Authorization",
        401));
    // quotas: "other" has 1 active job of 12 and one 15748-byte upload of 50000
    Api quota = api.as(newKey(api, "quota")[1]);
    String quotaJob = null;
    for (int i = 0; i < 12; i++) {
      quotaJob = quota.submit(Api.tinySpec(""));
      accepted.add(quotaJob);
    }
    String compared = quotaJob;
    byte[] one = Api.tinySpec("").getBytes(StandardCharsets.UTF_8);
    out.add(new Case("a 13th active job", () -> postJob(quota, one), null, 429));
    out.add(new Case("a comparison over the active-jobs quota", () -> quota.request("/api/v1/jobs/"
        + compared + "/compare").header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"estimators\": [\"current-minmax\"]}")).build(), null, 429));
    Multipart big = dataset(40);
    byte[] bigBody = big.body();
    out.add(new Case("upload over the storage quota", () -> owner.request("/api/v1/datasets").header("Content-Type",
        big.contentType()).POST(HttpRequest.BodyPublishers.ofByteArray(bigBody)).build(), null, 429));
  }

  /** Creates an ordinary key: its id and the key. */
  private static String[] newKey(Api admin, String name) {
    HttpResponse<String> r = admin.post("/api/v1/admin/keys", "{\"name\": \"" + name + "\"}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    JsonNode k = admin.json(r);
    return new String[] {k.path("id").asText(), k.path("key").asText()};
  }

  /** A valid upload of {@code n} training and {@code n} test images (28x28). */
  private static Multipart dataset(int n) {
    int[] l = Multipart.labels(n, 0);
    return full(Multipart.idxImages(l, 28), Multipart.idxLabels(l), Multipart.idxImages(l, 28), Multipart.idxLabels(l));
  }

  private static HttpRequest postJob(Api api, byte[] body) {
    return api.request("/api/v1/jobs").header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
  }

  private void specMutations(Api api, List<Case> out) {
    Object[][] fields = {
        {"model.arch", new Object[] {5, true, null, "\"\"", "\"resnet1000\"", "{}", "[]"}},
        {"model.width", new Object[] {"\"1\"", 0, -1, 100, 1e308, true, "\"NaN\"", 4.0}},
        {"model.dropout", new Object[] {1, -0.1, "\"0.1\""}},
        {"dataset.name", new Object[] {5, "\"imagenet\"", "\"upload:not-a-uuid\"", "\"upload:../../etc\"",
            "\"upload:" + UNKNOWN + "\"", null, "\"UPLOAD:x\""}},
        {"dataset.path", new Object[] {"\"/etc\"", "\"../..\"", "\"\"", "\"/usr/share/datasets/mnist\""}},
        {"dataset.trainLimit", new Object[] {0, -5, 2.5, "\"10\"", 1e10, 99999999999L, 100001}},
        {"dataset.testLimit", new Object[] {0, 20000000, false}},
        {"dataset.augment.cropPadding", new Object[] {9, -1, "\"2\""}},
        {"dataset.augment.flip", new Object[] {1, "\"yes\""}},
        {"training.epochs", new Object[] {0, -1, 1001, 101, 2.5, "\"5\"", true, 1e100, "[]"}},
        {"training.batchSize", new Object[] {0, 5000, 2000, "\"x\""}},
        {"training.learningRate", new Object[] {0, -1, 11, "\"0.1\"", true}},
        {"training.momentum", new Object[] {1, -0.5}},
        {"training.nesterov", new Object[] {"\"true\"", 1}},
        {"training.weightDecay", new Object[] {1, -1}},
        {"training.schedule", new Object[] {"\"linear\"", 5}},
        {"training.warmupEpochs", new Object[] {-1, 100}},
        {"training.stepEpochs", new Object[] {3}},
        {"training.gamma", new Object[] {0.5}},
        {"training.seed", new Object[] {"\"x\"", 1.5}},
        {"training.threads", new Object[] {-1, 5000}},
        {"training.nonFinitePatience", new Object[] {-1, 5000}},
        {"backend", new Object[] {"\"tpu\"", "\"cuda\"", 1}},
        {"engine", new Object[] {"\"torch\"", 0}},
        {"checkpoint.everySteps", new Object[] {-1, "\"5\"", 2000000}},
        {"model.foo", new Object[] {1}}, {"dataset.foo", new Object[] {1}}, {"training.foo", new Object[] {1}},
        {"checkpoint.foo", new Object[] {1}}, {"foo", new Object[] {1}}, {"quantisation", new Object[] {"{}"}},
        {"model", new Object[] {"\"mlp\"", "[]", 5}}, {"dataset", new Object[] {5, "\"synthetic\""}},
        {"training", new Object[] {"[]", 1}}, {"checkpoint", new Object[] {5, "\"x\""}},
    };
    for (Object[] f : fields) {
      String path = (String) f[0];
      for (Object v : (Object[]) f[1]) {
        ObjectNode spec = base();
        set(spec, path, v);
        String expected = path.contains(".") ? path.substring(0, path.indexOf('.')) : path;
        if (path.equals("dataset.path")) {
          expected = "dataset.path";
        }
        byte[] body = spec.toString().getBytes(StandardCharsets.UTF_8);
        out.add(new Case("spec " + path + "=" + v, () -> postJob(api, body), expected));
      }
    }
    for (String missing : new String[] {"model", "dataset", "model.arch", "dataset.name"}) {
      ObjectNode spec = base();
      String[] p = missing.split("\\.");
      (p.length == 1 ? spec : (ObjectNode) spec.get(p[0])).remove(p[p.length - 1]);
      byte[] body = spec.toString().getBytes(StandardCharsets.UTF_8);
      out.add(new Case("spec missing " + missing, () -> postJob(api, body), missing));
    }
  }

  private void rawBodies(Api api, List<Case> out) {
    List<byte[]> bodies = new ArrayList<>();
    for (String s : new String[] {"", " ", "{", "}", "[]", "null", "123", "\"str\"", "{\"model\":",
        "{\"model\":{\"arch\":\"mlp\"},\"model\":{\"arch\":\"cnn\"},\"dataset\":{\"name\":\"synthetic\"}}",
        base() + " {}", base() + "x", "{'model': 1}", "{model: {arch: mlp}}", "<job><model/></job>",
        "{\"model\":{\"arch\":\"mlp\"},\"dataset\":{\"name\":\"synthetic\"},\"training\":{\"epochs\":1e999999}}",
        "[".repeat(5000), "{\"a\":".repeat(3000), "{\"model\": {\"arch\": \"mlp\u0000\"}}",
        "{\"model\":{\"arch\":\"mlp\"},\"dataset\":{\"name\":\"" + "s".repeat(30000) + "\"}}"}) {
      bodies.add(s.getBytes(StandardCharsets.UTF_8));
    }
    byte[] valid = base().toString().getBytes(StandardCharsets.UTF_8);
    for (byte[] bad : new byte[][] {{(byte) 0xff, (byte) 0xfe}, {(byte) 0xc0, (byte) 0xaf}, {(byte) 0x80},
        {(byte) 0xe2, (byte) 0x82}, {(byte) 0xed, (byte) 0xa0, (byte) 0x80}, {(byte) 0xf8, (byte) 0x88}}) {
      byte[] b = new byte[valid.length + bad.length];
      System.arraycopy(valid, 0, b, 0, 20);
      System.arraycopy(bad, 0, b, 20, bad.length);
      System.arraycopy(valid, 20, b, 20 + bad.length, valid.length - 20);
      bodies.add(b);
    }
    for (byte[] b : bodies) {
      out.add(new Case("body " + new String(b, 0, Math.min(b.length, 30), StandardCharsets.ISO_8859_1),
          () -> postJob(api, b), null));
    }
    byte[] big = ("{\"model\":{\"arch\":\"mlp\"},\"pad\":\"" + "x".repeat(70_000) + "\"}").getBytes(StandardCharsets.UTF_8);
    out.add(new Case("oversized body", () -> postJob(api, big), null));
    byte[] huge = new byte[1 << 20];
    out.add(new Case("1 MiB body", () -> postJob(api, huge), null));
    out.add(new Case("oversized chunked body", () -> api.request("/api/v1/jobs").header("Content-Type",
        "application/json").POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big)))
        .build(), null));
    out.add(new Case("idempotency key too long", () -> api.request("/api/v1/jobs").header("Idempotency-Key",
        "k".repeat(300)).POST(HttpRequest.BodyPublishers.ofByteArray(valid)).build(), "Idempotency-Key"));
    out.add(new Case("idempotency key with spaces", () -> api.request("/api/v1/jobs").header("Idempotency-Key",
        "a b").POST(HttpRequest.BodyPublishers.ofByteArray(valid)).build(), "Idempotency-Key"));
  }

  private void badIds(Api api, List<Case> out) {
    String[] ids = {"abc", "123", "00000000-0000-0000-0000-00000000000g", UNKNOWN.toUpperCase(),
        "..%2F..%2Fetc%2Fpasswd", "%2e%2e", "x".repeat(500), UNKNOWN, "%E2%82%AC", "null"};
    String[] endpoints = {"GET /api/v1/jobs/%s", "POST /api/v1/jobs/%s/cancel", "GET /api/v1/jobs/%s/events",
        "GET /api/v1/jobs/%s/metrics", "GET /api/v1/jobs/%s/result", "GET /api/v1/jobs/%s/artifacts/model",
        "GET /api/v1/jobs/%s/artifacts/onnx",
        "GET /api/v1/jobs/%s/quantizers", "GET /api/v1/jobs/%s/ranges", "GET /api/v1/datasets/%s",
        "DELETE /api/v1/datasets/%s", "GET /api/v1/jobs/%s/compare", "DELETE /api/v1/admin/keys/%s"};
    for (String e : endpoints) {
      for (String id : ids) {
        String[] mp = e.split(" ");
        String path = mp[1].formatted(id);
        out.add(new Case(e + " id=" + id, () -> api.request(path)
            .method(mp[0], HttpRequest.BodyPublishers.noBody()).build(), null));
      }
    }
  }

  private void pathTricks(Api api, List<Case> out) {
    for (String p : new String[] {"/api/v1/jobs/..%2f..%2fetc%2fpasswd/result", "/api/v1/jobs/%2e%2e/%2e%2e/etc/passwd",
        "/api/v1/jobs/" + UNKNOWN + "/artifacts/..%2F..%2Fmodel", "/api/v1/jobs/" + UNKNOWN + "/artifacts/model%00.zip",
        "/api/v1/jobs/" + UNKNOWN + "/artifacts/../../../../etc/passwd", "/api/v1/jobs/%252e%252e/result",
        "/api/v1/datasets/..%5c..%5cwindows", "/api/v1/jobs/" + UNKNOWN + "/artifacts/checkpoint.bin",
        "/api/v1/jobs/" + UNKNOWN + "/artifacts/", "/api/v2/jobs", "/api/v1/nothing", "/api/v1/jobs/" + UNKNOWN
        + "/ranges/../../x", "/api/v1/jobs/;x=1", "/api/v1/jobs/%C0%AE%C0%AE/result"}) {
      out.add(new Case("path " + p, () -> api.request(p).GET().build(), null));
    }
  }

  private void queryParams(Api api, List<Case> out) {
    String token = Base64.getUrlEncoder().withoutPadding().encodeToString("v1:-5:".getBytes(StandardCharsets.UTF_8));
    String token2 = Base64.getUrlEncoder().withoutPadding().encodeToString("v1:abc:".getBytes(StandardCharsets.UTF_8));
    String[][] q = {{"pageSize=0", "pageSize"}, {"pageSize=-1", "pageSize"}, {"pageSize=101", "pageSize"},
        {"pageSize=abc", "pageSize"}, {"pageSize=1e3", "pageSize"}, {"pageSize=99999999999", "pageSize"},
        {"pageToken=garbage!", "pageToken"}, {"pageToken=", "pageToken"}, {"pageToken=" + token, "pageToken"},
        {"pageToken=" + token2, "pageToken"}, {"status=running", "status"}, {"status=FOO", "status"},
        {"status=%00", "status"}};
    for (String[] c : q) {
      out.add(new Case("query " + c[0], () -> api.request("/api/v1/jobs?" + c[0]).GET().build(), c[1]));
    }
    for (String h : new String[] {"abc", "-1", "1e5", "99999999999999999999"}) {
      out.add(new Case("Last-Event-ID " + h, () -> api.request("/api/v1/jobs/" + UNKNOWN + "/events")
          .header("Last-Event-ID", h).GET().build(), null));
    }
  }

  private void auth(Api api, List<Case> out) {
    String[] headers = {null, "Basic dXNlcjpwYXNz", "Bearer ", "Bearer wrong-key", "bearer", "Token " + Api.KEY,
        "Bearer " + Api.KEY + "x", "Bearer " + "k".repeat(5000), "Bearer \u00e9\u00e8"};
    String[][] targets = {{"GET", "/api/v1/jobs"}, {"POST", "/api/v1/jobs"}, {"GET", "/api/v1/datasets"},
        {"GET", "/actuator/prometheus"}};
    for (String[] t : targets) {
      for (String h : headers) {
        out.add(new Case("auth " + t[0] + " " + t[1] + " " + (h == null ? "none" : h.substring(0, Math.min(20,
            h.length()))), () -> {
              HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(api.base() + t[1]))
                  .timeout(Duration.ofSeconds(30)).method(t[0], HttpRequest.BodyPublishers.ofString(base().toString()));
              if (h != null) {
                b.header("Authorization", h.replaceAll("[^\\x20-\\x7e]", "?"));
              }
              return b.build();
            }, "Authorization"));
      }
    }
  }

  private void methods(Api api, List<Case> out) {
    String[][] m = {{"PUT", "/api/v1/jobs"}, {"DELETE", "/api/v1/jobs/" + UNKNOWN}, {"PATCH", "/api/v1/jobs/" + UNKNOWN},
        {"GET", "/api/v1/jobs/" + UNKNOWN + "/cancel"}, {"DELETE", "/api/v1/datasets"}, {"PUT", "/api/v1/datasets/"
        + UNKNOWN}, {"PUT", "/api/v1/admin/keys"}, {"PATCH", "/api/v1/admin/keys/" + UNKNOWN},
        {"DELETE", "/api/v1/admin/keys"}};
    for (String[] x : m) {
      out.add(new Case(x[0] + " " + x[1], () -> api.request(x[1]).method(x[0], HttpRequest.BodyPublishers
          .ofString("{}")).build(), null));
    }
  }

  private void uploads(Api api, List<Case> out) {
    int[] l = Multipart.labels(20, 0);
    byte[] img = Multipart.idxImages(l, 28);
    byte[] lab = Multipart.idxLabels(l);
    byte[] truncated = java.util.Arrays.copyOf(img, img.length / 2);
    byte[] badLabels = Multipart.idxLabels(new int[] {1, 2, 12});
    byte[] fewLabels = Multipart.idxLabels(Multipart.labels(19, 0));
    byte[] tiny = Multipart.idxImages(l, 4);
    byte[] tooBig = Multipart.idxImages(Multipart.labels(40, 0), 64); // over the 64KB part limit
    Object[][] cases = {
        {"no parts", new Multipart().field("name", "x"), null},
        {"missing testLabels", new Multipart().file("trainImages", img).file("trainLabels", lab)
            .file("testImages", img), "testLabels"},
        {"not idx", full(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}, lab, img, lab), "trainImages"},
        {"truncated images", full(truncated, lab, img, lab), "trainImages"},
        {"labels as images", full(lab, lab, img, lab), "trainImages"},
        {"images as labels", full(img, img, img, lab), "trainLabels"},
        {"label out of range", full(img, badLabels, img, lab), "trainLabels"},
        {"count mismatch", full(img, fewLabels, img, lab), "trainLabels"},
        {"test count mismatch", full(img, lab, img, fewLabels), "testLabels"},
        {"4x4 images", full(tiny, lab, tiny, lab), "trainImages"},
        {"test size differs", full(img, lab, tiny, lab), "testImages"},
        {"empty part", full(new byte[0], lab, img, lab), "trainImages"},
        {"part over the limit", full(tooBig, lab, img, lab), null},
        {"name too long", full(img, lab, img, lab).field("name", "n".repeat(300)), "name"},
    };
    for (Object[] c : cases) {
      Multipart m = (Multipart) c[1];
      byte[] body = m.body();
      out.add(new Case("upload " + c[0], () -> api.request("/api/v1/datasets").header("Content-Type", m.contentType())
          .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), (String) c[2]));
    }
    out.add(new Case("upload broken multipart", () -> api.request("/api/v1/datasets")
        .header("Content-Type", "multipart/form-data; boundary=zzz")
        .POST(HttpRequest.BodyPublishers.ofString("--zzz\r\ngarbage")).build(), null));
    out.add(new Case("upload as json", () -> api.request("/api/v1/datasets").header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), null));
  }

  private static Multipart full(byte[] trainImages, byte[] trainLabels, byte[] testImages, byte[] testLabels) {
    return new Multipart().file("trainImages", trainImages).file("trainLabels", trainLabels)
        .file("testImages", testImages).file("testLabels", testLabels);
  }

  private static ObjectNode base() {
    try {
      return (ObjectNode) Api.JSON.readTree(Api.tinySpec(""));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static void set(ObjectNode root, String path, Object value) {
    String[] p = path.split("\\.");
    ObjectNode node = root;
    for (int i = 0; i < p.length - 1; i++) {
      node = node.get(p[i]) instanceof ObjectNode o ? o : node.putObject(p[i]);
    }
    try {
      node.set(p[p.length - 1], Api.JSON.readTree(value == null ? "null" : value.toString()));
    } catch (Exception e) {
      throw new IllegalStateException(path + "=" + value, e);
    }
  }
}
