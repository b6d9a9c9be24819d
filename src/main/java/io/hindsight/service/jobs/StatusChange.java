package io.hindsight.service.jobs;

import java.time.Instant;

/** One entry of a job's status history: the new status, the attempt it belongs to, why, and when. */
public record StatusChange(JobStatus status, int attempt, String message, Instant at) {}
