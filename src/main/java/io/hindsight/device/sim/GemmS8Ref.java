package io.hindsight.device.sim;

import io.hindsight.cuda.Activation;
import io.hindsight.cuda.GemmRef;
import io.hindsight.cuda.QuantStats;
import java.util.Map;

/**
 * References of gemm_s8.cu through {@link GemmRef} (bit-exact: integer accumulation is exact and
 * every float operation of the epilogue is the kernel's, in its order). The three NT kernels
 * (dp4a, mma, mma with ldmatrix) compute the same values and share one reference.
 */
final class GemmS8Ref {
  private GemmS8Ref() {}

  static void register(Map<String, KernelReference> refs) {
    refs.put("gemm_s8_nt_dp4a", GemmS8Ref::nt);
    refs.put("gemm_s8_nt_mma", GemmS8Ref::nt);
    refs.put("gemm_s8_nt_mma_ldm", GemmS8Ref::nt);
    refs.put("gemm_s8_tn_wgrad", GemmS8Ref::wgrad);
    refs.put("wgrad_finish", GemmS8Ref::wgradFinish);
    refs.put("transpose_s8", GemmS8Ref::transpose);
    refs.put("rowsum_s8", GemmS8Ref::rowSum);
  }

  private static byte[] bytes(View v, long n) {
    byte[] a = new byte[Math.toIntExact(n)];
    v.readB(0, a, 0, a.length);
    return a;
  }

  private static void nt(SimLaunch l) {
    int m = l.i32("M");
    int n = l.i32("N");
    int k = l.i32("K");
    byte[] a = bytes(l.view("A"), (long) m * k);
    byte[] b = bytes(l.view("B"), (long) n * k);
    boolean perChannel = l.flag("scaleBPerChannel");
    float[] scaleB = ConvRef.read(l.view("scaleB"), 0, perChannel ? n : 1);
    int zeroPointA = l.i32("zeroPointA");
    int[] colSum = null;
    if (zeroPointA != 0) {
      colSum = new int[n];
      l.view("colSumB").readI(0, colSum, 0, n);
    }
    View biasView = l.view("bias");
    float[] bias = biasView == null ? null : ConvRef.read(biasView, 0, n);
    Activation act = Activation.values()[l.i32("activation")];
    View outF32 = l.view("outF32");
    View outS8 = l.view("outS8");
    boolean quantize = outF32 == null;
    byte[] s8 = quantize ? new byte[m * n] : null;
    float[] f32 = quantize ? null : new float[m * n];
    QuantStats st = GemmRef.gemmNt(a, b, m, n, k, l.i32("rowsPerSample"), l.f32("scaleA"), scaleB, zeroPointA, colSum, bias, act, quantize,
        l.f32("outScale"), l.i32("zeroPoint"), l.i32("lo"), l.i32("hi"), l.flag("stochastic"), l.i64("key"), s8, f32);
    if (quantize) {
      outS8.writeB(0, s8, 0, s8.length);
    } else {
      outF32.writeF(0, f32, 0, f32.length);
    }
    View stats = l.view("stats");
    if (stats != null) {
      StatsStruct.merge(stats, 0, QuantStats.key(st.min()), QuantStats.key(st.max()), st.clipped(), st.nonFinite());
    }
  }

  /**
   * Every block's slice of rows added into the chunk sums: the rows {@code [0, M)} at once, which
   * gives the atomics' result whatever the slicing ({@link GemmRef#wgradChunkSums}).
   */
  private static void wgrad(SimLaunch l) {
    int m = l.i32("M");
    int n = l.i32("N");
    int k = l.i32("K");
    int rowsPerSlice = l.i32("rowsPerSlice");
    if (rowsPerSlice < 32 || rowsPerSlice % 32 != 0 || GemmRef.WGRAD_FLUSH % rowsPerSlice != 0) {
      throw new IllegalArgumentException("rowsPerSlice " + rowsPerSlice + " must be a multiple of 32 dividing "
          + GemmRef.WGRAD_FLUSH);
    }
    if ((long) l.gridZ() * rowsPerSlice < m) {
      throw new IllegalArgumentException("grid z " + l.gridZ() + " x " + rowsPerSlice + " rows does not cover M=" + m);
    }
    byte[] g = bytes(l.view("G"), (long) m * n);
    byte[] x = bytes(l.view("X"), (long) m * k);
    int length = Math.toIntExact((long) GemmRef.wgradChunks(m) * n * k);
    View sumsView = l.view("chunkSums");
    int[] sums = new int[length];
    sumsView.readI(0, sums, 0, length);
    GemmRef.wgradChunkSums(g, x, m, 0, m, n, k, l.i32("zeroPointX"), sums);
    for (int i = 0; i < length; i++) {
      sumsView.putI(i, sums[i]);
    }
  }

  private static void wgradFinish(SimLaunch l) {
    int chunks = l.i32("chunks");
    int n = l.i32("N");
    int k = l.i32("K");
    int length = Math.toIntExact((long) chunks * n * k);
    int[] sums = new int[length];
    l.view("chunkSums").readI(0, sums, 0, length);
    float beta = l.f32("beta");
    View dwv = l.view("dW");
    float[] dw = beta != 0f ? ConvRef.read(dwv, 0, (long) n * k) : new float[n * k];
    GemmRef.wgradFinish(sums, chunks, n, k, l.f32("scaleG"), l.f32("scaleX"), beta, dw);
    dwv.writeF(0, dw, 0, dw.length);
  }

  private static void transpose(SimLaunch l) {
    int rows = l.i32("rows");
    int cols = l.i32("cols");
    byte[] t = GemmRef.transpose(bytes(l.view("in"), (long) rows * cols), rows, cols);
    l.view("out").writeB(0, t, 0, t.length);
  }

  private static void rowSum(SimLaunch l) {
    int rows = l.i32("rows");
    int cols = l.i32("cols");
    int[] s = GemmRef.rowSum(bytes(l.view("in"), (long) rows * cols), rows, cols);
    View out = l.view("out");
    for (int i = 0; i < rows; i++) {
      out.putI(i, s[i]);
    }
  }
}
