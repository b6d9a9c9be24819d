package io.hindsight.service.queue;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hindsight.service.jobs.JobEvents;
import io.hindsight.service.jobs.JobRepository;
import io.hindsight.service.jobs.JobStatus;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The durable queue in the {@code jobs} table. Workers claim with
 * {@code SELECT ... FOR UPDATE SKIP LOCKED} (so replicas never take the same row), which
 * increments the job's attempt number and sets a lease; heartbeats extend the lease. Every write
 * a worker makes afterwards is conditioned on {@code attempt = :myAttempt}: once another worker
 * has claimed the job (after this one's lease expired) the old worker's writes match no row, are
 * refused with {@link LeaseLostException}, and are logged.
 */
@Repository
public class JobQueue {
  private static final Logger LOG = LoggerFactory.getLogger(JobQueue.class);
  private final JdbcClient jdbc;
  private final TransactionTemplate tx;
  private final JobRepository jobs;
  private final JobEvents events;
  private final ObjectMapper json;

  public JobQueue(JdbcClient jdbc, TransactionTemplate tx, JobRepository jobs, JobEvents events, ObjectMapper json) {
    this.jdbc = jdbc;
    this.tx = tx;
    this.jobs = jobs;
    this.events = events;
    this.json = json;
  }

  /**
   * Claims the oldest job this worker may run: QUEUED, or RUNNING/CANCELLING whose lease has
   * expired (its worker is presumed dead). A take-over of a CANCELLING job just finishes the
   * cancellation. Jobs past {@code maxAttempts} are failed instead of run again.
   */
  public Optional<Claim> claim(List<String> backends, String owner, Duration lease, int maxAttempts) {
    if (backends.isEmpty()) {
      return Optional.empty();
    }
    return tx.execute(s -> {
      Timestamp now = Timestamp.from(Instant.now());
      String in = String.join(", ", backends.stream().map(b -> "?").toList());
      List<Object> params = new java.util.ArrayList<>(backends);
      params.add(now);
      var rows = jdbc.sql("SELECT id, status, attempt, engine_spec, lease_owner FROM jobs"
              + " WHERE backend_requested IN (" + in + ")"
              + " AND (status = 'QUEUED' OR (status IN ('RUNNING', 'CANCELLING') AND lease_expires_at < ?))"
              + " ORDER BY seq LIMIT 1 FOR UPDATE SKIP LOCKED")
          .params(params)
          .query((rs, i) -> new Claim(rs.getString("id"), rs.getInt("attempt"), rs.getString("engine_spec"),
              JobStatus.valueOf(rs.getString("status")), rs.getString("lease_owner")))
          .list();
      if (rows.isEmpty()) {
        return Optional.<Claim>empty();
      }
      Claim found = rows.get(0);
      int attempt = found.attempt() + 1;
      if (found.previousStatus() == JobStatus.CANCELLING) {
        finishUnfenced(found.jobId(), JobStatus.CANCELLED, found.attempt(),
            "cancelled; its worker " + found.previousOwner() + " stopped responding (last checkpoint kept)");
        return Optional.<Claim>empty();
      }
      if (attempt > maxAttempts) {
        finishUnfenced(found.jobId(), JobStatus.FAILED, found.attempt(), "gave up after " + found.attempt()
            + " attempts (the job's workers kept dying)");
        return Optional.<Claim>empty();
      }
      Timestamp expires = Timestamp.from(Instant.now().plus(lease));
      jdbc.sql("UPDATE jobs SET status = 'RUNNING', attempt = ?, lease_owner = ?, lease_expires_at = ?,"
              + " updated_at = ?, started_at = COALESCE(started_at, ?) WHERE id = ? AND attempt = ?")
          .params(attempt, owner, expires, now, now, found.jobId(), found.attempt()).update();
      String message = found.previousStatus() == JobStatus.QUEUED
          ? "claimed by " + owner + " (attempt " + attempt + ")"
          : "lease of attempt " + found.attempt() + " (" + found.previousOwner() + ") expired; taken over by "
              + owner + " (attempt " + attempt + ")";
      jobs.addHistory(found.jobId(), JobStatus.RUNNING, attempt, message);
      return Optional.of(new Claim(found.jobId(), attempt, found.engineSpecJson(), found.previousStatus(),
          found.previousOwner()));
    });
  }

  private void finishUnfenced(String id, JobStatus status, int attempt, String message) {
    Timestamp now = Timestamp.from(Instant.now());
    jdbc.sql("UPDATE jobs SET status = ?, lease_owner = NULL, lease_expires_at = NULL, updated_at = ?,"
            + " finished_at = ?, failure_reason = ? WHERE id = ?")
        .params(status.name(), now, now, status == JobStatus.FAILED ? message : null, id).update();
    jobs.addHistory(id, status, attempt, message);
  }

  /** What a heartbeat learned. */
  public record Beat(boolean held, boolean cancelRequested) {}

  /** Extends the lease; {@code held} is false once the job is no longer this attempt's. */
  public Beat heartbeat(String id, int attempt, Duration lease) {
    Timestamp expires = Timestamp.from(Instant.now().plus(lease));
    int n = jdbc.sql("UPDATE jobs SET lease_expires_at = ? WHERE id = ? AND attempt = ?"
            + " AND status IN ('RUNNING', 'CANCELLING')").params(expires, id, attempt).update();
    if (n == 0) {
      return new Beat(false, false);
    }
    return new Beat(true, cancelRequested(id, attempt));
  }

  public boolean cancelRequested(String id, int attempt) {
    return jdbc.sql("SELECT cancel_requested FROM jobs WHERE id = ? AND attempt = ?").params(id, attempt)
        .query(Boolean.class).optional().orElse(false);
  }

  /** Records which backend this attempt runs on. */
  public void started(String id, int attempt, String backend) {
    fenced(id, attempt, "UPDATE jobs SET backend = ?, updated_at = ? WHERE id = ? AND attempt = ?"
        + " AND status IN ('RUNNING', 'CANCELLING')", backend, now(), id, attempt);
  }

  /** Adds a history entry (e.g. a resume) while the attempt holds the job. */
  public void note(String id, int attempt, String message) {
    tx.executeWithoutResult(s -> {
      lock(id, attempt);
      JobStatus status = jobs.status(id).orElseThrow();
      jobs.addHistory(id, status, attempt, message);
    });
  }

  /** Persists progress (and a progress event). */
  public void progress(String id, int attempt, Object progress) {
    tx.executeWithoutResult(s -> {
      String text = toJson(progress);
      fenced(id, attempt, "UPDATE jobs SET progress = ?, updated_at = ? WHERE id = ? AND attempt = ?"
          + " AND status IN ('RUNNING', 'CANCELLING')", text, now(), id, attempt);
      events.append(id, JobEvents.PROGRESS, progress);
    });
  }

  /** Persists a finished epoch (history row, latest metrics, event). */
  public void epoch(String id, int attempt, int epoch, Object metrics) {
    tx.executeWithoutResult(s -> {
      String text = toJson(metrics);
      fenced(id, attempt, "UPDATE jobs SET latest_metrics = ?, updated_at = ? WHERE id = ? AND attempt = ?"
          + " AND status IN ('RUNNING', 'CANCELLING')", text, now(), id, attempt);
      jdbc.sql("DELETE FROM job_epochs WHERE job_id = ? AND epoch = ?").params(id, epoch).update();
      jdbc.sql("INSERT INTO job_epochs (job_id, epoch, metrics) VALUES (?, ?, ?)").params(id, epoch, text).update();
      events.append(id, JobEvents.EPOCH, metrics);
    });
  }

  /** Records that a checkpoint was written. */
  public void checkpoint(String id, int attempt, Object payload) {
    tx.executeWithoutResult(s -> {
      lock(id, attempt);
      events.append(id, JobEvents.CHECKPOINT, payload);
    });
  }

  /** Ends the job in a terminal status; {@code result} is the result.json text (SUCCEEDED only). */
  public void finish(String id, int attempt, JobStatus status, String message, String failureReason, String result) {
    tx.executeWithoutResult(s -> {
      Timestamp now = now();
      fenced(id, attempt, "UPDATE jobs SET status = ?, failure_reason = ?, result = ?, lease_owner = NULL,"
              + " lease_expires_at = NULL, updated_at = ?, finished_at = ? WHERE id = ? AND attempt = ?"
              + " AND status IN ('RUNNING', 'CANCELLING')",
          status.name(), failureReason, result, now, now, id, attempt);
      jobs.addHistory(id, status, attempt, message);
    });
  }

  /** Gives the job back to the queue (graceful shutdown): QUEUED, lease cleared. */
  public void release(String id, int attempt, String message) {
    tx.executeWithoutResult(s -> {
      Timestamp now = now();
      fenced(id, attempt, "UPDATE jobs SET status = 'QUEUED', lease_owner = NULL, lease_expires_at = NULL,"
          + " updated_at = ? WHERE id = ? AND attempt = ? AND status = 'RUNNING'", now, id, attempt);
      jobs.addHistory(id, JobStatus.QUEUED, attempt, message);
    });
  }

  private void lock(String id, int attempt) {
    List<String> held = jdbc.sql("SELECT id FROM jobs WHERE id = ? AND attempt = ?"
        + " AND status IN ('RUNNING', 'CANCELLING') FOR UPDATE").params(id, attempt).query(String.class).list();
    if (held.isEmpty()) {
      refuse(id, attempt);
    }
  }

  private void fenced(String id, int attempt, String sql, Object... params) {
    if (jdbc.sql(sql).params(params).update() == 0) {
      refuse(id, attempt);
    }
  }

  private static void refuse(String id, int attempt) {
    LeaseLostException e = new LeaseLostException(id, attempt);
    LOG.warn("refused a late write: {}", e.getMessage());
    throw e;
  }

  private static Timestamp now() {
    return Timestamp.from(Instant.now());
  }

  private String toJson(Object o) {
    try {
      return json.writeValueAsString(o);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
