package io.hindsight.quant.math;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.hindsight.util.CounterRng;
import io.hindsight.util.Rng;
import org.junit.jupiter.api.Test;

class FakeQuantTest {
  private static final QuantGrid INT8 = new QuantGrid(8, true);
  private static final QuantGrid ASYM8 = new QuantGrid(8, false);

  private static float[] quantize(QuantGrid grid, Range range, float... x) {
    float[] y = new float[x.length];
    FakeQuant.quantize(x, y, QuantParams.of(grid, range), Rounding.NEAREST, 0L, null);
    return y;
  }

  @Test
  void tiesRoundToEven() {
    // scale 1: the values are the scaled values themselves
    float[] y = quantize(INT8, Range.of(-127, 127), 0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.5f, 3.49f, 3.51f, 126.5f);
    assertThat(y).containsExactly(new float[] {0, 2, 2, 0, -2, -2, 3, 4, 126}, within(0f));
  }

  @Test
  void roundHalfEvenMatchesRint() {
    Rng rng = new Rng(3);
    for (int i = 0; i < 10_000; i++) {
      float v = (float) ((rng.nextDouble() - 0.5) * 70_000);
      if (i % 3 == 0) {
        v = (float) Math.floor(v) + 0.5f; // an exact tie
      }
      assertThat(FakeQuant.roundHalfEven(v)).isEqualTo((float) Math.rint(v));
    }
  }

  @Test
  void valuesOutsideTheRangeSaturateAndCountAsClipped() {
    float[] x = {200f, -200f, 126.6f, 127.4f, -127.6f, 0f};
    float[] y = new float[x.length];
    ChannelStats s = FakeQuant.quantize(x, y, QuantParams.of(INT8, Range.of(-127, 127)), Rounding.NEAREST, 0L, null);
    assertThat(y).containsExactly(new float[] {127, -127, 127, 127, -127, 0}, within(0f));
    // more than half a step outside [-127, 127]: 200, -200, -127.6; 127.4 merely rounds onto 127
    assertThat(s.clipped()).isEqualTo(3);
    assertThat(s.clippedFraction()).isEqualTo(3.0 / 6);
  }

  @Test
  void asymmetricGridUsesTheZeroPoint() {
    // [-1, 254] on ASYM8: scale 1, zero point 1: codes 0..255 represent -1..254
    float[] y = quantize(ASYM8, Range.of(-1, 254), -3f, -1f, -0.4f, 0f, 100.5f, 254f, 300f);
    assertThat(y).containsExactly(new float[] {-1, -1, 0, 0, 100, 254, 254}, within(0f));
  }

  @Test
  void allZeroTensorWithZeroRangeGivesZerosWithoutNaN() {
    for (QuantGrid grid : new QuantGrid[] {INT8, ASYM8}) {
      float[] x = new float[8];
      float[] y = new float[8];
      ChannelStats s = FakeQuant.quantize(x, y, QuantParams.of(grid, FakeQuant.stats(x, 1).finiteRange()),
          Rounding.NEAREST, 0L, null);
      assertThat(y).containsOnly(0f);
      assertThat(s.clipped()).isZero();
    }
  }

  @Test
  void zeroRangeQuantizesEverythingToZeroAndCountsFarValuesAsClipped() {
    float[] x = {1f, -1f, 0f, 1e-30f};
    float[] y = new float[x.length];
    ChannelStats s = FakeQuant.quantize(x, y, QuantParams.of(INT8, Range.of(0, 0)), Rounding.STOCHASTIC, 1L, null);
    assertThat(y).containsExactly(new float[] {0, 0, 0, 0}, within(0f));
    assertThat(s.clipped()).isEqualTo(2); // 1 and -1; 1e-30 is within half a step of 0
  }

  @Test
  void allEqualTensorIsReproducedByItsOwnRange() {
    for (float v : new float[] {3f, -3f, 1e-20f}) {
      float[] x = {v, v, v};
      for (QuantGrid grid : new QuantGrid[] {INT8, ASYM8, new QuantGrid(2, true), new QuantGrid(2, false)}) {
        float[] y = quantize(grid, FakeQuant.stats(x, 1).finiteRange(), x);
        for (float q : y) {
          assertThat(q).as("%s on %s", v, grid).isCloseTo(v, within(Math.abs(v) * 1e-6f));
        }
      }
    }
  }

  @Test
  void negativeOnlyTensors() {
    float[] x = {-4f, -2f, -1f};
    Range r = FakeQuant.stats(x, 1).finiteRange();
    assertThat(r).isEqualTo(Range.of(-4, -1));
    // symmetric: ±4, step 4/127
    float[] ys = quantize(INT8, r, x);
    assertThat(ys[0]).isCloseTo(-4f, within(1e-6f));
    assertThat(ys[1]).isCloseTo(-2f, within(2f / 127));
    // asymmetric: widened to [-4, 0], zero point 127 (every level at or below 0), 0 stays representable
    QuantParams p = QuantParams.of(ASYM8, r);
    assertThat(p.zeroPoint(0)).isEqualTo(127);
    assertThat(p.lo(0)).isEqualTo(-255);
    assertThat(p.hi(0)).isZero();
    float[] ya = quantize(ASYM8, r, -4f, -2f, -1f, 0f, 0.3f);
    assertThat(ya[0]).isCloseTo(-4f, within(1e-6f));
    assertThat(ya[3]).isZero();
    assertThat(ya[4]).isZero(); // saturates at the largest representable value, 0
  }

  @Test
  void twoBitGrids() {
    // symmetric 2-bit: codes {-1, 0, 1}
    float[] y = quantize(new QuantGrid(2, true), Range.of(-1, 1), -0.6f, -0.4f, 0.4f, 0.5f, 0.6f, 1.7f, -3f);
    assertThat(y).containsExactly(new float[] {-1, 0, 0, 0, 1, 1, -1}, within(0f));
    // asymmetric 2-bit: codes {0, 1, 2, 3} on [0, 3]
    float[] ya = quantize(new QuantGrid(2, false), Range.of(0, 3), -1f, 0.5f, 1.5f, 2.5f, 2.6f, 9f);
    assertThat(ya).containsExactly(new float[] {0, 0, 2, 2, 3, 3}, within(0f));
  }

  @Test
  void sixteenBitGrids() {
    float[] y = quantize(new QuantGrid(16, true), Range.of(-32767, 32767), 32766.5f, 32767.5f, -32768f, 12345.5f, -0.5f);
    assertThat(y).containsExactly(new float[] {32766, 32767, -32767, 12346, 0}, within(0f));
    float[] ya = quantize(new QuantGrid(16, false), Range.of(0, 65535), 65534.5f, 1.5f, 65536f, -2f);
    assertThat(ya).containsExactly(new float[] {65534, 2, 65535, 0}, within(0f));
  }

  @Test
  void nonFiniteValuesAreCountedExcludedFromStatsAndSaturated() {
    float[] x = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 2f, -1f};
    float[] y = new float[x.length];
    boolean[] mask = new boolean[x.length];
    ChannelStats s = FakeQuant.quantize(x, y, QuantParams.of(INT8, Range.of(-127, 127)), Rounding.NEAREST, 0L, mask);
    assertThat(y).containsExactly(new float[] {0, 127, -127, 2, -1}, within(0f));
    assertThat(s.nonFinite()).isEqualTo(3);
    assertThat(s.clipped()).isZero();
    assertThat(s.min(0)).isEqualTo(-1f);
    assertThat(s.max(0)).isEqualTo(2f);
    assertThat(mask).containsExactly(true, true, true, false, false);
  }

  @Test
  void allNonFiniteTensorHasNoFiniteRange() {
    ChannelStats s = FakeQuant.stats(new float[] {Float.NaN, Float.POSITIVE_INFINITY}, 1);
    assertThat(s.hasFinite(0)).isFalse();
    assertThat(s.envelopeMin()).isNaN();
    assertThat(s.finiteRange()).isEqualTo(Range.of(0, 0));
    assertThat(s.nonFinite()).isEqualTo(2);
  }

  @Test
  void quantizePassReportsTheSameStatisticsAsTheStatisticsPass() {
    Rng rng = new Rng(11);
    float[] x = new float[4 * 50];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) rng.nextGaussian() * (1 + i / 50);
    }
    ChannelStats pass = FakeQuant.stats(x, 4);
    ChannelStats fused = FakeQuant.quantize(x, new float[x.length],
        QuantParams.of(INT8, Range.uniform(4, -1, 1)), Rounding.NEAREST, 0L, null);
    for (int c = 0; c < 4; c++) {
      assertThat(fused.min(c)).isEqualTo(pass.min(c));
      assertThat(fused.max(c)).isEqualTo(pass.max(c));
    }
    assertThat(fused.elements()).isEqualTo(200);
    assertThat(fused.clipped()).isPositive(); // channels 1..3 exceed [-1, 1]
  }

  @Test
  void perChannelQuantizationUsesEachChannelsRange() {
    // 2 channels of 3 values: channel 0 on ±127 (scale 1), channel 1 on ±12.7 (scale 0.1)
    float[] x = {1.4f, 1.6f, 200f, 1.44f, 1.46f, 200f};
    float[] y = new float[6];
    ChannelStats s = FakeQuant.quantize(x, y,
        QuantParams.of(INT8, Range.of(new double[] {-127, -12.7}, new double[] {127, 12.7})), Rounding.NEAREST, 0L, null);
    assertThat(y[0]).isEqualTo(1f);
    assertThat(y[1]).isEqualTo(2f);
    assertThat(y[2]).isEqualTo(127f);
    assertThat(y[3]).isCloseTo(1.4f, within(1e-6f));
    assertThat(y[4]).isCloseTo(1.5f, within(1e-6f));
    assertThat(y[5]).isCloseTo(12.7f, within(1e-5f));
    assertThat(s.clipped()).isEqualTo(2);
    assertThat(s.max(0)).isEqualTo(200f);
    assertThat(s.min(1)).isEqualTo(1.44f);
  }

  @Test
  void stochasticRoundingIsUnbiased() {
    // 500 values in [-5, 5], scale 0.37: each value's mean over 400 quantizations must be within
    // 5 standard errors of the value; round-to-nearest on the same values is visibly biased.
    int n = 500;
    int reps = 400;
    float scale = 0.37f;
    QuantParams p = QuantParams.of(INT8, Range.of(-127 * scale, 127 * scale));
    Rng data = new Rng(5);
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) ((data.nextDouble() - 0.5) * 10);
    }
    double[] sum = new double[n];
    float[] y = new float[n];
    for (int r = 0; r < reps; r++) {
      FakeQuant.quantize(x, y, p, Rounding.STOCHASTIC, CounterRng.key(42, r), null);
      for (int i = 0; i < n; i++) {
        float k = (float) Math.floor(x[i] / p.scale(0));
        assertThat(y[i]).isIn(k * p.scale(0), (k + 1) * p.scale(0)); // one of the two neighbouring codes
        sum[i] += y[i];
      }
    }
    double worstZ = 0;
    double meanError = 0;
    for (int i = 0; i < n; i++) {
      double f = x[i] / p.scale(0) - Math.floor(x[i] / p.scale(0));
      double se = p.scale(0) * Math.sqrt(Math.max(f * (1 - f), 1e-12) / reps);
      worstZ = Math.max(worstZ, Math.abs(sum[i] / reps - x[i]) / se);
      meanError += (sum[i] / reps - x[i]) / n;
    }
    assertThat(worstZ).isLessThan(5.0);
    assertThat(Math.abs(meanError)).isLessThan(3 * p.scale(0) * 0.5 / Math.sqrt((double) n * reps));

    float[] v = new float[200_000];
    java.util.Arrays.fill(v, 0.3f * p.scale(0));
    float[] q = new float[v.length];
    FakeQuant.quantize(v, q, p, Rounding.STOCHASTIC, CounterRng.key(42, reps), null);
    double mean = 0;
    for (float e : q) {
      mean += e / p.scale(0);
    }
    mean /= v.length;
    assertThat(mean).isCloseTo(0.3, within(4 * Math.sqrt(0.21 / v.length)));
    FakeQuant.quantize(v, q, p, Rounding.NEAREST, 0L, null);
    assertThat(q).containsOnly(0f); // nearest is biased: always 0
  }

  @Test
  void stochasticRoundingIsAFunctionOfTheKeyAndTheIndexAlone() {
    float[] x = new float[1000];
    for (int i = 0; i < x.length; i++) {
      x[i] = i * 0.013f - 6f;
    }
    QuantParams p = QuantParams.of(INT8, Range.of(-6, 7));
    float[] ya = new float[x.length];
    float[] yb = new float[x.length];
    FakeQuant.quantize(x, ya, p, Rounding.STOCHASTIC, CounterRng.key(9, 3), null);
    FakeQuant.quantize(x, yb, p, Rounding.STOCHASTIC, CounterRng.key(9, 3), null);
    assertThat(ya).containsExactly(yb);
    // element i alone draws the number of index i: a prefix quantizes like the prefix of the whole
    float[] head = java.util.Arrays.copyOf(x, 100);
    float[] yh = new float[head.length];
    FakeQuant.quantize(head, yh, p, Rounding.STOCHASTIC, CounterRng.key(9, 3), null);
    assertThat(yh).containsExactly(java.util.Arrays.copyOf(ya, 100));

    FakeQuant.quantize(x, yb, p, Rounding.STOCHASTIC, CounterRng.key(9, 4), null);
    assertThat(yb).as("the next call draws other numbers").isNotEqualTo(ya);
    FakeQuant.quantize(x, yb, p, Rounding.STOCHASTIC, CounterRng.key(10, 3), null);
    assertThat(yb).as("another stream draws other numbers").isNotEqualTo(ya);
  }

  @Test
  void stochasticRoundingNeverLeavesTheGrid() {
    float[] x = new float[10_000];
    java.util.Arrays.fill(x, 127f); // exactly the largest code, where stochastic rounding must not reach 128
    float[] y = new float[x.length];
    ChannelStats s = FakeQuant.quantize(x, y, QuantParams.of(INT8, Range.of(-127, 127)), Rounding.STOCHASTIC,
        CounterRng.key(1, 0), null);
    assertThat(y).containsOnly(127f);
    assertThat(s.clipped()).isZero();
  }

  @Test
  void rejectsMismatchedArguments() {
    QuantParams p = QuantParams.of(INT8, Range.of(-1, 1));
    assertThatThrownBy(() -> FakeQuant.quantize(new float[3], new float[2], p, Rounding.NEAREST, 0L, null))
        .hasMessageContaining("output has 2 elements");
    assertThatThrownBy(() -> FakeQuant.stats(new float[5], 2)).hasMessageContaining("cannot be split into 2 channels");
  }
}
