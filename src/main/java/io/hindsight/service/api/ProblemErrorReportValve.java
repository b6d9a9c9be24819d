package io.hindsight.service.api;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;
import org.springframework.http.HttpStatus;

/**
 * Tomcat's last-resort error page as problem+json: requests Tomcat itself rejects before Spring
 * sees them (encoded slashes or backslashes, NUL bytes, invalid UTF-8 in the path) get the same
 * kind of answer as every other error, with no server details.
 */
public class ProblemErrorReportValve extends ErrorReportValve {

  @Override
  protected void report(Request request, Response response, Throwable throwable) {
    int code = response.getStatus();
    if (code < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
      return;
    }
    HttpStatus status = HttpStatus.resolve(code);
    String title = status == null ? "Error" : status.getReasonPhrase();
    String detail = code == 400 ? "the request URI or headers are malformed" : title;
    String body = "{\"type\":\"" + Problems.TYPE_BASE + Problems.slug(title) + "\",\"title\":\"" + title
        + "\",\"status\":" + code + ",\"detail\":\"" + detail + "\"}";
    try {
      response.setContentType("application/problem+json");
      response.setCharacterEncoding("UTF-8");
      response.getOutputStream().write(body.getBytes(StandardCharsets.UTF_8));
      response.finishResponse();
    } catch (IOException | IllegalStateException e) {
      // the client is gone
    }
  }
}
