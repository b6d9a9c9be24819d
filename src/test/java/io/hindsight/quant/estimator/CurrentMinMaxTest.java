package io.hindsight.quant.estimator;

import static io.hindsight.quant.estimator.Steps.train;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hindsight.quant.math.Range;
import org.junit.jupiter.api.Test;

class CurrentMinMaxTest {

  @Test
  void rangeIsTheCurrentTensorsMinMax() {
    CurrentMinMax e = new CurrentMinMax();
    assertThat(e.isStatic()).isFalse();
    assertThat(train(e, -1f, 1f)).isEqualTo(Range.of(-1, 1));
    assertThat(train(e, -1f, 10f)).isEqualTo(Range.of(-1, 10)); // the jump is used at once
    assertThat(train(e, 2f, 3f)).isEqualTo(Range.of(2, 3));
  }

  @Test
  void perChannelRangesComeFromEachChannel() {
    CurrentMinMax e = new CurrentMinMax();
    Range r = Steps.step(e, true, 3, new float[] {-1f, 1f, 0f, 0f, -5f, -2f});
    assertThat(r).isEqualTo(Range.of(new double[] {-1, 0, -5}, new double[] {1, 0, -2}));
  }

  @Test
  void refusesToWorkWithoutCurrentStatistics() {
    assertThatThrownBy(() -> new CurrentMinMax().range(RangeRequest.withoutCurrent(1, true)))
        .hasMessageContaining("dynamic");
  }
}
