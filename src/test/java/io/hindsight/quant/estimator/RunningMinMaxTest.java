package io.hindsight.quant.estimator;

import static io.hindsight.quant.estimator.Steps.eval;
import static io.hindsight.quant.estimator.Steps.train;
import static org.assertj.core.api.Assertions.assertThat;

import io.hindsight.quant.math.Range;
import org.junit.jupiter.api.Test;

class RunningMinMaxTest {

  @Test
  void movingAverageIncludesTheCurrentBatch() {
    RunningMinMax e = new RunningMinMax(0.5);
    assertThat(e.isStatic()).isFalse();
    assertThat(train(e, -2f, 2f)).isEqualTo(Range.of(-2, 2)); // r0 = s0
    assertThat(train(e, -4f, 10f)).isEqualTo(Range.of(-3, 6)); // r1 = .5 r0 + .5 s1
    assertThat(train(e, 0f, 0f)).isEqualTo(Range.of(-1.5, 3)); // r2 = .5 r1 + .5 s2
    assertThat(e.needsCurrentStats(true)).isTrue();
  }

  @Test
  void evaluationUsesTheRunningRangeWithoutTheBatchAndWithoutLearning() {
    RunningMinMax e = new RunningMinMax(0.5);
    train(e, -2f, 2f);
    assertThat(e.needsCurrentStats(false)).isFalse();
    assertThat(eval(e, -100f, 100f)).isEqualTo(Range.of(-2, 2));
    assertThat(train(e, -4f, 10f)).isEqualTo(Range.of(-3, 6)); // unaffected by the evaluation batch
  }

  @Test
  void evaluationBeforeAnyTrainingFallsBackToTheCurrentRange() {
    RunningMinMax e = new RunningMinMax(0.9);
    assertThat(e.needsCurrentStats(false)).isTrue();
    assertThat(eval(e, -3f, 1f)).isEqualTo(Range.of(-3, 1));
    assertThat(e.needsCurrentStats(false)).isTrue(); // nothing learned
  }
}
