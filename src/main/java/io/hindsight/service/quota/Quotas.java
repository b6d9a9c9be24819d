package io.hindsight.service.quota;

import io.hindsight.service.api.RetryLaterException;
import io.hindsight.service.config.HindsightProperties;
import io.hindsight.service.security.Caller;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * The per-key quotas kept in the database, so they hold across replicas: active jobs
 * ({@code hindsight.limits.max-active-jobs-per-key}) and stored upload bytes
 * ({@code hindsight.limits.max-dataset-bytes-per-key}). Each check runs in the transaction that
 * then inserts the new rows and first locks the key's {@code api_keys} row, so concurrent requests of
 * one key (on any replica) are counted one after the other and cannot overshoot together.
 */
@Service
public class Quotas {
  /** Retry-After of the active-jobs quota: about when a small job may have finished. */
  static final long JOBS_RETRY_AFTER_SECONDS = 30;
  /** Retry-After of the storage quota: space comes back only when an upload is deleted. */
  static final long BYTES_RETRY_AFTER_SECONDS = 60;
  private final JdbcClient jdbc;
  private final HindsightProperties props;

  public Quotas(JdbcClient jdbc, HindsightProperties props) {
    this.jdbc = jdbc;
    this.props = props;
  }

  /** 429 unless {@code caller} may add {@code newJobs} active jobs. Call inside the inserting transaction. */
  public void requireJobSlots(Caller caller, int newJobs) {
    int max = props.getLimits().getMaxActiveJobsPerKey();
    if (max <= 0) {
      return;
    }
    lockKey(caller);
    long active = jdbc.sql("SELECT COUNT(*) FROM jobs WHERE owner_key = ? AND status IN ('QUEUED', 'RUNNING',"
        + " 'CANCELLING')").param(caller.keyId()).query(Long.class).single();
    if (active + newJobs > max) {
      throw new RetryLaterException("Quota exceeded", "key '" + caller.name() + "' has " + active
          + " queued or running jobs; at most " + max + " at once (hindsight.limits.max-active-jobs-per-key)"
          + (newJobs > 1 ? " and this request adds " + newJobs : "") + "; wait for some to finish or cancel them",
          null, JOBS_RETRY_AFTER_SECONDS);
    }
  }

  /** 429 unless {@code caller} may store {@code newBytes} more bytes of uploads. Call inside the inserting transaction. */
  public void requireDatasetRoom(Caller caller, long newBytes) {
    long max = props.getLimits().getMaxDatasetBytesPerKey();
    if (max <= 0) {
      return;
    }
    lockKey(caller);
    long stored = jdbc.sql("SELECT COALESCE(SUM(bytes), 0) FROM datasets WHERE owner_key = ?")
        .param(caller.keyId()).query(Long.class).single();
    if (stored + newBytes > max) {
      throw new RetryLaterException("Quota exceeded", "key '" + caller.name() + "' stores " + stored
          + " bytes of datasets; this upload of " + newBytes + " bytes would pass the limit of " + max
          + " bytes (hindsight.limits.max-dataset-bytes-per-key); delete datasets first", null,
          BYTES_RETRY_AFTER_SECONDS);
    }
  }

  private void lockKey(Caller caller) {
    if (!TransactionSynchronizationManager.isActualTransactionActive()) {
      throw new IllegalStateException("quota checks must run in the transaction that inserts");
    }
    jdbc.sql("SELECT id FROM api_keys WHERE id = ? FOR UPDATE").param(caller.keyId()).query(String.class).list();
  }
}
