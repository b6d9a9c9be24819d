package io.hindsight.service.jobs;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.hindsight.train.EpochMetrics;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A job as the API shows it. {@code history} is present on {@code GET /jobs/{id}} and omitted in
 * listings; {@code backend} is what the latest attempt ran on; {@code latestMetrics} is the last
 * finished epoch; {@code failureReason} is set when the job FAILED; {@code owner} is the name of
 * the API key the job belongs to.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JobView(
    String id,
    JobStatus status,
    int attempt,
    String backend,
    Map<String, Object> spec,
    Progress progress,
    EpochMetrics latestMetrics,
    String failureReason,
    Instant createdAt,
    Instant updatedAt,
    Instant startedAt,
    Instant finishedAt,
    String owner,
    List<StatusChange> history) {

  JobView withHistory(List<StatusChange> h) {
    return new JobView(id, status, attempt, backend, spec, progress, latestMetrics, failureReason, createdAt,
        updatedAt, startedAt, finishedAt, owner, h);
  }
}
