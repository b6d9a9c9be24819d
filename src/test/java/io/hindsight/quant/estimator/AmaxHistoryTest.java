package io.hindsight.quant.estimator;

import static io.hindsight.quant.estimator.Steps.train;
import static org.assertj.core.api.Assertions.assertThat;

import io.hindsight.quant.math.Range;
import org.junit.jupiter.api.Test;

class AmaxHistoryTest {

  @Test
  void symmetricRangeFromTheLargestAbsMaxOfTheLastStepsOnly() {
    AmaxHistory e = new AmaxHistory(3, 0, Warmup.DYNAMIC, Double.NaN, Double.NaN);
    assertThat(e.isStatic()).isTrue();
    assertThat(train(e, -1f, 0.5f)).isEqualTo(Range.of(-1, 1)); // warm-up: ±max|x0|
    assertThat(train(e, 5f, -0.5f)).isEqualTo(Range.of(-1, 1)); // history {1}: the jump to 5 is not used
    assertThat(train(e, -2f)).isEqualTo(Range.of(-5, 5)); // {1, 5}
    assertThat(train(e, 3f)).isEqualTo(Range.of(-5, 5)); // {1, 5, 2}
    assertThat(train(e, 0.5f)).isEqualTo(Range.of(-5, 5)); // {5, 2, 3}
    assertThat(train(e, 0f)).isEqualTo(Range.of(-3, 3)); // {2, 3, 0.5}: 5 left the window
  }

  @Test
  void marginShrinksTheRangeByPowersOfTwo() {
    AmaxHistory e = new AmaxHistory(16, 2, Warmup.DYNAMIC, Double.NaN, Double.NaN);
    assertThat(train(e, -1.5f, 1f)).isEqualTo(Range.of(-0.375, 0.375));
    assertThat(train(e, 0.25f)).isEqualTo(Range.of(-0.375, 0.375));
  }

  @Test
  void negativeMarginLeavesHeadroomLikeTransformerEngine() {
    AmaxHistory e = new AmaxHistory(16, -2, Warmup.DYNAMIC, Double.NaN, Double.NaN);
    assertThat(train(e, -1.5f, 1f)).isEqualTo(Range.of(-6, 6));
  }

  @Test
  void perChannelHistories() {
    AmaxHistory e = new AmaxHistory(2, 0, Warmup.DYNAMIC, Double.NaN, Double.NaN);
    Steps.step(e, true, 2, new float[] {1, -2, 3, 0});
    Range r = Steps.step(e, true, 2, new float[] {0, 0, 0, 0});
    assertThat(r).isEqualTo(Range.of(new double[] {-2, -3}, new double[] {2, 3}));
  }
}
