package io.hindsight.service.jobs;

import io.hindsight.train.EpochMetrics;
import java.util.List;

/** {@code GET /jobs/{id}/metrics}: every finished epoch's metrics, in order (grows while the job runs). */
public record EpochHistory(String jobId, JobStatus status, List<EpochMetrics> epochs) {}
