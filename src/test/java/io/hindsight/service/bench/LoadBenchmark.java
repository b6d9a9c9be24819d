package io.hindsight.service.bench;

import io.hindsight.service.support.Api;
import io.hindsight.service.support.Replica;
import io.hindsight.service.support.TestDatabase;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Load benchmark (not a test): starts one service instance on loopback (PostgreSQL as the tests
 * use it, fresh schema; workers off unless {@code --workers}), then N concurrent clients for T
 * seconds mix submissions (some with Idempotency-Key) and reads (job, listing, metrics, history,
 * datasets, health). Prints requests served, p50/p99/max latency per endpoint and errors, then
 * verifies that every accepted job is stored. Bounded in time and requests; loopback only.
 * Run: {@code scripts/load-bench [SECONDS] [CLIENTS] [--workers]}.
 */
public final class LoadBenchmark {
  private LoadBenchmark() {}

  public static void main(String[] args) throws Exception {
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 60;
    int clients = args.length > 1 ? Integer.parseInt(args[1]) : 50;
    boolean workers = List.of(args).contains("--workers");
    seconds = Math.min(seconds, 600);
    clients = Math.min(clients, 200);
    Path data = Files.createTempDirectory("hs-load");
    try (Replica server = Replica.start(TestDatabase.freshSchema(), data, "bench",
        "hindsight.worker.enabled=" + workers, "hindsight.limits.max-page-size=100", "logging.level.root=WARN",
        "hindsight.worker.step-pause=0ms",
        // one key drives the whole load: its request rate and active-jobs quota are not what is measured
        "hindsight.limits.requests-per-second=0", "hindsight.limits.max-active-jobs-per-key=0")) {
      Api api = server.api();
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5)).build();
      List<String> accepted = Collections.synchronizedList(new ArrayList<>());
      accepted.add(api.submit(Api.tinySpec("")));
      Map<String, List<Long>> latencies = new ConcurrentHashMap<>();
      Map<String, AtomicLong> errors = new ConcurrentHashMap<>();
      long end = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
      CountDownLatch done = new CountDownLatch(clients);
      System.out.printf(Locale.ROOT, "load benchmark: %d clients for %d s against %s (workers %s)%n", clients,
          seconds, api.base(), workers ? "on" : "off");
      for (int c = 0; c < clients; c++) {
        int client = c;
        Thread t = new Thread(() -> {
          try {
            long n = 0;
            while (System.nanoTime() < end && n++ < 1_000_000) {
              ThreadLocalRandom r = ThreadLocalRandom.current();
              int op = r.nextInt(100);
              String id = accepted.get(r.nextInt(accepted.size()));
              String name;
              HttpRequest.Builder b;
              if (op < 20) {
                name = "POST /jobs";
                // a retried submission (same key, same body) must replay, never duplicate
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
              long t0 = System.nanoTime();
              try {
                HttpResponse<String> res = http.send(b.timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString());
                long dt = System.nanoTime() - t0;
                latencies.computeIfAbsent(name, k -> Collections.synchronizedList(new ArrayList<>())).add(dt);
                if (res.statusCode() >= 300) {
                  errors.computeIfAbsent(name + " " + res.statusCode(), k -> new AtomicLong()).incrementAndGet();
                } else if (name.equals("POST /jobs") && res.statusCode() == 201) {
                  String jobId = Api.JSON.readTree(res.body()).path("id").asText();
                  if (!accepted.contains(jobId)) {
                    accepted.add(jobId);
                  }
                }
              } catch (Exception e) {
                errors.computeIfAbsent(name + " " + e.getClass().getSimpleName(), k -> new AtomicLong())
                    .incrementAndGet();
              }
            }
          } finally {
            done.countDown();
          }
        }, "client-" + c);
        t.start();
      }
      done.await();
      long total = 0;
      System.out.printf(Locale.ROOT, "%-26s %9s %9s %9s %9s%n", "endpoint", "requests", "p50 ms", "p99 ms", "max ms");
      for (Map.Entry<String, List<Long>> e : new TreeMap<>(latencies).entrySet()) {
        List<Long> l = new ArrayList<>(e.getValue());
        Collections.sort(l);
        total += l.size();
        System.out.printf(Locale.ROOT, "%-26s %9d %9.1f %9.1f %9.1f%n", e.getKey(), l.size(), pct(l, 0.50),
            pct(l, 0.99), l.get(l.size() - 1) / 1e6);
      }
      long errorCount = errors.values().stream().mapToLong(AtomicLong::get).sum();
      System.out.printf(Locale.ROOT, "total %d requests in %d s (%.0f req/s), errors %d %s%n", total, seconds,
          (double) total / seconds, errorCount, errors);
      Set<String> stored = Set.copyOf(server.bean(JdbcClient.class).sql("SELECT id FROM jobs").query(String.class)
          .list());
      long missing = accepted.stream().filter(id -> !stored.contains(id)).count();
      System.out.printf(Locale.ROOT, "accepted jobs: %d, stored: %d, missing: %d%n", accepted.size(), stored.size(),
          missing);
      if (missing > 0 || errorCount > 0) {
        System.exit(1);
      }
    }
  }

  private static double pct(List<Long> sorted, double p) {
    int i = (int) Math.min(sorted.size() - 1, Math.ceil(p * sorted.size()) - 1);
    return sorted.get(Math.max(0, i)) / 1e6;
  }
}
