package io.hindsight.service.jobs;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hindsight.service.security.Caller;
import io.hindsight.train.EpochMetrics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.annotation.Transactional;

/**
 * The API side of the {@code jobs} table: insert submissions, read jobs, their history, epochs and
 * results, and request cancellation. Worker-side writes (claims, progress, completion) live in
 * {@code io.hindsight.service.queue.JobQueue}, fenced by attempt number.
 */
@Repository
public class JobRepository {
  static final String VIEW_COLUMNS = "id, seq, status, attempt, backend, spec, progress, latest_metrics, "
      + "failure_reason, created_at, updated_at, started_at, finished_at, "
      + "(SELECT k.name FROM api_keys k WHERE k.id = jobs.owner_key) AS owner";
  private final JdbcClient jdbc;
  private final ObjectMapper json;
  private final JobEvents events;

  public JobRepository(JdbcClient jdbc, ObjectMapper json, JobEvents events) {
    this.jdbc = jdbc;
    this.json = json;
    this.events = events;
  }

  /** A queued job to insert. */
  public record NewJob(String id, String specJson, String engineSpecJson, String backendRequested, String ownerKey) {}

  /** Inserts a QUEUED job with its first history entry ("submitted" by key {@code keyName}) and event. */
  @Transactional
  public void insert(NewJob job, String keyName) {
    Timestamp now = Timestamp.from(Instant.now());
    jdbc.sql("INSERT INTO jobs (id, status, spec, engine_spec, backend_requested, owner_key, created_at, updated_at)"
            + " VALUES (?, 'QUEUED', ?, ?, ?, ?, ?, ?)")
        .params(job.id(), job.specJson(), job.engineSpecJson(), job.backendRequested(), job.ownerKey(), now, now)
        .update();
    addHistory(job.id(), JobStatus.QUEUED, 0, "submitted", keyName);
  }

  /** Records a status change a worker made in the history and the event log. */
  public void addHistory(String jobId, JobStatus status, int attempt, String message) {
    addHistory(jobId, status, attempt, message, null);
  }

  /** Records a status change made with API key {@code keyName} (null: by a worker). */
  public void addHistory(String jobId, JobStatus status, int attempt, String message, String keyName) {
    Instant at = Instant.now();
    jdbc.sql("INSERT INTO job_status_history (job_id, status, attempt, message, at, key_name)"
            + " VALUES (?, ?, ?, ?, ?, ?)")
        .params(jobId, status.name(), attempt, message, Timestamp.from(at), keyName).update();
    events.append(jobId, JobEvents.STATUS, new StatusChange(status, attempt, message, at, keyName));
  }

  public Optional<JobView> find(String id) {
    return jdbc.sql("SELECT " + VIEW_COLUMNS + " FROM jobs WHERE id = ?").param(id)
        .query((rs, i) -> view(rs)).optional();
  }

  /** The status of job {@code id} if {@code caller} may see it (its owner or an admin key). */
  public Optional<JobStatus> status(String id, Caller caller) {
    List<Object> params = new ArrayList<>(List.of(id));
    params.addAll(caller.ownerParams());
    return jdbc.sql("SELECT status FROM jobs WHERE id = ?" + caller.ownedRows("owner_key")).params(params)
        .query(String.class).optional().map(JobStatus::valueOf);
  }

  public Optional<JobStatus> status(String id) {
    return jdbc.sql("SELECT status FROM jobs WHERE id = ?").param(id).query(String.class).optional()
        .map(JobStatus::valueOf);
  }

  public List<StatusChange> history(String id) {
    return jdbc.sql("SELECT status, attempt, message, at, key_name FROM job_status_history WHERE job_id = ?"
            + " ORDER BY id")
        .param(id)
        .query((rs, i) -> new StatusChange(JobStatus.valueOf(rs.getString(1)), rs.getInt(2), rs.getString(3),
            rs.getTimestamp(4).toInstant(), rs.getString(5)))
        .list();
  }

  /**
   * A page of the jobs {@code caller} may see, newest first, strictly before {@code beforeSeq} (0:
   * from the newest).
   */
  public List<Map.Entry<Long, JobView>> list(JobStatus status, long beforeSeq, int limit, Caller caller) {
    StringBuilder sql = new StringBuilder("SELECT " + VIEW_COLUMNS + " FROM jobs WHERE 1 = 1"
        + caller.ownedRows("owner_key"));
    List<Object> params = new ArrayList<>(caller.ownerParams());
    if (status != null) {
      sql.append(" AND status = ?");
      params.add(status.name());
    }
    if (beforeSeq > 0) {
      sql.append(" AND seq < ?");
      params.add(beforeSeq);
    }
    sql.append(" ORDER BY seq DESC LIMIT ?");
    params.add(limit);
    return jdbc.sql(sql.toString()).params(params)
        .query((rs, i) -> Map.entry(rs.getLong("seq"), view(rs))).list();
  }

  public List<EpochMetrics> epochs(String id) {
    return jdbc.sql("SELECT metrics FROM job_epochs WHERE job_id = ? ORDER BY epoch").param(id)
        .query((rs, i) -> read(rs.getString(1), EpochMetrics.class)).list();
  }

  /** The stored result.json text, if the job succeeded. */
  public Optional<String> result(String id) {
    return jdbc.sql("SELECT result FROM jobs WHERE id = ?").param(id).query(String.class).optional()
        .filter(r -> r != null);
  }

  public long count(JobStatus status) {
    return jdbc.sql("SELECT COUNT(*) FROM jobs WHERE status = ?").param(status.name()).query(Long.class).single();
  }

  /**
   * Cancels a job with API key {@code keyName}: a QUEUED job becomes CANCELLED at once; a RUNNING
   * one CANCELLING (its worker stops at the next step). Returns the status after the call.
   */
  @Transactional
  public JobStatus requestCancel(String id, String keyName) {
    String s = jdbc.sql("SELECT status FROM jobs WHERE id = ? FOR UPDATE").param(id).query(String.class).single();
    JobStatus status = JobStatus.valueOf(s);
    int attempt = jdbc.sql("SELECT attempt FROM jobs WHERE id = ?").param(id).query(Integer.class).single();
    Timestamp now = Timestamp.from(Instant.now());
    switch (status) {
      case QUEUED -> {
        jdbc.sql("UPDATE jobs SET status = 'CANCELLED', cancel_requested = TRUE, updated_at = ?, finished_at = ?,"
            + " lease_owner = NULL, lease_expires_at = NULL WHERE id = ?").params(now, now, id).update();
        addHistory(id, JobStatus.CANCELLED, attempt, "cancelled before it started", keyName);
        return JobStatus.CANCELLED;
      }
      case RUNNING -> {
        jdbc.sql("UPDATE jobs SET status = 'CANCELLING', cancel_requested = TRUE, updated_at = ? WHERE id = ?")
            .params(now, id).update();
        addHistory(id, JobStatus.CANCELLING, attempt, "cancel requested; stopping at the next step", keyName);
        return JobStatus.CANCELLING;
      }
      default -> {
        return status;
      }
    }
  }

  JobView view(ResultSet rs) throws SQLException {
    return new JobView(rs.getString("id"), JobStatus.valueOf(rs.getString("status")), rs.getInt("attempt"),
        rs.getString("backend"), read(rs.getString("spec"), new TypeReference<Map<String, Object>>() {}),
        read(rs.getString("progress"), Progress.class), read(rs.getString("latest_metrics"), EpochMetrics.class),
        rs.getString("failure_reason"), instant(rs, "created_at"), instant(rs, "updated_at"),
        instant(rs, "started_at"), instant(rs, "finished_at"), rs.getString("owner"), null);
  }

  private static Instant instant(ResultSet rs, String col) throws SQLException {
    Timestamp t = rs.getTimestamp(col);
    return t == null ? null : t.toInstant();
  }

  private <T> T read(String text, Class<T> type) {
    try {
      return text == null ? null : json.readValue(text, type);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private <T> T read(String text, TypeReference<T> type) {
    try {
      return text == null ? null : json.readValue(text, type);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
