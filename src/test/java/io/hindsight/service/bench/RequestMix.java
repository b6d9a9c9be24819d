package io.hindsight.service.bench;

import io.hindsight.service.support.Api;
import io.hindsight.service.support.Replica;
import io.hindsight.service.support.TestDatabase;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The request mix both load benchmarks send (closed loop: {@link LoadBenchmark}; open loop:
 * {@link OpenLoopBenchmark}), and the service they send it to. Per 100 requests: 20 submissions
 * (a quarter of them retried with an Idempotency-Key, which must replay, never duplicate), 30 job
 * reads, 15 listings, 10 metrics reads, 10 filtered listings, 8 dataset listings, 7 health probes.
 * Reads pick a random accepted job.
 */
final class RequestMix {
  /** The endpoint name used in reports for job submissions. */
  static final String SUBMIT = "POST /jobs";

  /** One request of the mix, named by its endpoint. */
  record Request(String name, HttpRequest http) {
    boolean submission() {
      return name.equals(SUBMIT);
    }
  }

  private final Api api;
  private final List<String> accepted = Collections.synchronizedList(new ArrayList<>());

  RequestMix(Api api) {
    this.api = api;
    accepted.add(api.submit(Api.tinySpec("")));
  }

  /**
   * Starts one service instance on loopback against the test PostgreSQL (fresh schema; workers
   * off unless {@code workers}: the benchmarks measure the API, not training).
   */
  static Replica startServer(boolean workers) throws IOException {
    return Replica.start(TestDatabase.freshSchema(), Files.createTempDirectory("hs-load"), "bench",
        "hindsight.worker.enabled=" + workers, "hindsight.limits.max-page-size=100", "logging.level.root=WARN",
        "hindsight.worker.step-pause=0ms",
        // one key drives the whole load: its request rate and active-jobs quota are not what is measured
        "hindsight.limits.requests-per-second=0", "hindsight.limits.max-active-jobs-per-key=0");
  }

  /** The {@code n}-th request of {@code client} (idempotent retries repeat per client). */
  Request next(int client, long n) {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    int op = r.nextInt(100);
    String id = accepted.get(r.nextInt(accepted.size()));
    String name;
    HttpRequest.Builder b;
    if (op < 20) {
      name = SUBMIT;
      int seed = op < 5 ? (int) (n % 50) : 1000 + r.nextInt(1000);
      b = api.request("/api/v1/jobs").header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(Api.tinySpec(", \"seed\": " + seed)
              .replace("\"seed\": 7 ,", "")));
      if (op < 5) {
        b.header("Idempotency-Key", "bench-" + client + "-" + seed);
      }
    } else if (op < 50) {
      name = "GET /jobs/{id}";
      b = api.request("/api/v1/jobs/" + id).GET();
    } else if (op < 65) {
      name = "GET /jobs";
      b = api.request("/api/v1/jobs?pageSize=20").GET();
    } else if (op < 75) {
      name = "GET /jobs/{id}/metrics";
      b = api.request("/api/v1/jobs/" + id + "/metrics").GET();
    } else if (op < 85) {
      name = "GET /jobs?status=QUEUED";
      b = api.request("/api/v1/jobs?status=QUEUED&pageSize=50").GET();
    } else if (op < 93) {
      name = "GET /datasets";
      b = api.request("/api/v1/datasets").GET();
    } else {
      name = "GET /actuator/health";
      b = HttpRequest.newBuilder(URI.create(api.base() + "/actuator/health")).GET();
    }
    return new Request(name, b.timeout(Duration.ofSeconds(30)).build());
  }

  /** Notes the job a successful submission created, so later reads may pick it. */
  void answered(Request request, HttpResponse<String> res) {
    if (request.submission() && res.statusCode() == 201) {
      try {
        String jobId = Api.JSON.readTree(res.body()).path("id").asText();
        if (!accepted.contains(jobId)) {
          accepted.add(jobId);
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** Prints accepted against stored jobs; returns how many accepted jobs are missing from the database. */
  long reportMissing(Replica server) {
    Set<String> stored = Set.copyOf(server.bean(JdbcClient.class).sql("SELECT id FROM jobs").query(String.class)
        .list());
    List<String> ids;
    synchronized (accepted) {
      ids = List.copyOf(accepted);
    }
    long missing = ids.stream().filter(id -> !stored.contains(id)).count();
    System.out.printf(Locale.ROOT, "accepted jobs: %d, stored: %d, missing: %d%n", ids.size(), stored.size(),
        missing);
    return missing;
  }
}
