package io.hindsight.device.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The fixed summation order of the batch-norm statistics kernels (hs_common.cuh). */
class BatchNormOrderTest {
  @Test
  void everyValueIsSummedOnceWhateverTheSegmentCount() {
    int n = 7;
    int channels = 3;
    int hw = 301;
    float[] x = new float[n * channels * hw];
    SplittableRandom r = new SplittableRandom(5);
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) r.nextGaussian();
    }
    for (int c = 0; c < channels; c++) {
      double exact = 0;
      for (int s = 0; s < n; s++) {
        for (int p = 0; p < hw; p++) {
          exact += x[(s * channels + c) * hw + p];
        }
      }
      for (int segments : new int[] {1, 2, 5, 64}) {
        double[] partial = NormPoolRef.partials(n, channels, hw, c, 256, segments, idx -> (double) x[idx]);
        assertThat(partial).hasSize(segments);
        double total = 0;
        for (double v : partial) {
          total = total + v;
        }
        assertThat(total).as("channel %d, %d segments", c, segments).isCloseTo(exact, within(1e-9));
      }
    }
  }
}
