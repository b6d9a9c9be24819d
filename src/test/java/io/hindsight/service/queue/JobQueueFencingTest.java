package io.hindsight.service.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hindsight.service.jobs.JobEvents;
import io.hindsight.service.jobs.JobRepository;
import io.hindsight.service.jobs.JobStatus;
import io.hindsight.service.support.TestDatabase;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.autoconfigure.jackson.JacksonAutoConfiguration;
import org.springframework.boot.test.autoconfigure.jdbc.AutoConfigureTestDatabase;
import org.springframework.boot.test.autoconfigure.jdbc.JdbcTest;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * The queue's guarantees on PostgreSQL (a JDBC slice: repositories, Flyway, no web): concurrent
 * claims never hand one job to two workers; a take-over after lease expiry increments the
 * attempt and every later write of the old attempt is refused; expired cancellations complete;
 * jobs that keep killing their workers are failed.
 */
@JdbcTest
@AutoConfigureTestDatabase(replace = AutoConfigureTestDatabase.Replace.NONE)
@ImportAutoConfiguration(JacksonAutoConfiguration.class)
@Import({JobQueue.class, JobRepository.class, JobEvents.class})
@Transactional(propagation = Propagation.NOT_SUPPORTED)
class JobQueueFencingTest {
  static final List<String> ANY = List.of("cpu", "auto", "cuda");
  static final Duration LEASE = Duration.ofSeconds(30);

  @DynamicPropertySource
  static void db(DynamicPropertyRegistry r) {
    TestDatabase.register(r, TestDatabase.freshSchema());
  }

  @Autowired
  JobQueue queue;
  @Autowired
  JobRepository jobs;
  @Autowired
  JdbcClient jdbc;

  String newJob() {
    String id = UUID.randomUUID().toString();
    jobs.insert(new JobRepository.NewJob(id, "{}", "{}", "cpu", null), null);
    return id;
  }

  void expireLease(String id) {
    jdbc.sql("UPDATE jobs SET lease_expires_at = ? WHERE id = ?")
        .params(Timestamp.from(Instant.now().minusSeconds(1)), id).update();
  }

  void drain() {
    while (queue.claim(ANY, "drain", LEASE, 100).isPresent()) {
      // earlier tests' leftovers
    }
  }

  @Test
  void lateWritesOfASupersededAttemptAreRefused() {
    drain();
    String id = newJob();
    Claim first = queue.claim(ANY, "w1", LEASE, 5).orElseThrow();
    assertThat(first.jobId()).isEqualTo(id);
    assertThat(first.attempt()).isEqualTo(1);
    queue.progress(id, 1, Map.of("step", 1));
    assertThat(queue.claim(ANY, "w2", LEASE, 5)).isEmpty(); // the lease holds

    expireLease(id);
    Claim second = queue.claim(ANY, "w2", LEASE, 5).orElseThrow();
    assertThat(second.attempt()).isEqualTo(2);
    assertThat(second.previousStatus()).isEqualTo(JobStatus.RUNNING);
    assertThat(second.previousOwner()).isEqualTo("w1");

    assertThatThrownBy(() -> queue.progress(id, 1, Map.of("step", 2))).isInstanceOf(LeaseLostException.class);
    assertThatThrownBy(() -> queue.epoch(id, 1, 1, Map.of("epoch", 1))).isInstanceOf(LeaseLostException.class);
    assertThatThrownBy(() -> queue.checkpoint(id, 1, Map.of())).isInstanceOf(LeaseLostException.class);
    assertThatThrownBy(() -> queue.finish(id, 1, JobStatus.FAILED, "late", "late", null))
        .isInstanceOf(LeaseLostException.class);
    assertThat(queue.heartbeat(id, 1, LEASE).held()).isFalse();
    assertThat(queue.heartbeat(id, 2, LEASE).held()).isTrue();

    queue.finish(id, 2, JobStatus.SUCCEEDED, "done", null, "{\"testAccuracy\": 1}");
    assertThat(jobs.status(id)).hasValue(JobStatus.SUCCEEDED);
    assertThat(jobs.history(id)).extracting(h -> h.status() + "/" + h.attempt())
        .containsExactly("QUEUED/0", "RUNNING/1", "RUNNING/2", "SUCCEEDED/2");
    assertThat(jdbc.sql("SELECT lease_owner FROM jobs WHERE id = ?").param(id).query(String.class).optional())
        .isEmpty();
    // the events of attempt 1 written before the take-over stay; none after it
    assertThat(jdbc.sql("SELECT COUNT(*) FROM job_events WHERE job_id = ? AND type = 'progress'").param(id)
        .query(Integer.class).single()).isEqualTo(1);
  }

  @Test
  void concurrentClaimsNeverShareAJob() throws Exception {
    drain();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      ids.add(newJob());
    }
    Map<String, String> claimedBy = new ConcurrentHashMap<>();
    List<String> duplicates = java.util.Collections.synchronizedList(new ArrayList<>());
    ExecutorService pool = Executors.newFixedThreadPool(4);
    List<Future<?>> fs = new ArrayList<>();
    for (int w = 0; w < 4; w++) {
      String worker = "w" + w;
      fs.add(pool.submit(() -> {
        Optional<Claim> c;
        while ((c = queue.claim(ANY, worker, LEASE, 5)).isPresent()) {
          if (claimedBy.putIfAbsent(c.get().jobId(), worker) != null) {
            duplicates.add(c.get().jobId());
          }
        }
      }));
    }
    for (Future<?> f : fs) {
      f.get();
    }
    pool.shutdown();
    assertThat(duplicates).isEmpty();
    assertThat(claimedBy.keySet()).containsExactlyInAnyOrderElementsOf(ids);
    for (String id : ids) {
      assertThat(jdbc.sql("SELECT attempt FROM jobs WHERE id = ?").param(id).query(Integer.class).single())
          .isEqualTo(1);
    }
  }

  @Test
  void expiredCancellationCompletesAndRepeatedDeathsFail() {
    drain();
    String cancelling = newJob();
    queue.claim(ANY, "w1", LEASE, 5).orElseThrow();
    assertThat(jobs.requestCancel(cancelling, "test")).isEqualTo(JobStatus.CANCELLING);
    expireLease(cancelling);
    assertThat(queue.claim(ANY, "w2", LEASE, 5)).isEmpty();
    assertThat(jobs.status(cancelling)).hasValue(JobStatus.CANCELLED);

    String doomed = newJob();
    for (int attempt = 1; attempt <= 2; attempt++) {
      assertThat(queue.claim(ANY, "w" + attempt, LEASE, 2).orElseThrow().attempt()).isEqualTo(attempt);
      expireLease(doomed);
    }
    assertThat(queue.claim(ANY, "w3", LEASE, 2)).isEmpty();
    assertThat(jobs.find(doomed).orElseThrow().failureReason()).contains("gave up after 2 attempts");
  }

  @Test
  void claimsOnlyTheBackendsAWorkerServes() {
    drain();
    String id = UUID.randomUUID().toString();
    jobs.insert(new JobRepository.NewJob(id, "{}", "{}", "cuda", null), null);
    assertThat(queue.claim(List.of("cpu", "auto"), "cpu-worker", LEASE, 5)).isEmpty();
    assertThat(queue.claim(List.of("cuda", "auto"), "gpu-worker", LEASE, 5)).map(Claim::jobId).hasValue(id);
  }
}
