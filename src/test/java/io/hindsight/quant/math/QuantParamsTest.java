package io.hindsight.quant.math;

import static org.assertj.core.api.Assertions.assertThat;

import io.hindsight.util.Rng;
import org.junit.jupiter.api.Test;

class QuantParamsTest {

  @Test
  void symmetricScaleIsAbsMaxOverQmax() {
    QuantParams p = QuantParams.of(new QuantGrid(8, true), Range.of(-2.54, 1.0));
    assertThat(p.scale(0)).isEqualTo((float) (2.54 / 127));
    assertThat(p.zeroPoint(0)).isZero();
    assertThat(p.lo(0)).isEqualTo(-127);
    assertThat(p.hi(0)).isEqualTo(127);
  }

  @Test
  void asymmetricRangeIsWidenedToContainZero() {
    QuantParams positive = QuantParams.of(new QuantGrid(8, false), Range.of(2.0, 5.1));
    assertThat(positive.zeroPoint(0)).isEqualTo(-128);
    assertThat(positive.lo(0)).isZero();
    assertThat(positive.hi(0)).isEqualTo(255);
    assertThat(positive.scale(0)).isEqualTo((float) (5.1 / 255));
    assertThat(positive.representableMin(0)).isZero();

    QuantParams negative = QuantParams.of(new QuantGrid(8, false), Range.of(-5.1, -2.0));
    assertThat(negative.zeroPoint(0)).isEqualTo(127);
    assertThat(negative.representableMax(0)).isZero();
  }

  @Test
  void asymmetricZeroPointIsRoundedAndZeroIsExactlyRepresentable() {
    Rng rng = new Rng(7);
    for (int i = 0; i < 200; i++) {
      double min = -10 * rng.nextDouble();
      double max = 10 * rng.nextDouble();
      QuantParams p = QuantParams.of(new QuantGrid(8, false), Range.of(min, max));
      assertThat(p.zeroPoint(0)).isBetween(-128, 127);
      assertThat(p.zeroPoint(0)).isEqualTo(-128 + (int) Math.rint(-Math.min(min, 0) / p.scale(0)));
      assertThat(p.hi(0) - p.lo(0)).isEqualTo(255);
      float[] y = new float[1];
      FakeQuant.quantize(new float[] {0f}, y, p);
      assertThat(y[0]).isZero();
    }
  }

  @Test
  void zeroWidthRangesGetUnitScaleAndAZeroOnlyGrid() {
    for (boolean symmetric : new boolean[] {true, false}) {
      QuantParams p = QuantParams.of(new QuantGrid(8, symmetric), Range.of(0, 0));
      assertThat(p.zeroWidth(0)).isTrue();
      assertThat(p.scale(0)).isEqualTo(1f);
      assertThat(p.lo(0)).isZero();
      assertThat(p.hi(0)).isZero();
    }
  }

  @Test
  void rangesTooNarrowForAFloatScaleAreZeroWidth() {
    QuantParams p = QuantParams.of(new QuantGrid(8, true), Range.of(-1e-40, 1e-40));
    assertThat(p.zeroWidth(0)).isTrue();
    assertThat(p.scale(0)).isEqualTo(1f);
  }

  @Test
  void perChannelRangesGetTheirOwnScale() {
    QuantParams p = QuantParams.of(new QuantGrid(8, true), Range.of(new double[] {-1, -4}, new double[] {1, 2}));
    assertThat(p.channels()).isEqualTo(2);
    assertThat(p.scale(0)).isEqualTo(1f / 127);
    assertThat(p.scale(1)).isEqualTo(4f / 127);
  }
}
