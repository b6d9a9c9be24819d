package io.hindsight.service.security;

import io.hindsight.service.api.Problems;
import io.hindsight.service.config.HindsightProperties;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Optional;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Requires {@code Authorization: Bearer <key>} for everything under {@code /api} (and for
 * {@code /actuator/prometheus} unless configured open). Health probes, the OpenAPI document and
 * Swagger UI stay open. The key is looked up in the database on every request (a revocation on any
 * replica holds from the next request on) and the {@link Caller} is put on the request.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 10)
public class ApiKeyFilter extends OncePerRequestFilter {
  private final ApiKeys keys;
  private final HindsightProperties props;

  public ApiKeyFilter(ApiKeys keys, HindsightProperties props) {
    this.keys = keys;
    this.props = props;
  }

  @Override
  protected boolean shouldNotFilter(HttpServletRequest request) {
    String path = request.getRequestURI();
    return !(path.startsWith("/api/") || path.equals("/api")
        || (props.getSecurity().isProtectPrometheus() && path.startsWith("/actuator/prometheus")));
  }

  @Override
  protected void doFilterInternal(HttpServletRequest req, HttpServletResponse res, FilterChain chain)
      throws ServletException, IOException {
    String header = req.getHeader("Authorization");
    if (header == null || header.isBlank()) {
      unauthorized(res, "missing 'Authorization: Bearer <api key>' header");
      return;
    }
    if (!header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      unauthorized(res, "the Authorization header must use the Bearer scheme");
      return;
    }
    Optional<Caller> caller = keys.authenticate(header.substring(7).strip());
    if (caller.isEmpty()) {
      unauthorized(res, "unknown or revoked API key");
      return;
    }
    req.setAttribute(Caller.ATTRIBUTE, caller.get());
    chain.doFilter(req, res);
  }

  private static void unauthorized(HttpServletResponse res, String detail) throws IOException {
    res.setHeader("WWW-Authenticate", "Bearer realm=\"hindsight\"");
    Problems.write(res, HttpStatus.UNAUTHORIZED, "Unauthorized", detail, "Authorization");
  }
}
