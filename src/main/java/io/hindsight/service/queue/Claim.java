package io.hindsight.service.queue;

import io.hindsight.service.jobs.JobStatus;

/**
 * A job this worker holds: its id, the attempt number that fences every write, the engine spec,
 * and the status it was found in (RUNNING with a lapsed lease means a take-over).
 */
public record Claim(String jobId, int attempt, String engineSpecJson, JobStatus previousStatus, String previousOwner) {}
