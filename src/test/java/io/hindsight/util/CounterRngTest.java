package io.hindsight.util;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** The counter-based numbers of stochastic rounding: deterministic, independent per key, uniform. */
class CounterRngTest {

  @Test
  void numbersAreAFunctionOfKeyAndIndexInTheUnitInterval() {
    long k = CounterRng.key(42, 0);
    assertThat(CounterRng.uniform(k, 7)).isEqualTo(CounterRng.uniform(k, 7));
    assertThat(CounterRng.uniform(k, 7)).isNotEqualTo(CounterRng.uniform(k, 8));
    assertThat(CounterRng.uniform(k, 7)).isNotEqualTo(CounterRng.uniform(CounterRng.key(42, 1), 7));
    assertThat(CounterRng.uniform(k, 7)).isNotEqualTo(CounterRng.uniform(CounterRng.key(43, 0), 7));
    for (long i = 0; i < 100_000; i++) {
      float u = CounterRng.uniform(-1L, i);
      assertThat(u).isGreaterThanOrEqualTo(0f).isLessThan(1f);
      assertThat(u * 0x1.0p24f).as("a multiple of 2^-24").isEqualTo((float) Math.floor(u * 0x1.0p24f));
    }
  }

  @Test
  void numbersHaveUniformMoments() {
    int n = 1_000_000;
    int[] bins = new int[16];
    double sum = 0;
    double sq = 0;
    long key = CounterRng.key(12345, 3);
    for (int i = 0; i < n; i++) {
      float u = CounterRng.uniform(key, i);
      sum += u;
      sq += (double) u * u;
      bins[(int) (u * 16)]++;
    }
    assertThat(sum / n).isCloseTo(0.5, within(0.002));
    assertThat(sq / n - Math.pow(sum / n, 2)).isCloseTo(1.0 / 12, within(0.001));
    double chi2 = 0;
    double expected = n / 16.0;
    for (int b : bins) {
      chi2 += (b - expected) * (b - expected) / expected;
    }
    assertThat(chi2).as("chi-square, 15 degrees of freedom").isLessThan(40);
  }

  @Test
  void streamsOfNeighbouringQuantizersDoNotRepeatEachOther() {
    long a = CounterRng.key(CounterRng.stream(7, 1), 0);
    long b = CounterRng.key(CounterRng.stream(7, 2), 0);
    int equal = 0;
    for (int i = 0; i < 10_000; i++) {
      if (CounterRng.uniform(a, i) == CounterRng.uniform(b, i)) {
        equal++;
      }
    }
    assertThat(equal).as("equal draws of two streams (2^-24 each)").isLessThan(3);
  }
}
