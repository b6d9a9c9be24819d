package io.hindsight.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.hindsight.util.Rng;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The SIMD tile must reproduce the scalar tile bit for bit (same products, same summation order),
 * so that results never depend on whether the JVM loaded the Vector API.
 */
class VectorGemmTileTest {

  @Test
  void testRunnerLoadsTheVectorApi() {
    // the build passes --add-modules jdk.incubator.vector to the tests, as the launcher does to users
    assertThat(SimdSupport.enabled()).as(SimdSupport.describe()).isTrue();
    assertThat(SimdSupport.describe()).startsWith("vector API, ");
  }

  @ParameterizedTest(name = "transB={0} rows={1} cols={2} k={3} beta={4}")
  @CsvSource({
      "false, 8, 32, 16, 0",
      "false, 32, 256, 128, 0",
      "false, 7, 5, 3, 0.5",
      "true, 13, 45, 300, 0.5",
      "false, 32, 256, 600, 1",
      "true, 1, 1, 1, 0",
      "false, 17, 33, 257, -2"})
  void sameBitsAsTheScalarTile(boolean transB, int rows, int cols, int k, float beta) {
    assumeTrue(SimdSupport.enabled(), "Vector API not loaded");
    Rng rng = new Rng(rows * 1000L + cols * 10L + k);
    int lda = k + 3;
    int n = cols + 5;
    int ldb = transB ? k + 1 : n;
    int ldc = n + 2;
    float[] a = fill(rng, 2 + (rows + 1) * lda);
    float[] b = fill(rng, 1 + (transB ? n * ldb : k * ldb));
    float[] c = fill(rng, 3 + (rows + 1) * ldc);
    c[3 + ldc + 4] = Float.NaN; // inside the tile: beta=0 must overwrite it, beta!=0 propagate it
    // alpha 1 reads full blocks of A in place, any other alpha packs them
    for (float alpha : new float[] {1f, 0.75f}) {
      float[] scalar = c.clone();
      float[] vector = c.clone();
      // tile rows 1..1+rows, columns 4..4+cols of C
      CpuGemm.scalarTile(1, 1 + rows, 4, 4 + cols, k, alpha, a, 2, lda, transB, b, 1, ldb, beta, scalar, 3, ldc);
      VectorGemmTile.tile(1, 1 + rows, 4, 4 + cols, k, alpha, a, 2, lda, false, transB, b, 1, ldb, beta, vector, 3,
          ldc);
      for (int i = 0; i < c.length; i++) {
        assertThat(Float.floatToRawIntBits(vector[i])).as("alpha %s, element %d", alpha, i)
            .isEqualTo(Float.floatToRawIntBits(scalar[i]));
      }
      if (beta == 0f) {
        assertThat(vector[3 + ldc + 4]).isNotNaN();
      }
    }
  }

  // a tile is at most 32 rows by 256 columns (CpuGemm.MB, NB)
  @ParameterizedTest(name = "transA, transB={0} rows={1} cols={2} k={3}")
  @CsvSource({"false, 8, 32, 16", "false, 16, 64, 300", "true, 13, 45, 300", "false, 31, 70, 5", "false, 1, 3, 1"})
  void transposedAGivesTheBitsOfTheRowMajorA(boolean transB, int rows, int cols, int k) {
    assumeTrue(SimdSupport.enabled(), "Vector API not loaded");
    Rng rng = new Rng(rows * 7L + cols * 3L + k);
    int m = rows + 1;
    int lda = k + 2;
    int ldat = m + 3;
    float[] a = fill(rng, m * lda);
    float[] at = new float[k * ldat]; // A stored (k, m)
    for (int i = 0; i < m; i++) {
      for (int p = 0; p < k; p++) {
        at[p * ldat + i] = a[i * lda + p];
      }
    }
    int n = cols + 4;
    int ldb = transB ? k : n;
    float[] b = fill(rng, transB ? n * ldb : k * ldb);
    for (float alpha : new float[] {1f, -1.5f}) {
      float[] scalar = new float[m * n];
      float[] vector = new float[m * n];
      CpuGemm.scalarTile(1, 1 + rows, 4, 4 + cols, k, alpha, a, 0, lda, transB, b, 0, ldb, 0f, scalar, 0, n);
      VectorGemmTile.tile(1, 1 + rows, 4, 4 + cols, k, alpha, at, 0, ldat, true, transB, b, 0, ldb, 0f, vector, 0, n);
      for (int i = 0; i < scalar.length; i++) {
        assertThat(Float.floatToRawIntBits(vector[i])).as("alpha %s, element %d", alpha, i)
            .isEqualTo(Float.floatToRawIntBits(scalar[i]));
      }
    }
  }

  private static float[] fill(Rng rng, int size) {
    float[] v = new float[size];
    for (int i = 0; i < size; i++) {
      v[i] = (float) rng.nextGaussian();
    }
    return v;
  }
}
