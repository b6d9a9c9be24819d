package io.hindsight.backend;

/**
 * Cache-blocked single-precision GEMM in plain Java. Operands are packed to row-major
 * {@code A (m, k)} and {@code B (k, n)}; the inner loop is a unit-stride AXPY that the JIT
 * vectorizes. Rows of C are split across threads, so every element of C is summed in the same
 * order whatever the thread count.
 */
final class CpuGemm {
  private static final int KB = 256; // k-block: a (KB x NB) panel of B stays in L2
  private static final int NB = 1024; // n-block

  private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[2][0]);

  private CpuGemm() {}

  static void gemm(
      Backend backend, boolean transA, boolean transB, int m, int n, int k, float alpha,
      float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
      float beta, float[] c, int cOff, int ldc) {
    if (m < 0 || n < 0 || k < 0) {
      throw new IllegalArgumentException("negative GEMM dimension m=" + m + " n=" + n + " k=" + k);
    }
    if (m == 0 || n == 0) {
      return;
    }
    scale(c, cOff, ldc, m, n, beta);
    if (k == 0 || alpha == 0f) {
      return;
    }
    float[][] scratch = SCRATCH.get();
    // op(A) as row-major (m, k)
    float[] pa = a;
    int paOff = aOff;
    int plda = lda;
    if (transA) {
      pa = scratch[0] = ensure(scratch[0], m * k);
      for (int p = 0; p < k; p++) {
        int src = aOff + p * lda;
        for (int i = 0; i < m; i++) {
          pa[i * k + p] = a[src + i];
        }
      }
      paOff = 0;
      plda = k;
    }
    // op(B) as row-major (k, n)
    float[] pb = b;
    int pbOff = bOff;
    int pldb = ldb;
    if (transB) {
      pb = scratch[1] = ensure(scratch[1], k * n);
      for (int j = 0; j < n; j++) {
        int src = bOff + j * ldb;
        for (int p = 0; p < k; p++) {
          pb[p * n + j] = b[src + p];
        }
      }
      pbOff = 0;
      pldb = n;
    }
    final float[] fa = pa;
    final int faOff = paOff;
    final int flda = plda;
    final float[] fb = pb;
    final int fbOff = pbOff;
    final int fldb = pldb;
    long work = (long) m * n * k;
    int chunks = work < 32_768 ? 1 : Math.min(m, backend.threads() * 2);
    backend.parallelChunks(m, chunks, (chunk, i0, i1) ->
        kernel(i0, i1, n, k, alpha, fa, faOff, flda, fb, fbOff, fldb, c, cOff, ldc));
  }

  private static float[] ensure(float[] buf, int size) {
    return buf.length >= size ? buf : new float[size];
  }

  private static void scale(float[] c, int cOff, int ldc, int m, int n, float beta) {
    if (beta == 1f) {
      return;
    }
    for (int i = 0; i < m; i++) {
      int row = cOff + i * ldc;
      if (beta == 0f) {
        java.util.Arrays.fill(c, row, row + n, 0f);
      } else {
        for (int j = 0; j < n; j++) {
          c[row + j] *= beta;
        }
      }
    }
  }

  private static void kernel(
      int i0, int i1, int n, int k, float alpha,
      float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float[] c, int cOff, int ldc) {
    for (int j0 = 0; j0 < n; j0 += NB) {
      int j1 = Math.min(n, j0 + NB);
      int len = j1 - j0;
      for (int p0 = 0; p0 < k; p0 += KB) {
        int p1 = Math.min(k, p0 + KB);
        for (int i = i0; i < i1; i++) {
          int cRow = cOff + i * ldc + j0;
          int aRow = aOff + i * lda;
          for (int p = p0; p < p1; p++) {
            float av = alpha * a[aRow + p];
            if (av == 0f) {
              continue; // skips exact zeros (ReLU outputs); non-finite values are caught by the trainer's loss check
            }
            axpy(len, av, b, bOff + p * ldb + j0, c, cRow);
          }
        }
      }
    }
  }

  private static void axpy(int len, float av, float[] b, int bi, float[] c, int ci) {
    for (int j = 0; j < len; j++) {
      c[ci + j] += av * b[bi + j];
    }
  }
}
