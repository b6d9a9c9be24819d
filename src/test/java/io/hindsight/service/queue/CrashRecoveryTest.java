package io.hindsight.service.queue;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.hindsight.backend.CpuBackend;
import io.hindsight.service.HindsightServiceApplication;
import io.hindsight.service.support.Api;
import io.hindsight.service.support.Replica;
import io.hindsight.service.support.TestDatabase;
import io.hindsight.spec.JobSpecs;
import io.hindsight.train.TrainingJobs;
import io.hindsight.train.TrainingResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A worker process killed with SIGKILL mid-job: after its lease expires another instance takes
 * the job over (attempt 2), resumes from the last checkpoint, and finishes with exactly the
 * metrics of an uninterrupted run with the same seed.
 */
class CrashRecoveryTest {

  @Test
  void killedWorkerIsTakenOverAndResumesFromItsCheckpoint() throws Exception {
    String schema = TestDatabase.freshSchema();
    Path data = Files.createTempDirectory("hs-crash");
    Process victim = null;
    try (Replica api = Replica.start(schema, data, "api-only", "hindsight.worker.enabled=false")) {
      List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-Xmx512m", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
          HindsightServiceApplication.class.getName()));
      for (String p : Replica.properties(schema, data, "victim")) {
        cmd.add("--" + p);
      }
      cmd.addAll(List.of("--hindsight.worker.lease=3s", "--hindsight.worker.heartbeat=1s",
          "--hindsight.worker.step-pause=40ms", "--hindsight.worker.checkpoint-every-steps=5"));
      Path log = data.resolve("victim.log");
      victim = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();

      String spec = Api.tinySpec("").replace("\"epochs\": 2", "\"epochs\": 5");
      String id = api.api().submit(spec);
      JsonNode mid = api.api().awaitJob(id, Duration.ofSeconds(90),
          j -> j.path("progress").path("globalStep").asLong() >= 12);
      assertThat(mid.path("history").toString()).contains("claimed by victim");
      victim.destroyForcibly(); // SIGKILL: no shutdown hooks, no release
      assertThat(victim.waitFor() != 0).isTrue();
      JsonNode orphan = api.api().job(id);
      assertThat(orphan.path("status").asText()).isEqualTo("RUNNING");
      assertThat(orphan.path("attempt").asInt()).isEqualTo(1);

      try (Replica rescuer = Replica.start(schema, data, "rescuer", "hindsight.worker.lease=3s",
          "hindsight.worker.heartbeat=1s")) {
        JsonNode done = api.api().awaitStatus(id, "SUCCEEDED", Duration.ofSeconds(90));
        assertThat(done.path("attempt").asInt()).isEqualTo(2);
        String history = done.path("history").toString();
        assertThat(history).contains("lease of attempt 1 (victim) expired; taken over by rescuer (attempt 2)")
            .contains("resumed from checkpoint at global step");
        JsonNode result = api.api().json(api.api().get("/api/v1/jobs/" + id + "/result"));
        long resumedAt = result.path("provenance").path("resumedFromStep").asLong();
        assertThat(resumedAt).isPositive().isLessThanOrEqualTo(mid.path("progress").path("globalStep").asLong() + 5);

        String engineSpec = api.bean(JdbcClient.class).sql("SELECT engine_spec FROM jobs WHERE id = ?").param(id)
            .query(String.class).single();
        TrainingResult uninterrupted = TrainingJobs.newTrainer(JobSpecs.parseAndResolve(engineSpec),
            new CpuBackend(1), null, null, null, null).run();
        assertThat(result.path("epochs")).hasSize(uninterrupted.epochs().size());
        for (int e = 0; e < uninterrupted.epochs().size(); e++) {
          JsonNode got = result.path("epochs").get(e);
          var want = uninterrupted.epochs().get(e);
          assertThat(got.path("trainLoss").asDouble()).as("epoch %d train loss", e + 1).isEqualTo(want.trainLoss());
          assertThat(got.path("trainAccuracy").asDouble()).isEqualTo(want.trainAccuracy());
          assertThat(got.path("testLoss").asDouble()).as("epoch %d test loss", e + 1).isEqualTo(want.testLoss());
          assertThat(got.path("testAccuracy").asDouble()).isEqualTo(want.testAccuracy());
        }
        assertThat(result.path("testAccuracy").asDouble()).isEqualTo(uninterrupted.testAccuracy());
        assertThat(rescuer.bean(JobWorker.class).runningJobs()).isZero();
      }
    } finally {
      if (victim != null) {
        victim.destroyForcibly();
      }
    }
  }
}
