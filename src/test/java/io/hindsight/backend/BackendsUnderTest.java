package io.hindsight.backend;

import java.util.ArrayList;
import java.util.List;

/** The backends the shared contract suite runs against on this machine. */
final class BackendsUnderTest {
  private static List<Backend> all;

  private BackendsUnderTest() {}

  static synchronized List<Backend> all() {
    if (all == null) {
      List<Backend> list = new ArrayList<>();
      list.add(named(new CpuBackend(1), "cpu-1"));
      list.add(named(new CpuBackend(3), "cpu-3"));
      list.add(named(io.hindsight.cuda.CudaBackend.simulated(2), "cuda-sim"));
      io.hindsight.cuda.CudaRuntime.Availability cuda = io.hindsight.cuda.CudaRuntime.availability();
      if (cuda.available()) {
        list.add(named(io.hindsight.cuda.CudaBackend.create(), "cuda"));
      } else {
        System.out.println("BackendContractTest: CUDA backend skipped: " + cuda.reason());
      }
      all = List.copyOf(list);
    }
    return all;
  }

  private static Backend named(Backend b, String label) {
    return new Backend() {
      @Override
      public String name() {
        return b.name();
      }

      @Override
      public String device() {
        return b.device();
      }

      @Override
      public int threads() {
        return b.threads();
      }

      @Override
      public void gemm(boolean ta, boolean tb, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
          float[] bb, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
        b.gemm(ta, tb, m, n, k, alpha, a, aOff, lda, bb, bOff, ldb, beta, c, cOff, ldc);
      }

      @Override
      public void conv2dForward(ConvGeometry g, float[] x, float[] w, float[] bias, float[] y) {
        b.conv2dForward(g, x, w, bias, y);
      }

      @Override
      public void conv2dBackward(ConvGeometry g, float[] x, float[] w, float[] dY, float[] dX, float[] dW,
          float[] dB) {
        b.conv2dBackward(g, x, w, dY, dX, dW, dB);
      }

      @Override
      public void parallelChunks(int n, int chunks, ChunkBody body) {
        b.parallelChunks(n, chunks, body);
      }

      /**
       * The backends under test are shared by every test of the JVM (opened once, above), and JUnit
       * closes {@code AutoCloseable} arguments after each parameterized invocation: closing the view
       * must not close the shared backend.
       */
      @Override
      public void close() {}

      @Override
      public String toString() {
        return label;
      }
    };
  }
}
