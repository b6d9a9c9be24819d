package io.hindsight.backend;

import static org.assertj.core.api.Assertions.assertThat;

import io.hindsight.util.Rng;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The contract every {@link Backend} must meet, checked against naive reference loops. Runs for
 * each available backend (the CPU backend at 1 and 3 threads; the CUDA backend joins where a GPU
 * is present).
 */
class BackendContractTest {

  static List<Backend> backends() {
    return BackendsUnderTest.all();
  }

  static Stream<Arguments> gemmCases() {
    return backends().stream().flatMap(b -> Stream.of(
        Arguments.of(b, false, false, 7, 5, 3),
        Arguments.of(b, false, true, 33, 65, 129),
        Arguments.of(b, true, false, 64, 300, 17),
        Arguments.of(b, true, true, 130, 9, 260),
        Arguments.of(b, false, false, 1, 1000, 1),
        Arguments.of(b, false, false, 257, 513, 70)));
  }

  @ParameterizedTest(name = "{0} gemm transA={1} transB={2} m={3} n={4} k={5}")
  @MethodSource("gemmCases")
  void gemmMatchesNaiveProduct(Backend be, boolean ta, boolean tb, int m, int n, int k) {
    Rng rng = new Rng(m * 31L + n * 7L + k);
    float[] a = random(rng, m * k);
    float[] b = random(rng, k * n);
    float[] c = random(rng, m * n);
    float[] expected = c.clone();
    float alpha = 0.75f;
    float beta = 0.5f;
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        double s = 0;
        for (int p = 0; p < k; p++) {
          float av = ta ? a[p * m + i] : a[i * k + p];
          float bv = tb ? b[j * k + p] : b[p * n + j];
          s += (double) av * bv;
        }
        expected[i * n + j] = (float) (alpha * s + beta * expected[i * n + j]);
      }
    }
    be.gemm(ta, tb, m, n, k, alpha, a, 0, ta ? m : k, b, 0, tb ? k : n, beta, c, 0, n);
    assertClose(expected, c, 1e-4f, 1e-4f);
  }

  @ParameterizedTest(name = "{0} gemm with beta=0 clears NaN in C")
  @MethodSource("backends")
  void gemmBetaZeroOverwrites(Backend be) {
    float[] a = {1, 2};
    float[] b = {3, 4};
    float[] c = {Float.NaN};
    be.gemm(false, false, 1, 1, 2, 1f, a, 0, 2, b, 0, 1, 0f, c, 0, 1);
    assertThat(c[0]).isEqualTo(11f);
  }

  static Stream<Arguments> convCases() {
    return backends().stream().flatMap(b -> Stream.of(
        Arguments.of(b, new ConvGeometry(2, 3, 9, 8, 4, 3, 3, 1, 1, 1)),
        Arguments.of(b, new ConvGeometry(3, 4, 10, 10, 6, 3, 3, 2, 1, 2)),
        Arguments.of(b, new ConvGeometry(2, 6, 7, 7, 6, 3, 3, 1, 1, 6)),
        Arguments.of(b, new ConvGeometry(2, 4, 8, 8, 8, 3, 3, 2, 1, 4)),
        Arguments.of(b, new ConvGeometry(2, 5, 6, 6, 7, 1, 1, 1, 0, 1)),
        Arguments.of(b, new ConvGeometry(1, 1, 12, 12, 5, 5, 5, 1, 2, 1)),
        Arguments.of(b, new ConvGeometry(9, 2, 5, 5, 3, 5, 5, 2, 2, 1))));
  }

  @ParameterizedTest(name = "{0} conv {1}")
  @MethodSource("convCases")
  void convForwardAndBackwardMatchDirectLoops(Backend be, ConvGeometry g) {
    Rng rng = new Rng(g.hashCode());
    float[] x = random(rng, g.inputSize());
    float[] w = random(rng, g.weightSize());
    float[] bias = random(rng, g.outC());
    float[] dY = random(rng, g.outputSize());
    float[] y = new float[g.outputSize()];
    be.conv2dForward(g, x, w, bias, y);
    float[] dX = new float[g.inputSize()];
    float[] dW = new float[g.weightSize()];
    float[] dB = new float[g.outC()];
    be.conv2dBackward(g, x, w, dY, dX, dW, dB);

    ConvReference.Result e = ConvReference.compute(g, x, w, bias, dY);
    assertClose(e.y(), y, 1e-4f, 1e-4f);
    assertClose(toFloat(e.dX()), dX, 1e-4f, 1e-4f);
    assertClose(toFloat(e.dW()), dW, 1e-4f, 1e-4f);
    assertClose(toFloat(e.dB()), dB, 1e-4f, 1e-4f);
  }

  @ParameterizedTest(name = "{0} parallelChunks covers the range once")
  @MethodSource("backends")
  void parallelChunksCoverEveryIndexOnce(Backend be) {
    int[] hits = new int[1001];
    be.parallelChunks(1001, 7, (chunk, s, e) -> {
      for (int i = s; i < e; i++) {
        hits[i]++;
      }
    });
    for (int h : hits) {
      assertThat(h).isEqualTo(1);
    }
  }

  static float[] random(Rng rng, int n) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) rng.nextGaussian();
    }
    return a;
  }

  static float[] toFloat(double[] d) {
    float[] f = new float[d.length];
    for (int i = 0; i < d.length; i++) {
      f[i] = (float) d[i];
    }
    return f;
  }

  static void assertClose(float[] expected, float[] actual, float rtol, float atol) {
    assertThat(actual).hasSameSizeAs(expected);
    int worst = -1;
    double worstExcess = 0;
    for (int i = 0; i < expected.length; i++) {
      double err = Math.abs(expected[i] - actual[i]);
      double tol = atol + rtol * Math.abs(expected[i]);
      if (!(err <= tol) && (worst < 0 || err - tol > worstExcess)) {
        worst = i;
        worstExcess = err - tol;
      }
    }
    if (worst >= 0) {
      throw new AssertionError("mismatch at index " + worst + ": expected " + expected[worst] + " but got "
          + actual[worst]);
    }
  }
}
