package io.hindsight.quant.estimator;

import static io.hindsight.quant.estimator.Steps.train;
import static org.assertj.core.api.Assertions.assertThat;

import io.hindsight.quant.math.ChannelStats;
import io.hindsight.quant.math.FakeQuant;
import io.hindsight.quant.math.Range;
import org.junit.jupiter.api.Test;

class HindsightMinMaxTest {

  @Test
  void stepTUsesTheStatisticsOfStepTMinusOneNeverOfStepT() {
    HindsightMinMax e = new HindsightMinMax(Warmup.DYNAMIC, Double.NaN, Double.NaN);
    assertThat(train(e, -1f, 1f)).isEqualTo(Range.of(-1, 1)); // step 0: dynamic warm-up, r0 = s0
    assertThat(train(e, -1f, 10f)).isEqualTo(Range.of(-1, 1)); // the max jumps at step 1: r1 = s0
    assertThat(train(e, -2f, 3f)).isEqualTo(Range.of(-1, 10)); // r2 = s1
    assertThat(train(e, 0f, 0.5f)).isEqualTo(Range.of(-2, 3)); // r3 = s2
  }

  @Test
  void onlyTheWarmUpStepNeedsTheCurrentStatistics() {
    HindsightMinMax e = new HindsightMinMax(Warmup.DYNAMIC, Double.NaN, Double.NaN);
    assertThat(e.isStatic()).isTrue();
    assertThat(e.needsCurrentStats(true)).isTrue();
    train(e, -1f, 1f);
    assertThat(e.needsCurrentStats(true)).isFalse();
    assertThat(e.needsCurrentStats(false)).isFalse();
  }

  @Test
  void currentStatisticsCannotInfluenceAStaticRange() {
    HindsightMinMax e = new HindsightMinMax(Warmup.DYNAMIC, Double.NaN, Double.NaN);
    train(e, -1f, 1f);
    ChannelStats jump = FakeQuant.stats(new float[] {-50f, 50f}, 1);
    float[] values = {-50f, 50f};
    assertThat(e.range(new RangeRequest(1, jump, values, true))).isEqualTo(Range.of(-1, 1));
    assertThat(e.range(RangeRequest.withoutCurrent(1, true))).isEqualTo(Range.of(-1, 1));
  }

  @Test
  void fixedWarmUpStartsFromTheGivenRangeWithoutAStatisticsPass() {
    HindsightMinMax e = new HindsightMinMax(Warmup.FIXED, -4, 4);
    assertThat(e.needsCurrentStats(true)).isFalse();
    assertThat(train(e, -1f, 1f)).isEqualTo(Range.of(-4, 4));
    assertThat(train(e, -2f, 2f)).isEqualTo(Range.of(-1, 1));
  }

  @Test
  void perChannelRangesFollowEachChannel() {
    HindsightMinMax e = new HindsightMinMax(Warmup.DYNAMIC, Double.NaN, Double.NaN);
    Steps.step(e, true, 2, new float[] {-1f, 1f, -3f, 2f});
    Range r1 = Steps.step(e, true, 2, new float[] {-9f, 9f, -9f, 9f});
    assertThat(r1).isEqualTo(Range.of(new double[] {-1, -3}, new double[] {1, 2}));
  }
}
