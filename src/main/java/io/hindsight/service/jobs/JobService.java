package io.hindsight.service.jobs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hindsight.service.api.ApiException;
import io.hindsight.service.api.Ids;
import io.hindsight.service.config.HindsightProperties;
import io.hindsight.service.metrics.JobMetrics;
import io.hindsight.service.quota.Quotas;
import io.hindsight.service.security.ApiKeys;
import io.hindsight.service.security.Caller;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Job submission, reading and cancellation for the API. Submission is durable before it is
 * answered: the job row, its first history entry and (with an {@code Idempotency-Key}) the stored
 * response commit in one transaction, after the key's active-jobs quota is checked. A key sees and
 * acts on its own jobs only (another key's job is "not found", exactly like an unknown id); admin
 * keys see all.
 */
@Service
public class JobService {
  private final SpecPreparer preparer;
  private final JobRepository jobs;
  private final IdempotencyStore idempotency;
  private final TransactionTemplate tx;
  private final ObjectMapper json;
  private final JobMetrics metrics;
  private final HindsightProperties props;
  private final Quotas quotas;

  public JobService(SpecPreparer preparer, JobRepository jobs, IdempotencyStore idempotency, TransactionTemplate tx,
      ObjectMapper json, JobMetrics metrics, HindsightProperties props, Quotas quotas) {
    this.preparer = preparer;
    this.jobs = jobs;
    this.idempotency = idempotency;
    this.tx = tx;
    this.json = json;
    this.metrics = metrics;
    this.props = props;
    this.quotas = quotas;
  }

  /** The answer to a submission: a new job, or the replay of an earlier one. */
  public record Submission(int status, String location, String body) {}

  public Submission submit(byte[] body, Caller caller, String idempotencyKey) {
    String apiKeyId = caller.keyId();
    if (idempotencyKey == null) {
      return create(body, caller, null);
    }
    if (idempotencyKey.isBlank() || idempotencyKey.length() > 200
        || !idempotencyKey.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
      throw ApiException.badRequest("Idempotency-Key", "must be 1-200 visible ASCII characters");
    }
    String hash = ApiKeys.sha256(body == null ? new byte[0] : body);
    Optional<IdempotencyStore.Entry> existing = idempotency.reserve(apiKeyId, idempotencyKey, hash);
    if (existing.isPresent()) {
      IdempotencyStore.Entry e = existing.get();
      if (!e.requestHash().equals(hash)) {
        throw new ApiException(HttpStatus.UNPROCESSABLE_ENTITY, "Idempotency key reused",
            "this Idempotency-Key was used with a different request body", "Idempotency-Key");
      }
      if (!e.done()) {
        throw new ApiException(HttpStatus.CONFLICT, "Request in progress",
            "a request with this Idempotency-Key is still being processed; retry later", "Idempotency-Key");
      }
      return new Submission(e.statusCode(), e.location(), e.response());
    }
    try {
      return create(body, caller, idempotencyKey);
    } catch (RuntimeException ex) {
      idempotency.release(apiKeyId, idempotencyKey);
      throw ex;
    }
  }

  private Submission create(byte[] body, Caller caller, String idempotencyKey) {
    SpecPreparer.Prepared p = preparer.prepare(body, caller);
    String id = Ids.newId();
    String location = "/api/v1/jobs/" + id;
    Submission s = tx.execute(status -> {
      quotas.requireJobSlots(caller, 1);
      jobs.insert(new JobRepository.NewJob(id, p.submittedJson(), p.engineSpecJson(), p.engineSpec().backend(),
          caller.keyId()), caller.name());
      JobView view = get(id, caller);
      String text = write(view);
      if (idempotencyKey != null) {
        idempotency.complete(caller.keyId(), idempotencyKey, 201, location, text);
      }
      return new Submission(201, location, text);
    });
    metrics.submitted(p.engineSpec().backend());
    return s;
  }

  public JobView get(String id, Caller caller) {
    requireVisible(id, caller);
    JobView v = jobs.find(id).orElseThrow(() -> ApiException.notFound("job", id));
    return v.withHistory(jobs.history(id));
  }

  /**
   * Checks the id and that {@code caller} may see the job (owns it, or is an admin key): 404 otherwise,
   * with the same answer as for an id that does not exist. Returns the job's status.
   */
  public JobStatus requireVisible(String id, Caller caller) {
    Ids.require(id, "id");
    return jobs.status(id, caller).orElseThrow(() -> ApiException.notFound("job", id));
  }

  public JobPage list(String status, Integer pageSize, String pageToken, Caller caller) {
    JobStatus filter = null;
    if (status != null) {
      try {
        filter = JobStatus.valueOf(status);
      } catch (IllegalArgumentException e) {
        throw ApiException.badRequest("status", "'" + status.replaceAll("\\p{Cntrl}", "?")
            + "' is not one of " + List.of(JobStatus.values()));
      }
    }
    int max = props.getLimits().getMaxPageSize();
    int size = pageSize == null ? 20 : pageSize;
    if (size < 1 || size > max) {
      throw ApiException.badRequest("pageSize", "must be in [1, " + max + "], got " + size);
    }
    long before = pageToken == null ? 0 : PageToken.decode(pageToken, filter);
    List<Map.Entry<Long, JobView>> rows = jobs.list(filter, before, size + 1, caller);
    boolean more = rows.size() > size;
    List<Map.Entry<Long, JobView>> page = more ? rows.subList(0, size) : rows;
    String next = more ? PageToken.encode(page.get(page.size() - 1).getKey(), filter) : null;
    return new JobPage(page.stream().map(Map.Entry::getValue).toList(), next);
  }

  /** Requests cancellation (recorded as by {@code caller}); 409 if the job already SUCCEEDED or FAILED. */
  public JobView cancel(String id, Caller caller) {
    JobStatus before = requireVisible(id, caller);
    JobStatus after = jobs.requestCancel(id, caller.name());
    if (after == JobStatus.SUCCEEDED || after == JobStatus.FAILED) {
      throw ApiException.conflict("job " + id + " already " + after + "; nothing to cancel");
    }
    if (before == JobStatus.QUEUED && after == JobStatus.CANCELLED) {
      metrics.finished("CANCELLED", "none", null);
    }
    return get(id, caller);
  }

  private String write(Object o) {
    try {
      return json.writeValueAsString(o);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
