package io.hindsight.device.sim;

import java.util.Map;
import java.util.stream.IntStream;

/**
 * Reference of {@code sgemm_tiled} (sgemm.cu), bit-exact: every output is one FMA chain over k in
 * order (batch by batch when the batch is reduced), zero-padded to a multiple of 16 in k (which
 * only turns a {@code -0} accumulator into {@code +0}), then {@code alpha * acc}, plus
 * {@code beta * C} as one FMA when {@code beta != 0}. A reduced batch launched in slices (grid z > 1)
 * leaves each slice's chain in {@code partial}, and {@code sgemm_slices_finish} adds the slices in
 * order before alpha and beta. Operands are read once per batch entry into
 * arrays; outputs of large products are computed on the common fork-join pool (each output is
 * independent, so the result does not depend on it).
 */
final class SgemmRef {
  private static final int TILE_K = 16;
  private static final long PARALLEL_WORK = 1L << 20;

  private SgemmRef() {}

  static void register(Map<String, KernelReference> refs) {
    refs.put("sgemm_tiled", SgemmRef::run);
    refs.put("sgemm_slices_finish", SgemmRef::finishSlices);
  }

  private static float[] operand(View v, long offset, boolean trans, int rows, int cols, int ld) {
    // op(X) is (rows, cols); stored (rows, cols) with leading dimension ld, or (cols, rows) when trans
    long span = rows == 0 || cols == 0 ? 0 : trans ? (long) (cols - 1) * ld + rows : (long) (rows - 1) * ld + cols;
    float[] a = new float[(int) span];
    v.readF(offset, a, 0, (int) span);
    return a;
  }

  private static void run(SimLaunch l) {
    boolean transA = l.flag("transA");
    boolean transB = l.flag("transB");
    int m = l.i32("M");
    int n = l.i32("N");
    int k = l.i32("K");
    float alpha = l.f32("alpha");
    int lda = l.i32("lda");
    int ldb = l.i32("ldb");
    int ldc = l.i32("ldc");
    long strideA = l.i64("strideA");
    long strideB = l.i64("strideB");
    long strideC = l.i64("strideC");
    float beta = l.f32("beta");
    int batch = l.i32("batch");
    boolean reduce = l.flag("reduceBatch");
    int zPerSlice = l.i32("zPerSlice");
    boolean sliced = reduce && l.gridZ() > 1;
    if (reduce && (zPerSlice < 1 || (long) l.gridZ() * zPerSlice < batch)) {
      throw new IllegalArgumentException("grid z " + l.gridZ() + " x " + zPerSlice + " does not cover a batch of " + batch);
    }
    View partial = l.view("partial");
    View a = l.view("A");
    View b = l.view("B");
    View c = l.view("C");
    boolean padded = k % TILE_K != 0;
    float[][] acc = null;
    for (int z = 0; z < batch; z++) {
      if (!reduce || z % zPerSlice == 0) {
        acc = new float[m][n];
      }
      float[] az = operand(a, z * strideA, transA, m, k, lda);
      float[] bz = operand(b, z * strideB, transB, k, n, ldb);
      // B as dense (k, n) rows so the inner loop runs along n
      float[] bk = new float[k * n];
      for (int p = 0; p < k; p++) {
        for (int j = 0; j < n; j++) {
          bk[p * n + j] = transB ? bz[j * ldb + p] : bz[p * ldb + j];
        }
      }
      float[][] accz = acc;
      IntStream rows = IntStream.range(0, m);
      if ((long) m * n * k >= PARALLEL_WORK) {
        rows = rows.parallel();
      }
      rows.forEach(i -> {
        float[] row = accz[i];
        for (int p = 0; p < k; p++) {
          float av = transA ? az[p * lda + i] : az[i * lda + p];
          int bo = p * n;
          for (int j = 0; j < n; j++) {
            row[j] = Math.fma(av, bk[bo + j], row[j]);
          }
        }
        if (padded) {
          for (int j = 0; j < n; j++) {
            row[j] += 0f; // fma(0, 0, acc) of the zero padding: -0 becomes +0
          }
        }
      });
      boolean sliceEnds = z % zPerSlice == zPerSlice - 1 || z == batch - 1;
      if (sliced && sliceEnds) {
        long base = (long) (z / zPerSlice) * m * n;
        for (int i = 0; i < m; i++) {
          partial.writeF(base + (long) i * n, acc[i], 0, n);
        }
      } else if (!reduce || (!sliced && z == batch - 1)) {
        long cBase = reduce ? 0 : z * strideC;
        float[] cRow = new float[n];
        for (int i = 0; i < m; i++) {
          long off = cBase + (long) i * ldc;
          if (beta != 0f) {
            c.readF(off, cRow, 0, n);
          }
          float[] row = acc[i];
          for (int j = 0; j < n; j++) {
            float v = alpha * row[j];
            cRow[j] = beta != 0f ? Math.fma(beta, cRow[j], v) : v;
          }
          c.writeF(off, cRow, 0, n);
        }
      }
    }
  }

  private static void finishSlices(SimLaunch l) {
    int slices = l.i32("slices");
    int m = l.i32("M");
    int n = l.i32("N");
    float alpha = l.f32("alpha");
    float beta = l.f32("beta");
    int ldc = l.i32("ldc");
    long total = (long) m * n;
    float[] p = new float[Math.toIntExact(slices * total)];
    l.view("partial").readF(0, p, 0, p.length);
    View c = l.view("C");
    float[] cRow = new float[n];
    for (int i = 0; i < m; i++) {
      long off = (long) i * ldc;
      if (beta != 0f) {
        c.readF(off, cRow, 0, n);
      }
      for (int j = 0; j < n; j++) {
        int idx = i * n + j;
        float acc = p[idx];
        for (int s = 1; s < slices; s++) {
          acc = acc + p[(int) (s * total) + idx];
        }
        float v = alpha * acc;
        cRow[j] = beta != 0f ? Math.fma(beta, cRow[j], v) : v;
      }
      c.writeF(off, cRow, 0, n);
    }
  }
}
