package io.hindsight.quant.estimator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hindsight.quant.math.QuantGrid;
import io.hindsight.quant.math.Range;
import io.hindsight.util.Rng;
import org.junit.jupiter.api.Test;

class DsgcTest {
  private static final QuantGrid INT4 = new QuantGrid(4, true);

  private static float[] gaussianWithOutliers(int n, long seed) {
    Rng rng = new Rng(seed);
    float[] g = new float[n];
    for (int i = 0; i < n; i++) {
      g[i] = (float) rng.nextGaussian();
    }
    g[7] = 40f;
    g[n / 2] = -35f;
    return g;
  }

  @Test
  void clipsHeavyTailsToMaximizeCosineSimilarity() {
    Dsgc e = new Dsgc(INT4);
    float[] g = gaussianWithOutliers(4096, 1);
    Range r = Steps.step(e, true, 1, g);
    double clip = r.max(0);
    assertThat(r.min(0)).isEqualTo(-clip);
    assertThat(clip).isLessThan(0.5 * 40); // the outliers are clipped
    double best = e.cosine(g, 1, clip);
    assertThat(best).isGreaterThan(e.cosine(g, 1, 40)); // better than not clipping
    for (double alpha = 0.01; alpha <= 1.0; alpha += 0.01) {
      assertThat(best).as("alpha %s", alpha).isGreaterThanOrEqualTo(e.cosine(g, 1, alpha * 40) - 1e-4);
    }
  }

  @Test
  void keepsTheFullRangeWhenNothingStandsOut() {
    Dsgc e = new Dsgc(new QuantGrid(8, true));
    float[] g = new float[1000];
    for (int i = 0; i < g.length; i++) {
      g[i] = (i % 2 == 0 ? 1 : -1) * 0.5f;
    }
    assertThat(Steps.step(e, true, 1, g)).isEqualTo(Range.of(-0.5, 0.5));
  }

  @Test
  void isDynamicDeterministicAndHandlesZeroGradients() {
    Dsgc e = new Dsgc(INT4);
    assertThat(e.isStatic()).isFalse();
    assertThat(e.needsCurrentStats(true)).isTrue();
    float[] g = gaussianWithOutliers(2048, 2);
    assertThat(Steps.step(e, true, 1, g)).isEqualTo(Steps.step(new Dsgc(INT4), true, 1, g));
    assertThat(Steps.step(e, true, 1, new float[16])).isEqualTo(Range.of(0, 0));
  }

  @Test
  void searchCostIsAccountedAndBounded() {
    Dsgc e = new Dsgc(INT4);
    assertThat(e.searchReadBytes(1000)).isEqualTo(Dsgc.EVALUATIONS * 1000L * 4);
    assertThat(e.searchReadBytes(10_000_000)).isEqualTo((long) Dsgc.EVALUATIONS * Dsgc.SAMPLE_LIMIT * 4);
  }

  @Test
  void needsASymmetricGrid() {
    assertThatThrownBy(() -> new Dsgc(new QuantGrid(8, false))).hasMessageContaining("symmetric");
  }
}
