package io.hindsight.service.api;

import io.hindsight.spec.SpecException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.ErrorResponse;
import org.springframework.web.bind.MissingRequestHeaderException;
import org.springframework.web.bind.MissingServletRequestParameterException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.async.AsyncRequestTimeoutException;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.multipart.MaxUploadSizeExceededException;
import org.springframework.web.multipart.MultipartException;
import org.springframework.web.multipart.support.MissingServletRequestPartException;

/**
 * Turns every exception a controller throws into problem+json. Client mistakes keep their
 * message and field; anything unexpected is logged here and answered with a generic 500 that
 * leaks no internals.
 */
@RestControllerAdvice
public class ProblemHandler {
  private static final Logger LOG = LoggerFactory.getLogger(ProblemHandler.class);

  @ExceptionHandler(ApiException.class)
  ResponseEntity<ProblemDetail> api(ApiException e) {
    return respond(e.status(), e.title(), e.getMessage(), e.field());
  }

  @ExceptionHandler(RetryLaterException.class)
  ResponseEntity<ProblemDetail> retryLater(RetryLaterException e) {
    return ResponseEntity.status(e.status()).contentType(MediaType.APPLICATION_PROBLEM_JSON)
        .header(HttpHeaders.RETRY_AFTER, Long.toString(e.retryAfterSeconds()))
        .body(Problems.of(e.status(), e.title(), e.getMessage(), e.field()));
  }

  @ExceptionHandler(SpecException.class)
  ResponseEntity<ProblemDetail> spec(SpecException e) {
    return respond(HttpStatus.BAD_REQUEST, "Invalid job spec", e.detail(), e.field().isEmpty() ? null : e.field());
  }

  @ExceptionHandler(MethodArgumentTypeMismatchException.class)
  ResponseEntity<ProblemDetail> typeMismatch(MethodArgumentTypeMismatchException e) {
    return respond(HttpStatus.BAD_REQUEST, "Invalid request", "invalid value for '" + e.getName() + "'", e.getName());
  }

  @ExceptionHandler(MissingServletRequestParameterException.class)
  ResponseEntity<ProblemDetail> missingParam(MissingServletRequestParameterException e) {
    return respond(HttpStatus.BAD_REQUEST, "Invalid request", "parameter '" + e.getParameterName() + "' is required",
        e.getParameterName());
  }

  @ExceptionHandler(MissingRequestHeaderException.class)
  ResponseEntity<ProblemDetail> missingHeader(MissingRequestHeaderException e) {
    return respond(HttpStatus.BAD_REQUEST, "Invalid request", "header '" + e.getHeaderName() + "' is required",
        e.getHeaderName());
  }

  @ExceptionHandler(MissingServletRequestPartException.class)
  ResponseEntity<ProblemDetail> missingPart(MissingServletRequestPartException e) {
    return respond(HttpStatus.BAD_REQUEST, "Invalid request", "multipart part '" + e.getRequestPartName()
        + "' is required", e.getRequestPartName());
  }

  @ExceptionHandler(MaxUploadSizeExceededException.class)
  ResponseEntity<ProblemDetail> tooLarge(MaxUploadSizeExceededException e) {
    return respond(HttpStatus.PAYLOAD_TOO_LARGE, "Request too large",
        "the upload exceeds the server's limit" + (e.getMaxUploadSize() > 0 ? " of " + e.getMaxUploadSize()
            + " bytes" : ""), null);
  }

  @ExceptionHandler(MultipartException.class)
  ResponseEntity<ProblemDetail> multipart(MultipartException e) {
    Throwable root = e;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    if (root.getClass().getSimpleName().contains("SizeLimitExceeded")
        || root.getClass().getSimpleName().contains("FileCountLimitExceeded")) {
      return respond(HttpStatus.PAYLOAD_TOO_LARGE, "Request too large", "the upload exceeds the server's limit", null);
    }
    return respond(HttpStatus.BAD_REQUEST, "Invalid request", "malformed multipart request", null);
  }

  @ExceptionHandler(HttpMessageNotReadableException.class)
  ResponseEntity<ProblemDetail> unreadable(HttpMessageNotReadableException e) {
    return respond(HttpStatus.BAD_REQUEST, "Invalid request", "the request body is missing or unreadable", null);
  }

  @ExceptionHandler(AsyncRequestTimeoutException.class)
  void asyncTimeout() {
    // an SSE stream reached its time limit: the emitter completes; clients reconnect with Last-Event-ID
  }

  private ResponseEntity<ProblemDetail> framework(Exception e, ErrorResponse er) {
    HttpStatusCode status = er.getStatusCode();
    String title = er.getBody().getTitle() != null ? er.getBody().getTitle()
        : HttpStatus.resolve(status.value()) != null ? HttpStatus.resolve(status.value()).getReasonPhrase() : "Error";
    String detail = status.is5xxServerError() ? "internal error" : er.getBody().getDetail();
    if (status.is5xxServerError()) {
      LOG.error("request failed", e);
    }
    ResponseEntity<ProblemDetail> r = respond(status, title, detail, null);
    HttpHeaders h = new HttpHeaders();
    h.putAll(r.getHeaders());
    h.putAll(er.getHeaders());
    return new ResponseEntity<>(r.getBody(), h, status);
  }

  @ExceptionHandler(Exception.class)
  ResponseEntity<ProblemDetail> unexpected(Exception e) {
    if (e instanceof ErrorResponse er) {
      return framework(e, er);
    }
    LOG.error("unexpected error", e);
    return respond(HttpStatus.INTERNAL_SERVER_ERROR, "Internal error",
        "the server failed to handle the request; it has been logged", null);
  }

  static ResponseEntity<ProblemDetail> respond(HttpStatusCode status, String title, String detail, String field) {
    return ResponseEntity.status(status).contentType(MediaType.APPLICATION_PROBLEM_JSON)
        .body(Problems.of(status, title, detail, field));
  }
}
