package io.hindsight.nn;

import static org.assertj.core.api.Assertions.assertThat;

import io.hindsight.util.Rng;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Grouped channel sums must equal plain per-channel loops bit for bit (same order per channel). */
class ChannelSumsTest {

  @ParameterizedTest(name = "group of {0} channels")
  @ValueSource(ints = {1, 2, 3, 4})
  void groupedSumsEqualPlainLoops(int g) {
    int n = 3;
    int channels = 7;
    int hw = 13;
    int c0 = channels - g - 1;
    Rng rng = new Rng(g);
    float[] x = new float[n * channels * hw];
    float[] y = new float[x.length];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) (rng.nextGaussian() * 1e3);
      y[i] = (float) rng.nextGaussian();
    }
    double[] sum = new double[4];
    double[] mean = new double[4];
    double[] sq = new double[4];
    double[] dySum = new double[4];
    double[] dot = new double[4];
    ChannelSums.sum(x, n, channels, hw, c0, g, sum);
    for (int k = 0; k < g; k++) {
      mean[k] = sum[k] / (n * hw);
    }
    ChannelSums.squaredDeviations(x, n, channels, hw, c0, g, mean, sq);
    ChannelSums.sumAndDot(x, y, n, channels, hw, c0, g, dySum, dot);
    for (int k = 0; k < g; k++) {
      double s = 0;
      double q = 0;
      double p = 0;
      for (int smp = 0; smp < n; smp++) {
        for (int i = 0; i < hw; i++) {
          int j = (smp * channels + c0 + k) * hw + i;
          s += x[j];
          double d = x[j] - mean[k];
          q += d * d;
          p += (double) x[j] * y[j];
        }
      }
      assertThat(sum[k]).isEqualTo(s);
      assertThat(dySum[k]).isEqualTo(s);
      assertThat(sq[k]).isEqualTo(q);
      assertThat(dot[k]).isEqualTo(p);
    }
  }
}
