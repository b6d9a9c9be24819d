package io.hindsight.backend;

/**
 * The compute operations the layers need, behind one interface so that a GPU implementation can
 * replace the CPU reference without touching the layers (DJL-style backend SPI).
 *
 * <p>All arrays are row-major. Every implementation must produce the CPU backend's results within
 * float tolerance; {@code BackendContractTest} runs one suite against each available backend.
 */
public interface Backend extends AutoCloseable {

  /** Short identifier recorded in provenance, e.g. {@code cpu}. */
  String name();

  /** A human-readable description of the device, e.g. the CPU model and thread count. */
  String device();

  /** Worker threads this backend uses. */
  int threads();

  /** The accelerator this backend computes on (its device memory, copies and launches), if any. */
  default java.util.Optional<io.hindsight.device.Device> accelerator() {
    return java.util.Optional.empty();
  }

  /**
   * General matrix multiply {@code C = alpha * op(A) * op(B) + beta * C} where {@code op(A)} is
   * {@code (m, k)}, {@code op(B)} is {@code (k, n)} and {@code C} is {@code (m, n)}.
   *
   * @param transA whether A is stored as {@code (k, m)}
   * @param transB whether B is stored as {@code (n, k)}
   */
  void gemm(
      boolean transA,
      boolean transB,
      int m,
      int n,
      int k,
      float alpha,
      float[] a,
      int aOff,
      int lda,
      float[] b,
      int bOff,
      int ldb,
      float beta,
      float[] c,
      int cOff,
      int ldc);

  /** 2-D convolution forward: {@code y = conv(x, w) + bias}. {@code bias} may be null. */
  void conv2dForward(ConvGeometry g, float[] x, float[] w, float[] bias, float[] y);

  /**
   * 2-D convolution backward. Computes {@code dX} (if non-null, overwritten), and accumulates
   * {@code dW} and {@code dB} (if non-null, overwritten, not accumulated).
   */
  void conv2dBackward(ConvGeometry g, float[] x, float[] w, float[] dY, float[] dX, float[] dW, float[] dB);

  /**
   * Runs {@code body.run(chunk, start, end)} over {@code [0, n)} split into {@code chunks}
   * contiguous ranges; chunk boundaries depend only on {@code n} and {@code chunks}, never on
   * timing, so reductions done per chunk and combined in chunk order are deterministic.
   */
  void parallelChunks(int n, int chunks, ChunkBody body);

  /** Runs {@code body} for every index in {@code [0, n)}, in parallel where worthwhile. */
  default void parallelFor(int n, IndexBody body) {
    parallelChunks(n, Math.min(n, threads() * 4), (chunk, start, end) -> {
      for (int i = start; i < end; i++) {
        body.run(i);
      }
    });
  }

  /**
   * Releases what the backend opened (worker threads, device contexts, loaded modules, device
   * memory). Whoever creates a backend closes it, on every path; closing twice is harmless, and a
   * closed backend must not be used again.
   */
  @Override
  void close();

  /** A loop body over a contiguous chunk. */
  @FunctionalInterface
  interface ChunkBody {
    void run(int chunk, int start, int end);
  }

  /** A loop body over one index. */
  @FunctionalInterface
  interface IndexBody {
    void run(int index);
  }
}
