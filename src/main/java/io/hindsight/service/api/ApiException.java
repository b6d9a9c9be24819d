package io.hindsight.service.api;

import org.springframework.http.HttpStatus;

/**
 * An error the API reports to its caller as RFC 9457 problem+json: the status, a short title, a
 * detail written for the user, and (when one is to blame) the request field, as a JSON path like
 * {@code training.epochs} or a parameter name like {@code pageToken}.
 */
public class ApiException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final HttpStatus status;
  private final String title;
  private final String field;

  public ApiException(HttpStatus status, String title, String detail, String field) {
    super(detail);
    this.status = status;
    this.title = title;
    this.field = field;
  }

  public static ApiException badRequest(String field, String detail) {
    return new ApiException(HttpStatus.BAD_REQUEST, "Invalid request", detail, field);
  }

  public static ApiException notFound(String what, String id) {
    return new ApiException(HttpStatus.NOT_FOUND, "Not found", "no " + what + " with id '" + id + "'", null);
  }

  public static ApiException conflict(String detail) {
    return new ApiException(HttpStatus.CONFLICT, "Conflict", detail, null);
  }

  public HttpStatus status() {
    return status;
  }

  public String title() {
    return title;
  }

  /** The offending field, or null. */
  public String field() {
    return field;
  }
}
