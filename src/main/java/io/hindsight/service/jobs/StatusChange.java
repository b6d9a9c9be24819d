package io.hindsight.service.jobs;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;

/**
 * One entry of a job's status history: the new status, the attempt it belongs to, why, when, and
 * the name of the API key that made the change ({@code keyName}: set for a submission or a
 * cancellation, absent for the workers' changes).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record StatusChange(JobStatus status, int attempt, String message, Instant at, String keyName) {}
