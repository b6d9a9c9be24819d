package io.hindsight.service.api;

import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.boot.web.servlet.error.ErrorController;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Replaces Spring Boot's whitelabel {@code /error}: errors the servlet container raises outside
 * Spring MVC (unmapped paths, rejected requests) are answered as problem+json too, with no
 * stack trace or exception text.
 */
@RestController
@io.swagger.v3.oas.annotations.Hidden
public class ProblemErrorController implements ErrorController {

  @RequestMapping("/error")
  ResponseEntity<ProblemDetail> error(HttpServletRequest request) {
    Object code = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
    HttpStatus status = HttpStatus.resolve(code instanceof Integer i ? i : 500);
    if (status == null) {
      status = HttpStatus.INTERNAL_SERVER_ERROR;
    }
    String detail = switch (status) {
      case NOT_FOUND -> "no such resource";
      case METHOD_NOT_ALLOWED -> "method not allowed on this resource";
      case PAYLOAD_TOO_LARGE -> "the request body is too large";
      case INTERNAL_SERVER_ERROR -> "the server failed to handle the request; it has been logged";
      default -> status.getReasonPhrase();
    };
    return ProblemHandler.respond(status, status.getReasonPhrase(), detail, null);
  }
}
