package io.hindsight.service.bench;

import io.hindsight.service.support.Api;
import io.hindsight.service.support.Replica;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Closed-loop load benchmark (not a test): starts one service instance on loopback (PostgreSQL as
 * the tests use it, fresh schema; workers off unless {@code --workers}), then N concurrent clients
 * for T seconds, each sending the {@link RequestMix} one request after the other. Prints requests
 * served, p50/p99/max latency per endpoint and errors, then verifies that every accepted job is
 * stored. Bounded in time and requests; loopback only. A closed loop slows its clients down with
 * the server, so its latencies understate what users at a fixed arrival rate see; that is
 * {@link OpenLoopBenchmark}'s measure. Run: {@code scripts/load-bench [SECONDS] [CLIENTS] [--workers]}.
 */
public final class LoadBenchmark {
  private LoadBenchmark() {}

  public static void main(String[] args) throws Exception {
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 60;
    int clients = args.length > 1 ? Integer.parseInt(args[1]) : 50;
    boolean workers = List.of(args).contains("--workers");
    seconds = Math.min(seconds, 600);
    clients = Math.min(clients, 200);
    try (Replica server = RequestMix.startServer(workers)) {
      Api api = server.api();
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5)).build();
      RequestMix mix = new RequestMix(api);
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
              RequestMix.Request req = mix.next(client, n);
              long t0 = System.nanoTime();
              try {
                HttpResponse<String> res = http.send(req.http(), HttpResponse.BodyHandlers.ofString());
                long dt = System.nanoTime() - t0;
                latencies.computeIfAbsent(req.name(), k -> Collections.synchronizedList(new ArrayList<>())).add(dt);
                if (res.statusCode() >= 300) {
                  errors.computeIfAbsent(req.name() + " " + res.statusCode(), k -> new AtomicLong())
                      .incrementAndGet();
                } else {
                  mix.answered(req, res);
                }
              } catch (Exception e) {
                errors.computeIfAbsent(req.name() + " " + e.getClass().getSimpleName(), k -> new AtomicLong())
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
      long missing = mix.reportMissing(server);
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
