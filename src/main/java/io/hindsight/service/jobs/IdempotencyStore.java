package io.hindsight.service.jobs;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.Optional;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * {@code Idempotency-Key} bookkeeping per API key: a key is reserved (IN_FLIGHT) with the hash of
 * the request body before the job is created, and completed (DONE) with the response in the same
 * transaction that inserts the job, so a replay returns exactly the original answer.
 */
@Repository
public class IdempotencyStore {
  private final JdbcClient jdbc;

  public IdempotencyStore(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /** A stored entry. */
  public record Entry(String requestHash, String state, Integer statusCode, String location, String response) {
    boolean done() {
      return "DONE".equals(state);
    }
  }

  /** How long a reservation may stay IN_FLIGHT before a retry may take it over (its server died). */
  static final java.time.Duration STALE = java.time.Duration.ofMinutes(2);

  /** Reserves the key; empty if it was free, else the existing entry. */
  public Optional<Entry> reserve(String apiKeyId, String key, String requestHash) {
    jdbc.sql("DELETE FROM idempotency_keys WHERE api_key_id = ? AND idem_key = ? AND state = 'IN_FLIGHT'"
            + " AND created_at < ?")
        .params(apiKeyId, key, Timestamp.from(Instant.now().minus(STALE))).update();
    try {
      jdbc.sql("INSERT INTO idempotency_keys (api_key_id, idem_key, request_hash, state, created_at)"
              + " VALUES (?, ?, ?, 'IN_FLIGHT', ?)")
          .params(apiKeyId, key, requestHash, Timestamp.from(Instant.now())).update();
      return Optional.empty();
    } catch (DuplicateKeyException e) {
      return jdbc.sql("SELECT request_hash, state, status_code, location, response FROM idempotency_keys"
              + " WHERE api_key_id = ? AND idem_key = ?").params(apiKeyId, key)
          .query((rs, i) -> new Entry(rs.getString(1), rs.getString(2), (Integer) rs.getObject(3), rs.getString(4),
              rs.getString(5)))
          .optional()
          // released between our insert and select: treat as in flight; the client retries
          .or(() -> Optional.of(new Entry(requestHash, "IN_FLIGHT", null, null, null)));
    }
  }

  /** Records the response (call inside the transaction that created the job). */
  public void complete(String apiKeyId, String key, int status, String location, String response) {
    jdbc.sql("UPDATE idempotency_keys SET state = 'DONE', status_code = ?, location = ?, response = ?"
            + " WHERE api_key_id = ? AND idem_key = ?")
        .params(status, location, response, apiKeyId, key).update();
  }

  /** Frees a reserved key whose request failed, so that it can be retried. */
  public void release(String apiKeyId, String key) {
    jdbc.sql("DELETE FROM idempotency_keys WHERE api_key_id = ? AND idem_key = ? AND state = 'IN_FLIGHT'")
        .params(apiKeyId, key).update();
  }
}
