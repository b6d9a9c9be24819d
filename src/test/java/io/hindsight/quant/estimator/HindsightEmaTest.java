package io.hindsight.quant.estimator;

import static io.hindsight.quant.estimator.Steps.train;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.hindsight.quant.math.Range;
import org.junit.jupiter.api.Test;

class HindsightEmaTest {

  @Test
  void rangeIsTheMovingAverageOfPastRangesAndPastStatistics() {
    HindsightEma e = new HindsightEma(0.5, Warmup.DYNAMIC, Double.NaN, Double.NaN);
    assertThat(train(e, -2f, 2f)).isEqualTo(Range.of(-2, 2)); // r0 = s0 (warm-up)
    assertThat(train(e, -4f, 10f)).isEqualTo(Range.of(-2, 2)); // r1 = .5 r0 + .5 s0; the jump is not used
    assertThat(train(e, 0f, 0f)).isEqualTo(Range.of(-3, 6)); // r2 = .5 [-2, 2] + .5 [-4, 10]
    assertThat(train(e, 1f, 1f)).isEqualTo(Range.of(-1.5, 3)); // r3 = .5 [-3, 6] + .5 [0, 0]
    assertThat(e.isStatic()).isTrue();
    assertThat(e.needsCurrentStats(true)).isFalse();
  }

  @Test
  void defaultMomentumWeighsThePastRangeByNinePercentTenths() {
    HindsightEma e = new HindsightEma(HindsightEma.DEFAULT_MOMENTUM, Warmup.FIXED, -1, 1);
    assertThat(train(e, -3f, 5f)).isEqualTo(Range.of(-1, 1)); // r0 = fixed warm-up range
    Range r1 = train(e, 0f, 1f);
    assertThat(r1.min(0)).isCloseTo(0.9 * -1 + 0.1 * -3, within(1e-12));
    assertThat(r1.max(0)).isCloseTo(0.9 * 1 + 0.1 * 5, within(1e-12));
  }

  @Test
  void momentumMustBeInZeroOne() {
    assertThatThrownBy(() -> new HindsightEma(1.0, Warmup.DYNAMIC, 0, 0)).hasMessageContaining("[0, 1)");
  }
}
