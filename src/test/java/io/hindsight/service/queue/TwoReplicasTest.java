package io.hindsight.service.queue;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.hindsight.service.support.Api;
import io.hindsight.service.support.Replica;
import io.hindsight.service.support.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Two service instances on one PostgreSQL schema and one shared data folder: they share the
 * queue with every job run exactly once, and a graceful shutdown hands a running job (with its
 * checkpoint) to the other instance, which resumes it.
 */
class TwoReplicasTest {
  static Replica a;
  static Replica b;

  @BeforeAll
  static void start() throws Exception {
    String schema = TestDatabase.freshSchema();
    Path data = Files.createTempDirectory("hs-two");
    a = Replica.start(schema, data, "node-a", "hindsight.worker.step-pause=20ms",
        "hindsight.worker.checkpoint-every-steps=4");
    b = Replica.start(schema, data, "node-b", "hindsight.worker.step-pause=20ms",
        "hindsight.worker.checkpoint-every-steps=4");
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
  void sixJobsEachRunExactlyOnceAcrossTwoInstances() {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      ids.add((i % 2 == 0 ? a : b).api().submit(Api.tinySpec(", \"seed\": " + (100 + i)).replace("\"seed\": 7 ,",
          "")));
    }
    Set<String> owners = new HashSet<>();
    for (String id : ids) {
      JsonNode j = a.api().awaitStatus(id, "SUCCEEDED", Duration.ofSeconds(120));
      assertThat(j.path("attempt").asInt()).isEqualTo(1);
      List<JsonNode> running = new ArrayList<>();
      j.path("history").forEach(h -> {
        if ("RUNNING".equals(h.path("status").asText())) {
          running.add(h);
        }
      });
      assertThat(running).hasSize(1);
      String msg = running.get(0).path("message").asText();
      owners.add(msg.contains("node-a") ? "node-a" : msg.contains("node-b") ? "node-b" : msg);
      // the other instance serves the same job and its full event stream
      assertThat(b.api().events(id, null).stream().filter(e -> "epoch".equals(e.event()))).hasSize(2);
    }
    assertThat(owners).containsExactlyInAnyOrder("node-a", "node-b");
  }

  @Test
  void gracefulShutdownReleasesTheRunningJobAndTheOtherInstanceResumesIt() throws Exception {
    Replica c = Replica.start(schemaOf(a), dataOf(a), "node-c", "hindsight.worker.step-pause=20ms",
        "hindsight.worker.checkpoint-every-steps=4");
    try {
      // let c take a job: a and b stay busy with their own long jobs meanwhile
      String spec = Api.tinySpec("").replace("\"epochs\": 2", "\"epochs\": 6");
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        ids.add(a.api().submit(spec));
      }
      String onC = null;
      long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (onC == null && System.nanoTime() < end) {
        for (String id : ids) {
          JsonNode j = a.api().job(id);
          if (j.path("history").toString().contains("node-c") && j.path("progress").path("globalStep").asLong() >= 6
              && "RUNNING".equals(j.path("status").asText())) {
            onC = id;
          }
        }
        Api.sleep(50);
      }
      assertThat(onC).as("a job running on node-c").isNotNull();
      String followed = onC;
      var stream = java.util.concurrent.CompletableFuture.supplyAsync(() -> c.api().events(followed, null));
      Api.sleep(300);
      long t0 = System.nanoTime();
      c.close();
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(20));
      // the open stream was ended by the shutdown; the client resumes on another replica
      List<Api.Sse> before = stream.get(10, java.util.concurrent.TimeUnit.SECONDS);
      assertThat(before).isNotEmpty();
      JsonNode released = a.api().job(onC);
      // b or a may already have it, or (a small job) have finished it
      assertThat(released.path("status").asText()).isIn("QUEUED", "RUNNING", "SUCCEEDED");
      assertThat(released.path("history").toString()).contains("released by node-c at shutdown");
      List<Api.Sse> after = b.api().events(onC, before.get(before.size() - 1).id());
      assertThat(Long.parseLong(after.get(0).id())).isGreaterThan(Long.parseLong(before.get(before.size() - 1).id()));
      assertThat(after.stream().map(e -> e.data().path("status").asText())).contains("QUEUED", "SUCCEEDED");
      JsonNode done = a.api().awaitStatus(onC, "SUCCEEDED", Duration.ofSeconds(120));
      assertThat(done.path("attempt").asInt()).isEqualTo(2);
      assertThat(done.path("history").toString()).contains("resumed from checkpoint at global step");
      JsonNode result = a.api().json(a.api().get("/api/v1/jobs/" + onC + "/result"));
      assertThat(result.path("provenance").path("resumedFromStep").asLong()).isPositive();
      assertThat(result.path("steps").asLong()).isEqualTo(6 * 8);
      for (String id : ids) {
        a.api().awaitStatus(id, "SUCCEEDED", Duration.ofSeconds(120));
      }
    } finally {
      c.close();
    }
  }

  private static String schemaOf(Replica r) {
    return r.bean(JdbcClient.class).sql("SELECT current_schema()").query(String.class).single();
  }

  private static Path dataOf(Replica r) {
    return r.bean(io.hindsight.service.config.HindsightProperties.class).getDataDir();
  }
}
