package io.hindsight.service.jobs;

/** Where a job is in its life. QUEUED → RUNNING → SUCCEEDED | FAILED; cancel via CANCELLING → CANCELLED. */
public enum JobStatus {
  QUEUED, RUNNING, CANCELLING, CANCELLED, SUCCEEDED, FAILED;

  public boolean terminal() {
    return this == CANCELLED || this == SUCCEEDED || this == FAILED;
  }
}
