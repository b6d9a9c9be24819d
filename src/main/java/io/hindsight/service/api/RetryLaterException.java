package io.hindsight.service.api;

import org.springframework.http.HttpStatus;

/**
 * A 429: the caller is over a quota or its request rate. Answered as problem+json with a
 * {@code Retry-After} header (whole seconds) saying when trying again makes sense.
 */
public class RetryLaterException extends ApiException {
  private static final long serialVersionUID = 1L;
  private final long retryAfterSeconds;

  public RetryLaterException(String title, String detail, String field, long retryAfterSeconds) {
    super(HttpStatus.TOO_MANY_REQUESTS, title, detail, field);
    this.retryAfterSeconds = Math.max(1, retryAfterSeconds);
  }

  /** The value of the {@code Retry-After} header, at least 1. */
  public long retryAfterSeconds() {
    return retryAfterSeconds;
  }
}
