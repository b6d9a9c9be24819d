package io.hindsight.service.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.util.Locale;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;

/**
 * Builds the API's RFC 9457 problem documents: {@code type} is a stable URI per kind of problem
 * ({@code https://hindsight.dev/problems/<slug>}), {@code field} names the offending input.
 */
public final class Problems {
  public static final String TYPE_BASE = "https://hindsight.dev/problems/";
  private static final ObjectMapper JSON = new ObjectMapper();

  private Problems() {}

  public static ProblemDetail of(HttpStatusCode status, String title, String detail, String field) {
    ProblemDetail p = ProblemDetail.forStatusAndDetail(status, detail);
    p.setTitle(title);
    p.setType(URI.create(TYPE_BASE + slug(title)));
    if (field != null) {
      p.setProperty("field", field);
    }
    return p;
  }

  /** Writes a problem directly to a servlet response (filters, before Spring MVC runs). */
  public static void write(HttpServletResponse res, HttpStatus status, String title, String detail, String field)
      throws IOException {
    ProblemDetail p = of(status, title, detail, field);
    res.setStatus(status.value());
    res.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
    var body = JSON.createObjectNode();
    body.put("type", p.getType().toString());
    body.put("title", p.getTitle());
    body.put("status", p.getStatus());
    body.put("detail", p.getDetail());
    if (field != null) {
      body.put("field", field);
    }
    res.getOutputStream().write(JSON.writeValueAsBytes(body));
  }

  static String slug(String title) {
    return title == null ? "about:blank"
        : title.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("(^-|-$)", "");
  }
}
