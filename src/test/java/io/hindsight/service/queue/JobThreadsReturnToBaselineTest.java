package io.hindsight.service.queue;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.hindsight.service.support.Api;
import io.hindsight.service.support.Replica;
import io.hindsight.service.support.TestDatabase;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * A long-running service does not grow with the jobs it has run: after a dozen job attempts on a
 * two-thread CPU backend through one service (succeeded, failed on NaN, cancelled while running),
 * no backend worker thread is left alive and the live thread count is back at its baseline,
 * measured after a first job warmed the lazily grown pools. A backend left open keeps its two
 * {@code hindsight-cpu-*} workers for good: 24 threads after these twelve jobs, far above the slack.
 */
class JobThreadsReturnToBaselineTest {
  /** Threads that pools the service grows on demand (HTTP, JDBC, client) may add between the two counts. */
  static final int SLACK = 4;
  static final Predicate<JsonNode> ENDED = j -> Set.of("SUCCEEDED", "FAILED", "CANCELLED")
      .contains(j.path("status").asText());

  @Test
  void liveThreadsReturnToBaselineAfterManyJobs() throws Exception {
    try (Replica server = Replica.start(TestDatabase.freshSchema(), Files.createTempDirectory("hs-threads"),
        "node-threads", "hindsight.worker.step-pause=0ms")) {
      Api api = server.api();
      api.awaitStatus(api.submit(spec(1, "")), "SUCCEEDED", Duration.ofSeconds(120));
      Api.sleep(500);
      Set<Thread> baseline = Set.copyOf(Thread.getAllStackTraces().keySet());

      Map<String, Integer> ended = new TreeMap<>();
      for (int i = 0; i < 12; i++) {
        String status;
        if (i % 4 == 1) {
          String id = api.submit(spec(10 + i, ", \"learningRate\": 10, \"momentum\": 0.99, \"nonFinitePatience\": 2"));
          status = api.awaitJob(id, Duration.ofSeconds(120), ENDED).path("status").asText();
          assertThat(status).as("job %s diverges", id).isEqualTo("FAILED");
        } else if (i % 4 == 3) {
          String id = api.submit(spec(10 + i, ", \"epochs\": 100"));
          api.awaitStatus(id, "RUNNING", Duration.ofSeconds(120));
          assertThat(api.post("/api/v1/jobs/" + id + "/cancel", "").statusCode()).as("cancel").isEqualTo(202);
          status = api.awaitJob(id, Duration.ofSeconds(120), ENDED).path("status").asText();
          assertThat(status).as("job %s cancelled while running", id).isEqualTo("CANCELLED");
        } else {
          String id = api.submit(spec(10 + i, ""));
          status = api.awaitJob(id, Duration.ofSeconds(120), ENDED).path("status").asText();
          assertThat(status).as("job %s", id).isEqualTo("SUCCEEDED");
        }
        ended.merge(status, 1, Integer::sum);
      }
      assertThat(ended).containsEntry("SUCCEEDED", 6).containsEntry("FAILED", 3).containsEntry("CANCELLED", 3);

      Set<Thread> after = settledThreads(baseline.size() + SLACK);
      List<String> added = after.stream().filter(t -> !baseline.contains(t)).map(Thread::getName).sorted()
          .collect(Collectors.toCollection(ArrayList::new));
      System.out.printf("live threads: %d at the baseline, %d after 12 jobs; new: %s%n", baseline.size(), after.size(),
          added);
      assertThat(added).as("threads started since the baseline and still alive")
          .noneMatch(name -> name.startsWith("hindsight-cpu-"));
      assertThat(after.size()).as("live threads after 12 jobs (baseline %d + slack %d); new: %s", baseline.size(),
          SLACK, added).isLessThanOrEqualTo(baseline.size() + SLACK);
    }
  }

  /** A tiny synthetic job (256 examples, batch 32, 2 epochs unless {@code extra} says) on a two-thread CPU backend. */
  private static String spec(int seed, String extra) {
    return """
        {"model": {"arch": "mlp"}, "dataset": {"name": "synthetic", "trainLimit": 256, "testLimit": 64},
         "training": {"batchSize": 32, "threads": 2, "seed": %d%s}}""".formatted(seed,
        extra.contains("\"epochs\"") ? extra : ", \"epochs\": 2" + extra);
  }

  /**
   * The live threads once the count has settled at or below {@code target} (workers of a closed
   * backend end right after the job does; idle pool threads time out), or after 10 s, whichever first.
   */
  private static Set<Thread> settledThreads(int target) {
    long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    Set<Thread> live = Set.copyOf(Thread.getAllStackTraces().keySet());
    while (live.size() > target && System.nanoTime() < end) {
      Api.sleep(200);
      live = Set.copyOf(Thread.getAllStackTraces().keySet());
    }
    return live;
  }
}
