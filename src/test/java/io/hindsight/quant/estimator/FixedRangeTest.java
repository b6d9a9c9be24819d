package io.hindsight.quant.estimator;

import static io.hindsight.quant.estimator.Steps.train;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hindsight.quant.math.Range;
import org.junit.jupiter.api.Test;

class FixedRangeTest {

  @Test
  void alwaysTheGivenRangeOnEveryChannel() {
    FixedRange e = new FixedRange(-2, 3);
    assertThat(e.isStatic()).isTrue();
    assertThat(e.needsCurrentStats(true)).isFalse();
    assertThat(train(e, -100f, 100f)).isEqualTo(Range.of(-2, 3));
    assertThat(train(e, 0f, 0f)).isEqualTo(Range.of(-2, 3));
    assertThat(Steps.step(new FixedRange(-2, 3), true, 2, new float[] {1, 2, 3, 4})).isEqualTo(Range.uniform(2, -2, 3));
  }

  @Test
  void needsMinBelowMax() {
    assertThatThrownBy(() -> new FixedRange(1, 1)).hasMessageContaining("min < max");
  }
}
