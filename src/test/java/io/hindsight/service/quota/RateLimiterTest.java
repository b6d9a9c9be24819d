package io.hindsight.service.quota;

import static org.assertj.core.api.Assertions.assertThat;

import io.hindsight.service.config.HindsightProperties;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The token bucket on a fake clock: the burst, the refill rate, Retry-After, one bucket per key, off at 0. */
class RateLimiterTest {
  private final AtomicLong now = new AtomicLong(1_000_000_000L);

  private RateLimiter limiter(double rate, int burst) {
    HindsightProperties props = new HindsightProperties();
    props.getLimits().setRequestsPerSecond(rate);
    props.getLimits().setRequestBurst(burst);
    return new RateLimiter(props, now::get);
  }

  @Test
  void aBurstPassesThenTheRateAppliesWithRetryAfterInWholeSeconds() {
    RateLimiter l = limiter(2, 3);
    for (int i = 0; i < 3; i++) {
      assertThat(l.acquire("k")).isZero();
    }
    assertThat(l.acquire("k")).isEqualTo(1); // half a second to the next token: rounded up
    now.addAndGet(499_000_000L);
    assertThat(l.acquire("k")).isEqualTo(1);
    now.addAndGet(2_000_000L);
    assertThat(l.acquire("k")).isZero();
    assertThat(l.acquire("k")).isEqualTo(1);
    assertThat(l.acquire("other")).as("each key has its own bucket").isZero();
    now.addAndGet(60_000_000_000L);
    for (int i = 0; i < 3; i++) {
      assertThat(l.acquire("k")).as("refilled to the burst, not beyond").isZero();
    }
    assertThat(l.acquire("k")).isPositive();
  }

  @Test
  void aSlowRateGivesALongerRetryAfterAndZeroTurnsItOff() {
    RateLimiter slow = limiter(0.1, 1);
    assertThat(slow.acquire("k")).isZero();
    assertThat(slow.acquire("k")).isEqualTo(10);
    RateLimiter off = limiter(0, 1);
    for (int i = 0; i < 1000; i++) {
      assertThat(off.acquire("k")).isZero();
    }
  }
}
