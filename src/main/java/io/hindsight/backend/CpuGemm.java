package io.hindsight.backend;

/**
 * Cache-blocked single-precision GEMM in plain Java.
 *
 * <p>Work is tiled into {@code MB x NB} blocks of C kept in per-thread row arrays, with
 * {@code KB x NB} panels of B copied into per-thread row arrays. Every inner loop then indexes
 * its arrays with the same loop variable from offset 0 ({@code c[j] += a * b[j]}), the one shape
 * HotSpot's auto-vectorizer accepts without proving that the arrays don't overlap; two rows of C
 * take four rows of B per pass. Each element of C is summed in the same order whatever the
 * thread count, so results are deterministic. Where the Vector API is loaded, tiles run on
 * {@link VectorGemmTile} instead: same sums in the same order, C kept in registers.
 */
final class CpuGemm {
  private static final int MB = 32; // rows of C per tile
  private static final int NB = 256; // columns of C per tile
  private static final int KB = 128; // depth per packed panel of B

  /** Per-thread scratch: packed B panel rows and C accumulator rows. */
  private static final class Scratch {
    final float[][] panel = new float[KB][NB];
    final float[][] acc = new float[MB][NB];
    float[] packedA = new float[0];
  }

  private static final boolean SIMD = SimdSupport.enabled();

  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);
  private static final ThreadLocal<float[]> PACK_A = ThreadLocal.withInitial(() -> new float[0]);

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
    if (k == 0 || alpha == 0f) {
      scale(c, cOff, ldc, 0, m, 0, n, beta);
      return;
    }
    if (n < 32 && m >= 2 * n) {
      // Short rows vectorize poorly: compute C^T (n, m) = op(B)^T op(A)^T, whose rows have length m.
      float[] t = new float[n * m];
      gemm(backend, !transB, !transA, n, m, k, alpha, b, bOff, ldb, a, aOff, lda, 0f, t, 0, m);
      for (int i = 0; i < m; i++) {
        int row = cOff + i * ldc;
        for (int j = 0; j < n; j++) {
          c[row + j] = beta == 0f ? t[j * m + i] : beta * c[row + j] + t[j * m + i];
        }
      }
      return;
    }
    // op(A) as row-major (m, k) with row stride fLda; the SIMD tile packs a transposed A itself
    float[] fa = a;
    int faOff = aOff;
    int fLda = lda;
    final boolean tileTransA = transA && SIMD;
    if (transA && !SIMD) {
      float[] pa = PACK_A.get();
      if (pa.length < m * k) {
        pa = new float[m * k];
        PACK_A.set(pa);
      }
      for (int p = 0; p < k; p++) {
        int src = aOff + p * lda;
        for (int i = 0; i < m; i++) {
          pa[i * k + p] = a[src + i];
        }
      }
      fa = pa;
      faOff = 0;
      fLda = k;
    }
    final float[] A = fa;
    final int aO = faOff;
    final int aL = fLda;
    long work = (long) m * n * k;
    int threads = work < 65_536 ? 1 : backend.threads();
    int rowTiles = (m + MB - 1) / MB;
    int colTiles = (n + NB - 1) / NB;
    if (rowTiles >= threads || rowTiles >= colTiles) {
      backend.parallelChunks(rowTiles, Math.min(rowTiles, threads * 2), (chunk, t0, t1) -> {
        for (int ct = 0; ct < colTiles; ct++) {
          for (int rt = t0; rt < t1; rt++) {
            tile(rt * MB, Math.min(m, rt * MB + MB), ct * NB, Math.min(n, ct * NB + NB), k, alpha,
                A, aO, aL, tileTransA, transB, b, bOff, ldb, beta, c, cOff, ldc);
          }
        }
      });
    } else {
      backend.parallelChunks(colTiles, Math.min(colTiles, threads * 2), (chunk, t0, t1) -> {
        for (int ct = t0; ct < t1; ct++) {
          for (int rt = 0; rt < rowTiles; rt++) {
            tile(rt * MB, Math.min(m, rt * MB + MB), ct * NB, Math.min(n, ct * NB + NB), k, alpha,
                A, aO, aL, tileTransA, transB, b, bOff, ldb, beta, c, cOff, ldc);
          }
        }
      });
    }
  }

  /** Computes C[i0:i1, j0:j1] = alpha * op(A)[i0:i1, :] * op(B)[:, j0:j1] + beta * C[i0:i1, j0:j1]. */
  private static void tile(
      int i0, int i1, int j0, int j1, int k, float alpha,
      float[] a, int aOff, int lda, boolean transA, boolean transB, float[] b, int bOff, int ldb,
      float beta, float[] c, int cOff, int ldc) {
    if (SIMD) {
      VectorGemmTile.tile(i0, i1, j0, j1, k, alpha, a, aOff, lda, transA, transB, b, bOff, ldb, beta, c, cOff,
          ldc);
    } else {
      scalarTile(i0, i1, j0, j1, k, alpha, a, aOff, lda, transB, b, bOff, ldb, beta, c, cOff, ldc);
    }
  }

  /** The auto-vectorized tile: the fallback without the Vector API, and the reference for it. */
  static void scalarTile(
      int i0, int i1, int j0, int j1, int k, float alpha,
      float[] a, int aOff, int lda, boolean transB, float[] b, int bOff, int ldb,
      float beta, float[] c, int cOff, int ldc) {
    Scratch s = SCRATCH.get();
    int rows = i1 - i0;
    int len = j1 - j0;
    float[][] acc = s.acc;
    for (int r = 0; r < rows; r++) {
      java.util.Arrays.fill(acc[r], 0, len, 0f);
    }
    for (int p0 = 0; p0 < k; p0 += KB) {
      int p1 = Math.min(k, p0 + KB);
      packPanel(s.panel, transB, b, bOff, ldb, p0, p1, j0, len);
      float[][] panel = s.panel;
      int r = 0;
      for (; r + 2 <= rows; r += 2) {
        int ar0 = aOff + (i0 + r) * lda;
        int ar1 = ar0 + lda;
        float[] c0 = acc[r];
        float[] c1 = acc[r + 1];
        int p = p0;
        for (; p + 4 <= p1; p += 4) {
          int q = p - p0;
          axpy2x4(len, alpha * a[ar0 + p], alpha * a[ar0 + p + 1], alpha * a[ar0 + p + 2], alpha * a[ar0 + p + 3],
              alpha * a[ar1 + p], alpha * a[ar1 + p + 1], alpha * a[ar1 + p + 2], alpha * a[ar1 + p + 3],
              panel[q], panel[q + 1], panel[q + 2], panel[q + 3], c0, c1);
        }
        for (; p < p1; p++) {
          axpy(len, alpha * a[ar0 + p], panel[p - p0], c0);
          axpy(len, alpha * a[ar1 + p], panel[p - p0], c1);
        }
      }
      for (; r < rows; r++) {
        int ar = aOff + (i0 + r) * lda;
        float[] c0 = acc[r];
        for (int p = p0; p < p1; p++) {
          axpy(len, alpha * a[ar + p], panel[p - p0], c0);
        }
      }
    }
    for (int r = 0; r < rows; r++) {
      int dst = cOff + (i0 + r) * ldc + j0;
      float[] src = acc[r];
      if (beta == 0f) {
        System.arraycopy(src, 0, c, dst, len);
      } else {
        for (int j = 0; j < len; j++) {
          c[dst + j] = beta * c[dst + j] + src[j];
        }
      }
    }
  }

  /** Copies rows p0..p1 of op(B), columns j0..j0+len, into panel rows starting at offset 0. */
  private static void packPanel(float[][] panel, boolean transB, float[] b, int bOff, int ldb, int p0, int p1,
      int j0, int len) {
    if (!transB) {
      for (int p = p0; p < p1; p++) {
        System.arraycopy(b, bOff + p * ldb + j0, panel[p - p0], 0, len);
      }
    } else {
      // B stored (n, k): op(B)[p][j] = b[j * ldb + p]
      for (int j = 0; j < len; j++) {
        int src = bOff + (j0 + j) * ldb;
        for (int p = p0; p < p1; p++) {
          panel[p - p0][j] = b[src + p];
        }
      }
    }
  }

  /**
   * Two rows of C, four depths of the panel: {@code c_r += a_r0 b0 + a_r1 b1 + a_r2 b2 + a_r3 b3},
   * summed one depth at a time, so every element is rounded exactly as by four {@link #axpy} calls.
   * Each loaded element of C now takes four products instead of one (the micro-kernel was bound by
   * loads and stores of C), and the shape stays one HotSpot vectorizes.
   */
  private static void axpy2x4(int len, float a00, float a01, float a02, float a03, float a10, float a11, float a12,
      float a13, float[] b0, float[] b1, float[] b2, float[] b3, float[] c0, float[] c1) {
    for (int j = 0; j < len; j++) {
      float x0 = b0[j];
      float x1 = b1[j];
      float x2 = b2[j];
      float x3 = b3[j];
      c0[j] = (((c0[j] + a00 * x0) + a01 * x1) + a02 * x2) + a03 * x3;
      c1[j] = (((c1[j] + a10 * x0) + a11 * x1) + a12 * x2) + a13 * x3;
    }
  }

  private static void axpy(int len, float a0, float[] b, float[] c0) {
    for (int j = 0; j < len; j++) {
      c0[j] += a0 * b[j];
    }
  }

  private static void scale(float[] c, int cOff, int ldc, int i0, int i1, int j0, int j1, float beta) {
    for (int i = i0; i < i1; i++) {
      int row = cOff + i * ldc;
      for (int j = j0; j < j1; j++) {
        c[row + j] = beta == 0f ? 0f : beta * c[row + j];
      }
    }
  }
}
