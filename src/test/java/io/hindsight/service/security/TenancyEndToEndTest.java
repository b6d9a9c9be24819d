package io.hindsight.service.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.hindsight.service.support.Api;
import io.hindsight.service.support.Multipart;
import io.hindsight.service.support.Replica;
import io.hindsight.service.support.TestDatabase;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Tenancy end to end, with two non-admin keys (alice, bob) and the bootstrap admin key, on two
 * replicas sharing one PostgreSQL schema (workers off: jobs stay queued, which keeps it fast).
 * Every endpoint that takes an id answers another key's id exactly as an unknown id; lists and
 * their pagination hold only the caller's own; the admin key sees and acts on everything; the job
 * history names the key that submitted or cancelled; a key revoked on one replica is refused on
 * the other at once; the active-jobs, storage and request-rate quotas answer 429 with Retry-After;
 * one key's submissions racing on both replicas cannot overshoot its active-jobs quota.
 */
class TenancyEndToEndTest {
  static final String UNKNOWN = "00000000-0000-4000-8000-000000000000";
  static Replica a;
  static Replica b;

  @BeforeAll
  static void start() throws Exception {
    String schema = TestDatabase.freshSchema();
    Path data = Files.createTempDirectory("hs-tenancy");
    a = Replica.start(schema, data, "node-a", "hindsight.worker.enabled=false",
        "hindsight.limits.max-active-jobs-per-key=4", "hindsight.limits.max-dataset-bytes-per-key=20000");
    // the second replica limits the request rate hard: 5 at once, then one every 5 s
    b = Replica.start(schema, data, "node-b", "hindsight.worker.enabled=false",
        "hindsight.limits.max-active-jobs-per-key=4",
        "hindsight.limits.requests-per-second=0.2", "hindsight.limits.request-burst=5");
  }

  @AfterAll
  static void stop() {
    if (a != null) {
      a.close();
    }
    if (b != null) {
      b.close();
    }
  }

  @Test
  void keysSeeOnlyTheirOwnAdminsSeeAllRevocationIsImmediateAndQuotasAnswer429() {
    Api admin = a.api();

    // admin API: create (plaintext once), validation, duplicates, listing without secrets, 403 for others
    JsonNode aliceKey = createKey(admin, "alice", false);
    JsonNode bobKey = createKey(admin, "bob", false);
    assertThat(aliceKey.path("admin").asBoolean()).isFalse();
    assertThat(aliceKey.path("key").asText()).startsWith("hs_").hasSize(51);
    assertThat(aliceKey.path("createdAt").asText()).isNotEmpty();
    assertProblem(admin.post("/api/v1/admin/keys", "{\"name\": \"alice\"}"), 409, "name");
    for (String bad : new String[] {"{\"name\": \"\"}", "{\"name\": \"has space\"}", "{\"name\": \"-x\"}",
        "{\"name\": \"" + "n".repeat(65) + "\"}", "{}", "{\"name\": \"ok\", \"admin\": \"yes\"}",
        "{\"name\": \"ok\", \"owner\": 1}", "[]", ""}) {
      assertThat(admin.post("/api/v1/admin/keys", bad).statusCode()).as(bad).isEqualTo(400);
    }
    HttpResponse<String> listed = admin.get("/api/v1/admin/keys");
    assertThat(listed.statusCode()).isEqualTo(200);
    assertThat(listed.body()).doesNotContain(aliceKey.path("key").asText()).doesNotContain("\"key\"")
        .contains("\"alice\"", "\"bob\"", "\"bootstrap\"");
    Api alice = admin.as(aliceKey.path("key").asText());
    Api bob = admin.as(bobKey.path("key").asText());
    assertProblem(alice.get("/api/v1/admin/keys"), 403, "Authorization");
    assertProblem(alice.post("/api/v1/admin/keys", "{\"name\": \"mallory\", \"admin\": true}"), 403,
        "Authorization");
    assertProblem(alice.delete("/api/v1/admin/keys/" + bobKey.path("id").asText()), 403, "Authorization");

    // work of both keys, interleaved: alice a1 b1 a2 b2 a3
    String a1 = alice.submit(Api.tinySpec(""));
    String b1 = bob.submit(Api.tinySpec(""));
    String a2 = alice.submit(Api.tinySpec(""));
    String b2 = bob.submit(Api.tinySpec(""));
    String a3 = alice.submit(Api.tinySpec(""));
    String aliceData = upload(alice, "alice-data", 201).path("id").asText();
    assertThat(alice.job(a1).path("history").get(0).path("keyName").asText()).isEqualTo("alice");

    // every endpoint taking an id: bob gets for alice's ids exactly what an unknown id gets
    String[] jobEndpoints = {"GET /api/v1/jobs/%s", "POST /api/v1/jobs/%s/cancel", "GET /api/v1/jobs/%s/events",
        "GET /api/v1/jobs/%s/metrics", "GET /api/v1/jobs/%s/result", "GET /api/v1/jobs/%s/artifacts/model",
        "GET /api/v1/jobs/%s/quantizers", "GET /api/v1/jobs/%s/ranges", "GET /api/v1/jobs/%s/compare",
        "POST /api/v1/jobs/%s/compare"};
    for (String e : jobEndpoints) {
      assertSameAsUnknown(bob, e, a1);
    }
    assertSameAsUnknown(bob, "GET /api/v1/datasets/%s", aliceData);
    assertSameAsUnknown(bob, "DELETE /api/v1/datasets/%s", aliceData);
    // another key's dataset cannot be trained on: the same answer as an unknown dataset
    HttpResponse<String> foreign = bob.post("/api/v1/jobs", uploadSpec(aliceData));
    HttpResponse<String> unknown = bob.post("/api/v1/jobs", uploadSpec(UNKNOWN));
    assertThat(foreign.statusCode()).isEqualTo(422).isEqualTo(unknown.statusCode());
    assertThat(foreign.body()).isEqualTo(unknown.body().replace(UNKNOWN, aliceData));
    // the owner does get them (a queued job has no result yet: 409, not 404)
    assertThat(alice.get("/api/v1/jobs/" + a1 + "/metrics").statusCode()).isEqualTo(200);
    assertThat(alice.get("/api/v1/jobs/" + a1 + "/result").statusCode()).isEqualTo(409);
    assertThat(alice.get("/api/v1/jobs/" + a1 + "/artifacts/model").statusCode()).isEqualTo(409);
    assertThat(alice.get("/api/v1/datasets/" + aliceData).statusCode()).isEqualTo(200);
    assertThat(alice.job(a1).path("status").asText()).isEqualTo("QUEUED"); // bob's cancel did nothing

    // lists: only one's own, newest first, and pagination through the filtered list stays right
    assertThat(ids(bob.get("/api/v1/jobs"))).containsExactly(b2, b1);
    assertThat(ids(bob.get("/api/v1/datasets"))).isEmpty();
    JsonNode page1 = alice.json(alice.get("/api/v1/jobs?pageSize=2"));
    assertThat(ids(page1.path("jobs"))).containsExactly(a3, a2);
    JsonNode page2 = alice.json(alice.get("/api/v1/jobs?pageSize=2&pageToken="
        + page1.path("nextPageToken").asText()));
    assertThat(ids(page2.path("jobs"))).containsExactly(a1);
    assertThat(page2.path("nextPageToken").isTextual()).isFalse();
    assertThat(ids(alice.get("/api/v1/jobs?status=QUEUED"))).containsExactly(a3, a2, a1);
    assertThat(ids(alice.get("/api/v1/datasets"))).containsExactly(aliceData);
    // the admin key sees everything
    assertThat(ids(admin.get("/api/v1/jobs"))).containsExactly(a3, b2, a2, b1, a1);
    assertThat(admin.json(admin.get("/api/v1/jobs")).path("jobs").findValuesAsText("owner"))
        .containsExactly("alice", "bob", "alice", "bob", "alice");
    assertThat(ids(admin.get("/api/v1/datasets"))).containsExactly(aliceData);
    assertThat(admin.job(a1).path("status").asText()).isEqualTo("QUEUED");

    // active-jobs quota (4 per key): a comparison adding 2 runs to alice's 3 is refused as a whole ...
    HttpResponse<String> overCompare = alice.post("/api/v1/jobs/" + a1 + "/compare",
        "{\"estimators\": [\"current-minmax\"]}");
    assertRetryLater(overCompare);
    assertThat(alice.get("/api/v1/jobs/" + a1 + "/compare").statusCode()).isEqualTo(404);
    // ... a cancellation (recorded with the key's name) frees a slot ...
    assertThat(alice.post("/api/v1/jobs/" + a2 + "/cancel", "").statusCode()).isEqualTo(200);
    assertThat(lastHistory(alice, a2).path("keyName").asText()).isEqualTo("alice");
    assertThat(alice.post("/api/v1/jobs/" + a1 + "/compare", "{\"estimators\": [\"current-minmax\"]}")
        .statusCode()).isEqualTo(201);
    // ... and a fifth active job is one too many; other keys are not affected
    assertRetryLater(alice.post("/api/v1/jobs", Api.tinySpec("")));
    assertThat(bob.post("/api/v1/jobs", Api.tinySpec("")).statusCode()).isEqualTo(201);
    // the comparison and its runs are alice's: bob sees neither, the admin sees both
    JsonNode table = alice.json(alice.get("/api/v1/jobs/" + a1 + "/compare"));
    assertThat(table.path("rows")).hasSize(2);
    String run = table.path("rows").get(0).path("jobId").asText();
    assertSameAsUnknown(bob, "GET /api/v1/jobs/%s", run);
    assertThat(ids(bob.get("/api/v1/jobs"))).doesNotContain(run);
    assertThat(admin.json(admin.get("/api/v1/jobs/" + a1 + "/compare")).path("rows")).hasSize(2);
    // an admin acts on anyone's job, and the history says which key did
    assertThat(admin.post("/api/v1/jobs/" + b2 + "/cancel", "").statusCode()).isEqualTo(200);
    assertThat(lastHistory(bob, b2).path("keyName").asText()).isEqualTo("bootstrap");

    // storage quota (20000 bytes; one upload is 15748 bytes): the second is refused until the first is deleted
    assertRetryLater(upload(alice, "second", 429, true));
    assertThat(alice.delete("/api/v1/datasets/" + aliceData).statusCode()).isEqualTo(204);
    assertSameAsUnknown(alice, "GET /api/v1/datasets/%s", aliceData);
    String again = upload(alice, "again", 201).path("id").asText();
    assertThat(upload(bob, "bobs", 201).path("id").asText()).isNotEqualTo(again); // per key
    // a dataset a queued job trains on cannot be deleted
    alice.post("/api/v1/jobs/" + a3 + "/cancel", "");
    String user = alice.submit(uploadSpec(again));
    assertProblem(alice.delete("/api/v1/datasets/" + again), 409, null);
    alice.post("/api/v1/jobs/" + user + "/cancel", "");

    // revocation on replica a holds on replica b from the next request on
    Api bobOnB = b.api().as(bobKey.path("key").asText());
    assertThat(bobOnB.get("/api/v1/jobs").statusCode()).isEqualTo(200);
    assertThat(admin.delete("/api/v1/admin/keys/" + bobKey.path("id").asText()).statusCode()).isEqualTo(204);
    assertProblem(bobOnB.get("/api/v1/jobs"), 401, "Authorization");
    assertProblem(bob.get("/api/v1/jobs/" + b1), 401, "Authorization");
    assertThat(admin.delete("/api/v1/admin/keys/" + bobKey.path("id").asText()).statusCode()).isEqualTo(204);
    assertProblem(admin.delete("/api/v1/admin/keys/" + UNKNOWN), 404, null);
    assertThat(admin.json(admin.get("/api/v1/admin/keys")).findValues("revokedAt")).hasSize(1);
    assertThat(admin.job(b1).path("status").asText()).isEqualTo("QUEUED"); // the work stays
    // the last valid admin key cannot be revoked
    String bootstrapId = keyId(admin, "bootstrap");
    assertProblem(admin.delete("/api/v1/admin/keys/" + bootstrapId), 409, null);

    // request rate on replica b (burst 5, then one per 5 s): the 6th quick request is refused
    Api aliceOnB = b.api().as(aliceKey.path("key").asText());
    List<Integer> statuses = new ArrayList<>();
    HttpResponse<String> limited = null;
    for (int i = 0; i < 6; i++) {
      HttpResponse<String> r = aliceOnB.get("/api/v1/jobs");
      statuses.add(r.statusCode());
      limited = r;
    }
    assertThat(statuses.subList(0, 5)).containsOnly(200);
    assertRetryLater(limited);
    assertThat(Long.parseLong(limited.headers().firstValue("Retry-After").orElseThrow())).isBetween(1L, 5L);
    assertThat(b.api().get("/api/v1/jobs").statusCode()).isEqualTo(200); // another key's bucket is full
  }

  /** Submissions of one key racing on both replicas: the active-jobs quota (4) lets exactly 4 through. */
  @Test
  void concurrentSubmissionsOnTwoReplicasCannotOvershootTheQuota() throws Exception {
    String key = createKey(a.api(), "carol", false).path("key").asText();
    List<Api> targets = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      targets.add((i % 3 == 0 ? b : a).api().as(key)); // 4 on b (within its burst of 5), 8 on a
    }
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(12);
    java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
    List<java.util.concurrent.Future<HttpResponse<String>>> answers = new ArrayList<>();
    try {
      for (Api t : targets) {
        answers.add(pool.submit(() -> {
          go.await();
          return t.post("/api/v1/jobs", Api.tinySpec(""));
        }));
      }
      go.countDown();
      int accepted = 0;
      for (var f : answers) {
        HttpResponse<String> r = f.get();
        if (r.statusCode() == 201) {
          accepted++;
        } else {
          assertRetryLater(r);
          assertThat(read(r.body()).path("title").asText()).isEqualTo("Quota exceeded");
        }
      }
      assertThat(accepted).isEqualTo(4);
    } finally {
      pool.shutdownNow();
    }
  }

  private static JsonNode createKey(Api admin, String name, boolean isAdmin) {
    HttpResponse<String> r = admin.post("/api/v1/admin/keys", "{\"name\": \"" + name + "\", \"admin\": " + isAdmin
        + "}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    JsonNode k = admin.json(r);
    assertThat(k.path("name").asText()).isEqualTo(name);
    assertThat(r.headers().firstValue("Location")).hasValue("/api/v1/admin/keys/" + k.path("id").asText());
    return k;
  }

  private static String keyId(Api admin, String name) {
    for (JsonNode k : admin.json(admin.get("/api/v1/admin/keys"))) {
      if (name.equals(k.path("name").asText())) {
        return k.path("id").asText();
      }
    }
    throw new AssertionError("no key named " + name);
  }

  /** {@code endpoint} ("METHOD /path/%s") answers {@code id} of another key exactly as an unknown id. */
  private static void assertSameAsUnknown(Api api, String endpoint, String id) {
    String[] mp = endpoint.split(" ");
    HttpResponse<String> theirs = call(api, mp[0], mp[1].formatted(id));
    HttpResponse<String> unknown = call(api, mp[0], mp[1].formatted(UNKNOWN));
    assertThat(theirs.statusCode()).as(endpoint).isEqualTo(404).isEqualTo(unknown.statusCode());
    assertThat(theirs.headers().firstValue("Content-Type")).as(endpoint).hasValue("application/problem+json");
    assertThat(theirs.body()).as(endpoint).isEqualTo(unknown.body().replace(UNKNOWN, id));
  }

  private static HttpResponse<String> call(Api api, String method, String path) {
    String body = method.equals("POST") && path.endsWith("/compare") ? "{\"estimators\": [\"current-minmax\"]}" : "";
    return api.send(api.request(path).header("Content-Type", "application/json")
        .method(method, HttpRequest.BodyPublishers.ofString(body)).build());
  }

  private static void assertProblem(HttpResponse<String> r, int status, String field) {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    JsonNode p = read(r.body());
    assertThat(p.path("status").asInt()).isEqualTo(status);
    assertThat(p.path("detail").asText()).isNotEmpty();
    if (field != null) {
      assertThat(p.path("field").asText()).isEqualTo(field);
    }
  }

  private static void assertRetryLater(HttpResponse<String> r) {
    assertProblem(r, 429, null);
    assertThat(Long.parseLong(r.headers().firstValue("Retry-After").orElseThrow())).isPositive();
  }

  private static JsonNode lastHistory(Api api, String id) {
    JsonNode h = api.job(id).path("history");
    return h.get(h.size() - 1);
  }

  private static List<String> ids(HttpResponse<String> r) {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode n = read(r.body());
    return ids(n.isArray() ? n : n.path("jobs"));
  }

  private static List<String> ids(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(j -> out.add(j.path("id").asText()));
    return out;
  }

  private static JsonNode read(String body) {
    try {
      return Api.JSON.readTree(body);
    } catch (Exception e) {
      throw new AssertionError("not JSON: " + body, e);
    }
  }

  private static String uploadSpec(String datasetId) {
    return Api.tinySpec("").replace("\"name\": \"synthetic\", \"trainLimit\": 256, \"testLimit\": 64",
        "\"name\": \"upload:" + datasetId + "\"");
  }

  private static JsonNode upload(Api api, String name, int expected) {
    return read(upload(api, name, expected, false).body());
  }

  private static HttpResponse<String> upload(Api api, String name, int expected, boolean raw) {
    int[] train = Multipart.labels(10, 1);
    int[] test = Multipart.labels(10, 3);
    Multipart m = new Multipart().field("name", name)
        .file("trainImages", Multipart.idxImages(train, 28)).file("trainLabels", Multipart.idxLabels(train))
        .file("testImages", Multipart.idxImages(test, 28)).file("testLabels", Multipart.idxLabels(test));
    HttpResponse<String> r = api.send(api.request("/api/v1/datasets").header("Content-Type", m.contentType())
        .POST(HttpRequest.BodyPublishers.ofByteArray(m.body())).build());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(expected);
    return r;
  }
}
