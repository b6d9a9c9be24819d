package io.hindsight.service.jobs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * The persisted event log of each job ({@code job_events}): status changes, throttled progress,
 * finished epochs and checkpoints. Event ids increase with time, so a client that reconnects with
 * {@code Last-Event-ID} gets exactly what it missed from whichever replica it reaches.
 */
@Repository
public class JobEvents {
  /** Event types. */
  public static final String STATUS = "status";
  public static final String PROGRESS = "progress";
  public static final String EPOCH = "epoch";
  public static final String CHECKPOINT = "checkpoint";

  private final JdbcClient jdbc;
  private final ObjectMapper json;

  public JobEvents(JdbcClient jdbc, ObjectMapper json) {
    this.jdbc = jdbc;
    this.json = json;
  }

  /** One stored event. */
  public record Event(long id, String type, String data) {}

  /** Appends an event (callers that are workers fence it in the same transaction). */
  public void append(String jobId, String type, Object payload) {
    jdbc.sql("INSERT INTO job_events (job_id, type, data, created_at) VALUES (?, ?, ?, ?)")
        .params(jobId, type, toJson(payload), Timestamp.from(Instant.now())).update();
  }

  /** Events of a job after {@code afterId}, oldest first. */
  public List<Event> after(String jobId, long afterId, int limit) {
    return jdbc.sql("SELECT id, type, data FROM job_events WHERE job_id = ? AND id > ? ORDER BY id LIMIT ?")
        .params(jobId, afterId, limit)
        .query((rs, i) -> new Event(rs.getLong(1), rs.getString(2), rs.getString(3))).list();
  }

  String toJson(Object payload) {
    try {
      return json.writeValueAsString(payload);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialize event", e);
    }
  }
}
