package io.hindsight.service.queue;

/**
 * A worker's write was refused because the job is no longer its own: another worker claimed it
 * (a higher attempt number) after this worker's lease expired, or the job was released.
 */
public final class LeaseLostException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public LeaseLostException(String jobId, int attempt) {
    super("job " + jobId + ": attempt " + attempt + " no longer holds the job; write refused");
  }
}
