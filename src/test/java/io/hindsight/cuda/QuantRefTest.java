package io.hindsight.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The CPU reference of the quantization kernels (runs everywhere). */
class QuantRefTest {

  @Test
  void uniformIsDeterministicCounterBasedAndInUnitInterval() {
    assertThat(QuantRef.uniform(42, 7)).isEqualTo(QuantRef.uniform(42, 7));
    assertThat(QuantRef.uniform(42, 7)).isNotEqualTo(QuantRef.uniform(42, 8));
    assertThat(QuantRef.uniform(42, 7)).isNotEqualTo(QuantRef.uniform(43, 7));
    for (long i = 0; i < 100_000; i++) {
      float u = QuantRef.uniform(-1L, i);
      assertThat(u).isGreaterThanOrEqualTo(0f).isLessThan(1f);
    }
  }

  @Test
  void uniformHasUniformMoments() {
    int n = 1_000_000;
    int[] bins = new int[16];
    double sum = 0;
    double sq = 0;
    for (int i = 0; i < n; i++) {
      float u = QuantRef.uniform(12345, i);
      sum += u;
      sq += (double) u * u;
      bins[(int) (u * 16)]++;
    }
    assertThat(sum / n).isCloseTo(0.5, org.assertj.core.data.Offset.offset(0.002));
    assertThat(sq / n - Math.pow(sum / n, 2)).isCloseTo(1.0 / 12, org.assertj.core.data.Offset.offset(0.001));
    double chi2 = 0;
    double expected = n / 16.0;
    for (int b : bins) {
      chi2 += (b - expected) * (b - expected) / expected;
    }
    assertThat(chi2).as("chi-square, 15 degrees of freedom").isLessThan(40);
  }

  @Test
  void stochasticRoundingIsUnbiased() {
    QuantParams p = QuantParams.fromRange(-1f, 1f, 8, true);
    for (float x : new float[] {0.3f, -0.77f, 0.0051f, 0.999f}) {
      int n = 200_000;
      double mean = 0;
      for (int i = 0; i < n; i++) {
        mean += p.dequantize(QuantRef.quantize(x, p, Rounding.STOCHASTIC, 99, i, null));
      }
      mean /= n;
      // each sample is off by at most one step, so the mean's std is below scale / (2 sqrt(n))
      double tol = 4 * p.scale() / (2 * Math.sqrt(n));
      assertThat(mean).as("E[SR(%s)]", x).isCloseTo(x, org.assertj.core.data.Offset.offset(tol));
    }
  }

  @Test
  void stochasticRoundingLandsOnTheTwoNeighbours() {
    QuantParams p = QuantParams.fromRange(-4f, 4f, 4, true);
    float x = 1.3f;
    float v = x * p.invScale();
    for (int i = 0; i < 1000; i++) {
      int level = QuantRef.quantize(x, p, Rounding.STOCHASTIC, 5, i, null);
      assertThat(level).isIn((int) Math.floor(v), (int) Math.floor(v) + 1);
    }
  }

  @Test
  void nearestRoundsHalfToEven() {
    QuantParams p = new QuantParams(8, true, 1f, 1f, 0, -127, 127);
    assertThat(QuantRef.quantize(0.5f, p, Rounding.NEAREST_EVEN, 0, 0, null)).isZero();
    assertThat(QuantRef.quantize(1.5f, p, Rounding.NEAREST_EVEN, 0, 0, null)).isEqualTo(2);
    assertThat(QuantRef.quantize(2.5f, p, Rounding.NEAREST_EVEN, 0, 0, null)).isEqualTo(2);
    assertThat(QuantRef.quantize(-0.5f, p, Rounding.NEAREST_EVEN, 0, 0, null)).isZero();
    assertThat(QuantRef.quantize(-1.5f, p, Rounding.NEAREST_EVEN, 0, 0, null)).isEqualTo(-2);
    assertThat(QuantRef.quantize(2.51f, p, Rounding.NEAREST_EVEN, 0, 0, null)).isEqualTo(3);
  }

  @Test
  void clippingAndNonFiniteAreCountedAndExcludedFromTheRange() {
    QuantParams p = QuantParams.fromRange(-1f, 1f, 8, false);
    float[] x = {0.5f, 3f, -2f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -0.25f};
    byte[] q = new byte[x.length];
    QuantStats s = QuantRef.quantize(x, p, Rounding.NEAREST_EVEN, 0, q);
    assertThat(s.clipped()).isEqualTo(2);
    assertThat(s.nonFinite()).isEqualTo(3);
    assertThat(s.min()).isEqualTo(-2f);
    assertThat(s.max()).isEqualTo(3f);
    assertThat(q[1]).isEqualTo((byte) p.qmax());
    assertThat(q[2]).isEqualTo((byte) p.qmin());
    assertThat(q[3]).as("NaN -> the level of 0.0").isEqualTo((byte) p.zeroPoint());
    assertThat(q[4]).isEqualTo((byte) p.qmax());
    assertThat(q[5]).isEqualTo((byte) p.qmin());
    assertThat(p.dequantize(q[0])).isCloseTo(0.5f, org.assertj.core.data.Offset.offset(p.scale() / 2));
    assertThat(QuantRef.minMax(new float[] {Float.NaN})).isEqualTo(new QuantStats(Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0, 1));
  }

  @Test
  void asymmetricParamsRepresentZeroAndTheRangeEnds() {
    QuantParams p = QuantParams.fromRange(-1f, 3f, 8, false);
    assertThat(p.scale()).isEqualTo(4f / 255f);
    assertThat(p.qmin()).isEqualTo(-128);
    assertThat(p.qmax()).isEqualTo(127);
    assertThat(p.zeroPoint()).isEqualTo(-64);
    assertThat(p.dequantize(p.zeroPoint())).isZero();
    assertThat(p.dequantize(p.qmin())).isCloseTo(-1f, org.assertj.core.data.Offset.offset(p.scale()));
    assertThat(p.dequantize(p.qmax())).isCloseTo(3f, org.assertj.core.data.Offset.offset(p.scale()));
    QuantParams positive = QuantParams.fromRange(0.5f, 6f, 8, false);
    assertThat(positive.zeroPoint()).as("range widened to include 0").isEqualTo(-128);
  }

  @Test
  void symmetricParamsUseTheNarrowRange() {
    QuantParams p = QuantParams.fromRange(-2f, 1f, 8, true);
    assertThat(p.scale()).isEqualTo(2f / 127f);
    assertThat(p.qmin()).isEqualTo(-127);
    assertThat(p.qmax()).isEqualTo(127);
    assertThat(p.zeroPoint()).isZero();
    QuantParams p16 = QuantParams.fromRange(-2f, 1f, 16, true);
    assertThat(p16.qmax()).isEqualTo(32767);
    assertThat(p16.levelBytes()).isEqualTo(2);
  }

  @Test
  void degenerateRangesGetScaleOne() {
    assertThat(QuantParams.fromRange(0f, 0f, 8, false).scale()).isEqualTo(1f);
    QuantParams empty = QuantParams.fromRange(Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 8, true);
    assertThat(empty.scale()).isEqualTo(1f);
    assertThat(QuantParams.fromRange(-Float.MAX_VALUE, Float.MAX_VALUE, 8, false).scale()).isEqualTo(1f);
  }

  @Test
  void keysOrderLikeFloats() {
    SplittableRandom r = new SplittableRandom(3);
    float[] special = {-0f, 0f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.POSITIVE_INFINITY,
        Float.NEGATIVE_INFINITY, Float.MAX_VALUE, -Float.MAX_VALUE, 1f, -1f};
    for (int i = 0; i < 20_000; i++) {
      float a = i < special.length ? special[i] : Float.intBitsToFloat(r.nextInt()) ;
      float b = special[r.nextInt(special.length)];
      if (Float.isNaN(a)) {
        continue;
      }
      assertThat(Integer.signum(Integer.compare(QuantStats.key(a), QuantStats.key(b))))
          .as("%s vs %s", a, b).isEqualTo(Integer.signum(Float.compare(a, b)));
      assertThat(QuantStats.fromKey(QuantStats.key(a))).isEqualTo(a);
    }
  }

  @Test
  void statsDecodeFromDeviceWords() {
    int[] w = QuantStats.identityWords();
    assertThat(QuantStats.fromWords(w, 0)).isEqualTo(QuantStats.empty());
    int[] v = {QuantStats.key(-3.5f), QuantStats.key(7f), 5, 1, 9, 0};
    assertThat(QuantStats.fromWords(v, 0)).isEqualTo(new QuantStats(-3.5f, 7f, (1L << 32) + 5, 9));
  }

  @Test
  void int16QuantizationMatchesElementwise() {
    QuantParams p = QuantParams.fromRange(-3f, 5f, 12, true);
    float[] x = {0.1f, -2.9f, 4.99f, 100f};
    short[] q = new short[x.length];
    QuantStats s = QuantRef.quantize(x, p, Rounding.STOCHASTIC, 7, q);
    for (int i = 0; i < x.length; i++) {
      assertThat((int) q[i]).isEqualTo(QuantRef.quantize(x[i], p, Rounding.STOCHASTIC, 7, i, null));
    }
    assertThat(s.clipped()).isEqualTo(1);
    assertThat(q[3]).isEqualTo((short) 2047);
  }
}
