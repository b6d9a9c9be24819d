package io.hindsight.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.hindsight.quant.math.QuantGrid;
import io.hindsight.quant.math.QuantParams;
import io.hindsight.quant.math.Rounding;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The CPU reference of the INT8 GEMM kernels against straightforward float computations. */
class GemmRefTest {

  /** y = act(scaleA * scaleB[n] * sum_k (A - zpA) B + bias), in double. */
  private static double[] direct(byte[] a, byte[] b, int m, int n, int k, GemmEpilogue e) {
    double[] y = new double[m * n];
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        double s = 0;
        for (int p = 0; p < k; p++) {
          s += (double) (a[i * k + p] - e.zeroPointA()) * b[j * k + p];
        }
        double v = s * e.scaleA() * e.scaleB()[e.perChannel() ? j : 0] + (e.bias() == null ? 0 : e.bias()[j]);
        y[i * n + j] = e.activation().apply((float) v);
      }
    }
    return y;
  }

  @Test
  void ntEpilogueEqualsTheFloatComputation() {
    SplittableRandom r = new SplittableRandom(1);
    int m = 13;
    int n = 9;
    int k = 21;
    byte[] a = Checks.int8(r, m * k, -128, 127);
    byte[] b = Checks.int8(r, n * k, -127, 127);
    float[] scaleB = Checks.uniform(r, n, 0.001f, 0.01f);
    float[] bias = Checks.uniform(r, n, -1f, 1f);
    GemmEpilogue e = new GemmEpilogue(0.03f, scaleB, 7, bias, Activation.RELU6, null, null, 0);
    float[] y = new float[m * n];
    QuantStats s = GemmRef.gemmNt(a, b, m, n, k, e, null, y);
    double[] d = direct(a, b, m, n, k, e);
    float min = Float.POSITIVE_INFINITY;
    float max = Float.NEGATIVE_INFINITY;
    for (int i = 0; i < y.length; i++) {
      assertThat((double) y[i]).isCloseTo(d[i], within(1e-5 * (1 + Math.abs(d[i]))));
      assertThat(y[i]).isBetween(0f, 6f);
      min = Math.min(min, y[i]);
      max = Math.max(max, y[i]);
    }
    assertThat(s.min()).isEqualTo(min);
    assertThat(s.max()).isEqualTo(max);
    assertThat(s.clipped()).isZero();
  }

  @Test
  void quantizedOutputIsTheQuantizedFloatOutput() {
    SplittableRandom r = new SplittableRandom(2);
    int m = 17;
    int n = 11;
    int k = 40;
    byte[] a = Checks.int8(r, m * k, -128, 127);
    byte[] b = Checks.int8(r, n * k, -127, 127);
    QuantParams out = QuantParams.perTensor(new QuantGrid(8, false), -1f, 1.5f);
    for (Rounding rounding : Rounding.values()) {
      GemmEpilogue q = new GemmEpilogue(0.01f, new float[] {0.005f}, 0, null, Activation.NONE, out, rounding, 31);
      GemmEpilogue f = new GemmEpilogue(0.01f, new float[] {0.005f}, 0, null, Activation.NONE, null, null, 0);
      byte[] levels = new byte[m * n];
      float[] y = new float[m * n];
      QuantStats qs = GemmRef.gemmNt(a, b, m, n, k, q, levels, null);
      QuantStats fs = GemmRef.gemmNt(a, b, m, n, k, f, null, y);
      byte[] expected = new byte[m * n];
      QuantStats es = QuantizeRef.quantize(y, out, rounding, 31, expected);
      assertThat(levels).isEqualTo(expected);
      assertThat(qs).isEqualTo(es);
      assertThat(qs.min()).isEqualTo(fs.min());
      assertThat(qs.clipped()).as("the range is narrower than y").isPositive();
      for (int i = 0; i < y.length; i++) {
        if (y[i] > -1f && y[i] < 1.5f) {
          assertThat((levels[i] - out.zeroPoint(0)) * out.scale(0)).isCloseTo(y[i], within(out.scale(0) * 1.0001f));
        }
      }
    }
  }

  /**
   * The reference takes a long reduction axis as dot products and a short one (the input gradient's)
   * as scaled rows of B^T; both must give the kernel's exact integer sums and the same epilogue bits.
   */
  @Test
  void shortAndLongReductionAxesGiveTheExactIntegerSums() {
    SplittableRandom r = new SplittableRandom(4);
    int[][] shapes = {{7, 50, 3}, {5, 3, 50}, {4, 16, 16}, {3, 1, 1}, {2, 300, 8}};
    for (int[] shape : shapes) {
      int m = shape[0];
      int n = shape[1];
      int k = shape[2];
      byte[] a = Checks.int8(r, m * k, -128, 127);
      byte[] b = Checks.int8(r, n * k, -128, 127);
      float[] scaleB = Checks.uniform(r, n, 0.001f, 0.01f);
      GemmEpilogue e = new GemmEpilogue(0.03f, scaleB, -5, null, Activation.NONE, null, null, 0);
      float[] y = new float[m * n];
      GemmRef.gemmNt(a, b, m, n, k, e, null, y);
      for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
          int s = 0;
          int colSum = 0;
          for (int p = 0; p < k; p++) {
            s += a[i * k + p] * b[j * k + p];
            colSum += b[j * k + p];
          }
          float expected = ((float) (s + 5 * colSum) * 0.03f) * scaleB[j];
          assertThat(y[i * n + j]).as("shape %d x %d x %d, (%d, %d)", m, n, k, i, j).isEqualTo(expected);
        }
      }
    }
  }

  @Test
  void wgradEqualsTheFloatComputationAcrossFlushChunks() {
    SplittableRandom r = new SplittableRandom(3);
    int m = GemmRef.WGRAD_FLUSH * 2 + 123;
    int n = 3;
    int k = 2;
    byte[] g = Checks.int8(r, m * n, -127, 127);
    byte[] x = Checks.int8(r, m * k, -128, 127);
    float[] dw = {1, 2, 3, 4, 5, 6};
    float[] old = dw.clone();
    GemmRef.wgrad(g, x, m, n, k, 0.002f, 0.05f, -9, 0.5f, dw);
    for (int j = 0; j < n; j++) {
      for (int c = 0; c < k; c++) {
        double s = 0;
        for (int i = 0; i < m; i++) {
          s += (double) g[i * n + j] * (x[i * k + c] + 9);
        }
        double expected = 0.5 * old[j * k + c] + s * 0.002 * 0.05;
        assertThat((double) dw[j * k + c]).isCloseTo(expected, within(1e-5 * (1 + Math.abs(expected))));
      }
    }
  }

  @Test
  void transposeAndRowSum() {
    byte[] in = {1, 2, 3, -4, 5, -6};
    assertThat(GemmRef.transpose(in, 2, 3)).containsExactly(1, -4, 2, 5, 3, -6);
    assertThat(GemmRef.rowSum(in, 2, 3)).containsExactly(6, -5);
  }

  @Test
  void activations() {
    assertThat(Activation.RELU.apply(-1f)).isZero();
    assertThat(Activation.RELU6.apply(7f)).isEqualTo(6f);
    assertThat(Activation.RELU6.apply(Float.NaN)).isNaN();
    assertThat(Activation.NONE.apply(-3f)).isEqualTo(-3f);
  }
}
