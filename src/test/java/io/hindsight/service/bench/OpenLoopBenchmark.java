package io.hindsight.service.bench;

import io.hindsight.service.support.Api;
import io.hindsight.service.support.Replica;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * Open-loop load benchmark (not a test): one service instance on loopback (as {@link LoadBenchmark}),
 * then, for each arrival rate in turn, requests of the same {@link RequestMix} issued on a fixed
 * schedule (request i at start + i / rate) whether or not earlier ones have been answered, through
 * an asynchronous HTTP client. Each latency is measured from the request's intended start, not from
 * when it was sent, so a server (or generator) that falls behind is charged for the whole wait
 * (coordinated omission corrected); latencies go to HdrHistograms (1 µs to 60 s, 3 digits). A
 * closed-loop warm-up comes first and the first seconds of each rate are not recorded. Prints, per
 * rate, p50/p99/p99.9/max by endpoint and for reads and submissions, errors, and the generator's
 * lateness; then the highest rate at which reads kept p99 under 50 ms and submissions under
 * 100 ms. Bounded: at most {@value #MAX_IN_FLIGHT} requests in flight (beyond that a request is
 * counted as an error, the schedule goes on), 10 minutes per rate. Run:
 * {@code scripts/load-bench --open-loop [RATES=100,200,400] [SECONDS=30] [--workers]}.
 */
public final class OpenLoopBenchmark {
  static final int MAX_IN_FLIGHT = 4000;
  static final int WARMUP_SECONDS = 5;
  static final int WARMUP_CLIENTS = 8;
  static final int SERVER_WARMUP_SECONDS = 20;
  static final double READ_P99_MS = 50;
  static final double SUBMIT_P99_MS = 100;
  private static final String READS = "reads (all GET)";
  private static final String SUBMISSIONS = "submissions (POST /jobs)";

  private OpenLoopBenchmark() {}

  public static void main(String[] args) throws Exception {
    List<String> positional = new ArrayList<>(List.of(args));
    boolean workers = positional.remove("--workers");
    List<Integer> rates = new ArrayList<>();
    for (String r : (positional.isEmpty() ? "100,200,400" : positional.get(0)).split(",")) {
      rates.add(Integer.parseInt(r.strip()));
    }
    int seconds = Math.min(positional.size() > 1 ? Integer.parseInt(positional.get(1)) : 30, 600);
    if (rates.stream().anyMatch(r -> r <= 0 || r > 20_000) || seconds <= WARMUP_SECONDS) {
      throw new IllegalArgumentException("rates must be in 1..20000 requests/s and seconds above " + WARMUP_SECONDS
          + ": " + rates + ", " + seconds);
    }
    ExecutorService callbacks = Executors.newFixedThreadPool(4);
    try (Replica server = RequestMix.startServer(workers)) {
      Api api = server.api();
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(callbacks)
          .connectTimeout(Duration.ofSeconds(5)).build();
      RequestMix mix = new RequestMix(api);
      System.out.printf(Locale.ROOT, "open-loop load benchmark: rates %s requests/s, %d s each (%d s warm-up not"
          + " recorded) against %s (workers %s); generator and server in one JVM on %d cores%n", rates, seconds,
          WARMUP_SECONDS, api.base(), workers ? "on" : "off", Runtime.getRuntime().availableProcessors());
      warmUp(http, mix);
      Integer best = null;
      long errorsTotal = 0;
      for (int rate : rates) {
        RateResult result = runAt(rate, seconds, http, mix);
        result.print();
        errorsTotal += result.errorCount();
        if (result.meetsObjectives() && (best == null || rate > best)) {
          best = rate;
        }
      }
      System.out.printf(Locale.ROOT, "highest rate with reads p99 < %.0f ms and submissions p99 < %.0f ms: %s%n",
          READ_P99_MS, SUBMIT_P99_MS, best == null ? "none of " + rates : best + " requests/s (of " + rates + ")");
      long missing = mix.reportMissing(server);
      if (missing > 0 || errorsTotal > 0) {
        System.exit(1);
      }
    } finally {
      callbacks.shutdownNow();
    }
  }

  /**
   * Warms the server and the client up (JIT, connection and thread pools) before anything is
   * recorded: {@value #WARMUP_CLIENTS} clients send the mix one request after the other for
   * {@value #SERVER_WARMUP_SECONDS} s, so a cold JVM's first seconds do not leave a backlog to the first rate.
   */
  private static void warmUp(HttpClient http, RequestMix mix) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(SERVER_WARMUP_SECONDS);
    AtomicLong sent = new AtomicLong();
    List<Thread> clients = new ArrayList<>();
    for (int c = 0; c < WARMUP_CLIENTS; c++) {
      int client = c;
      Thread t = new Thread(() -> {
        for (long n = 0; System.nanoTime() < end; n++) {
          RequestMix.Request req = mix.next(client, n);
          try {
            mix.answered(req, http.send(req.http(), HttpResponse.BodyHandlers.ofString()));
            sent.incrementAndGet();
          } catch (Exception e) {
            return;   // the recorded rates report errors; the warm-up only warms
          }
        }
      }, "warm-up-" + c);
      t.start();
      clients.add(t);
    }
    for (Thread t : clients) {
      t.join();
    }
    System.out.printf(Locale.ROOT, "warm-up: %d requests from %d clients in %d s (not recorded)%n", sent.get(),
        WARMUP_CLIENTS, SERVER_WARMUP_SECONDS);
  }

  /** Sends the mix at {@code rate} requests/s for {@code seconds} and waits for every answer (or its timeout). */
  private static RateResult runAt(int rate, int seconds, HttpClient http, RequestMix mix) throws InterruptedException {
    RateResult result = new RateResult(rate, seconds - WARMUP_SECONDS);
    AtomicInteger inFlight = new AtomicInteger();
    long period = TimeUnit.SECONDS.toNanos(1) / rate;
    long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100);
    long recordFrom = start + TimeUnit.SECONDS.toNanos(WARMUP_SECONDS);
    long count = (long) rate * seconds;
    for (long i = 0; i < count; i++) {
      long intended = start + i * period;
      long wait;
      while ((wait = intended - System.nanoTime()) > 0) {
        LockSupport.parkNanos(wait);
      }
      boolean recorded = intended >= recordFrom;
      if (recorded) {
        result.lateness.recordValue(Math.max(1, (System.nanoTime() - intended) / 1000));
      }
      RequestMix.Request req = mix.next((int) (i % 50), i);
      if (inFlight.get() >= MAX_IN_FLIGHT) {
        result.error(req.name() + " not sent: " + MAX_IN_FLIGHT + " in flight");
        continue;
      }
      inFlight.incrementAndGet();
      http.sendAsync(req.http(), HttpResponse.BodyHandlers.ofString()).whenComplete((res, failure) -> {
        long micros = Math.max(1, (System.nanoTime() - intended) / 1000);
        try {
          if (failure != null) {
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
            result.error(req.name() + " " + cause.getClass().getSimpleName());
          } else if (res.statusCode() >= 300) {
            result.error(req.name() + " " + res.statusCode());
          } else {
            mix.answered(req, res);
          }
          if (recorded) {
            result.record(req, micros);
          }
        } finally {
          inFlight.decrementAndGet();
        }
      });
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
    while (inFlight.get() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    if (inFlight.get() > 0) {
      result.error("unanswered after the schedule + 40 s: " + inFlight.get());
    }
    return result;
  }

  /** The latencies (µs from the intended start) and errors of one rate. */
  private static final class RateResult {
    final int rate;
    final int recordedSeconds;
    final Map<String, Histogram> byEndpoint = new ConcurrentHashMap<>();
    final Histogram reads = histogram();
    final Histogram submissions = histogram();
    final Histogram lateness = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
    final Map<String, AtomicLong> errors = new ConcurrentHashMap<>();

    RateResult(int rate, int recordedSeconds) {
      this.rate = rate;
      this.recordedSeconds = recordedSeconds;
    }

    static Histogram histogram() {
      return new ConcurrentHistogram(TimeUnit.SECONDS.toMicros(60), 3);
    }

    void record(RequestMix.Request req, long micros) {
      long v = Math.min(micros, TimeUnit.SECONDS.toMicros(60));
      byEndpoint.computeIfAbsent(req.name(), k -> histogram()).recordValue(v);
      (req.submission() ? submissions : reads).recordValue(v);
    }

    void error(String what) {
      errors.computeIfAbsent(what, k -> new AtomicLong()).incrementAndGet();
    }

    long errorCount() {
      return errors.values().stream().mapToLong(AtomicLong::get).sum();
    }

    static double ms(Histogram h, double percentile) {
      return h.getValueAtPercentile(percentile) / 1000.0;
    }

    boolean meetsObjectives() {
      return errorCount() == 0 && reads.getTotalCount() > 0 && submissions.getTotalCount() > 0
          && ms(reads, 99) < READ_P99_MS && ms(submissions, 99) < SUBMIT_P99_MS;
    }

    void print() {
      long answered = reads.getTotalCount() + submissions.getTotalCount();
      System.out.printf(Locale.ROOT, "%n== %d requests/s: %d answered in the %d recorded seconds (%.0f/s); generator"
          + " lateness p99 %.1f ms, max %.1f ms; errors %d %s%n", rate, answered, recordedSeconds,
          (double) answered / recordedSeconds, ms(lateness, 99), lateness.getMaxValue() / 1000.0, errorCount(),
          errors.isEmpty() ? "" : new TreeMap<>(errors));
      System.out.printf(Locale.ROOT, "%-26s %9s %9s %9s %9s %9s%n", "endpoint", "requests", "p50 ms", "p99 ms",
          "p99.9 ms", "max ms");
      new TreeMap<>(byEndpoint).forEach(OpenLoopBenchmark::row);
      row(READS, reads);
      row(SUBMISSIONS, submissions);
      System.out.printf(Locale.ROOT, "objectives (reads p99 < %.0f ms, submissions p99 < %.0f ms, no errors): %s%n",
          READ_P99_MS, SUBMIT_P99_MS, meetsObjectives() ? "met" : "missed");
    }
  }

  private static void row(String name, Histogram h) {
    System.out.printf(Locale.ROOT, "%-26s %9d %9.1f %9.1f %9.1f %9.1f%n", name, h.getTotalCount(),
        RateResult.ms(h, 50), RateResult.ms(h, 99), RateResult.ms(h, 99.9), h.getMaxValue() / 1000.0);
  }
}
