package io.hindsight.service.quota;

import io.hindsight.service.config.HindsightProperties;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * Request rate per API key on this replica: a token bucket per key holding up to
 * {@code hindsight.limits.request-burst} tokens, refilled at {@code requests-per-second}; each
 * request takes one. Kept in memory (a replica limits what reaches it; N replicas behind a
 * balancer allow up to N times the rate).
 */
@Component
public class RateLimiter {
  private final HindsightProperties props;
  private final LongSupplier nanoTime;
  private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

  @Autowired
  public RateLimiter(HindsightProperties props) {
    this(props, System::nanoTime);
  }

  RateLimiter(HindsightProperties props, LongSupplier nanoTime) {
    this.props = props;
    this.nanoTime = nanoTime;
  }

  /** Takes a token for {@code keyId}: 0 if the request may go on, else the seconds until one is available (≥ 1). */
  public long acquire(String keyId) {
    double rate = props.getLimits().getRequestsPerSecond();
    if (rate <= 0) {
      return 0;
    }
    int burst = Math.max(1, props.getLimits().getRequestBurst());
    return buckets.computeIfAbsent(keyId, k -> new Bucket(burst, nanoTime.getAsLong())).take(rate, burst,
        nanoTime.getAsLong());
  }

  /** One key's bucket. */
  private static final class Bucket {
    private double tokens;
    private long at;

    Bucket(int burst, long now) {
      this.tokens = burst;
      this.at = now;
    }

    synchronized long take(double rate, int burst, long now) {
      tokens = Math.min(burst, tokens + Math.max(0, now - at) * 1e-9 * rate);
      at = now;
      if (tokens >= 1) {
        tokens -= 1;
        return 0;
      }
      return Math.max(1, (long) Math.ceil((1 - tokens) / rate));
    }
  }
}
