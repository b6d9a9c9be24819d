package io.hindsight.service.quota;

import io.hindsight.service.api.Problems;
import io.hindsight.service.security.Caller;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Answers {@code 429} (problem+json, {@code Retry-After}) to an API key over its request rate
 * ({@link RateLimiter}). Runs right after the key is authenticated, before anything reads the body.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 15)
public class RateLimitFilter extends OncePerRequestFilter {
  private final RateLimiter limiter;

  public RateLimitFilter(RateLimiter limiter) {
    this.limiter = limiter;
  }

  @Override
  protected boolean shouldNotFilter(HttpServletRequest request) {
    return !(request.getAttribute(Caller.ATTRIBUTE) instanceof Caller);
  }

  @Override
  protected void doFilterInternal(HttpServletRequest req, HttpServletResponse res, FilterChain chain)
      throws ServletException, IOException {
    Caller caller = Caller.of(req);
    long wait = limiter.acquire(caller.keyId());
    if (wait > 0) {
      res.setHeader(HttpHeaders.RETRY_AFTER, Long.toString(wait));
      Problems.write(res, HttpStatus.TOO_MANY_REQUESTS, "Too many requests", "key '" + caller.name()
          + "' is over its request rate (hindsight.limits.requests-per-second, request-burst); retry after " + wait
          + " s", null);
      return;
    }
    chain.doFilter(req, res);
  }
}
