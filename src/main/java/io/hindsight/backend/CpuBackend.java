package io.hindsight.backend;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The reference backend: plain Java, multithreaded over all cores, cache-blocked GEMM and
 * im2col convolutions. Results depend only on the inputs, never on the thread count or timing:
 * parallel reductions are split into a fixed number of chunks and combined in chunk order.
 */
public final class CpuBackend implements Backend {
  /** Reductions over the batch are split into this many partial sums, whatever the thread count. */
  static final int REDUCTION_CHUNKS = 8;

  private static final ThreadLocal<Boolean> IN_WORKER = ThreadLocal.withInitial(() -> false);

  private final int threads;
  private final ExecutorService pool;

  public CpuBackend(int threads) {
    if (threads <= 0) {
      throw new IllegalArgumentException("threads must be positive: " + threads);
    }
    this.threads = threads;
    AtomicInteger id = new AtomicInteger();
    this.pool =
        threads == 1
            ? null
            : Executors.newFixedThreadPool(threads, r -> {
              Thread t = new Thread(() -> {
                IN_WORKER.set(true);
                r.run();
              }, "hindsight-cpu-" + id.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
  }

  /** A backend using {@code hindsight.threads} (system property) or all available processors. */
  public static CpuBackend withDefaultThreads() {
    return new CpuBackend(defaultThreads());
  }

  public static int defaultThreads() {
    String p = System.getProperty("hindsight.threads");
    if (p != null && !p.isBlank()) {
      return Integer.parseInt(p.trim());
    }
    return Runtime.getRuntime().availableProcessors();
  }

  @Override
  public String name() {
    return "cpu";
  }

  @Override
  public String device() {
    return System.getProperty("os.arch") + " CPU, " + threads + " threads, GEMM " + SimdSupport.describe();
  }

  @Override
  public int threads() {
    return threads;
  }

  @Override
  public void parallelChunks(int n, int chunks, ChunkBody body) {
    if (n <= 0) {
      return;
    }
    int c = Math.max(1, Math.min(chunks, n));
    if (pool == null || c == 1 || IN_WORKER.get()) {
      for (int i = 0; i < c; i++) {
        body.run(i, chunkStart(n, c, i), chunkStart(n, c, i + 1));
      }
      return;
    }
    List<Future<?>> futures = new ArrayList<>(c);
    for (int i = 0; i < c; i++) {
      final int chunk = i;
      futures.add(pool.submit(() -> body.run(chunk, chunkStart(n, c, chunk), chunkStart(n, c, chunk + 1))));
    }
    RuntimeException failure = null;
    for (Future<?> f : futures) {
      try {
        f.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        failure = new IllegalStateException("interrupted while waiting for CPU workers", e);
      } catch (ExecutionException e) {
        Throwable cause = e.getCause();
        if (failure == null) {
          failure = cause instanceof RuntimeException re ? re : new IllegalStateException(cause);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  /** Ends the worker threads (at once: a closed backend has no work in flight). */
  @Override
  public void close() {
    if (pool != null) {
      pool.shutdownNow();
    }
  }

  static int chunkStart(int n, int chunks, int i) {
    return (int) ((long) n * i / chunks);
  }

  @Override
  public void gemm(
      boolean transA, boolean transB, int m, int n, int k, float alpha,
      float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
      float beta, float[] c, int cOff, int ldc) {
    CpuGemm.gemm(this, transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
  }

  @Override
  public void conv2dForward(ConvGeometry g, float[] x, float[] w, float[] bias, float[] y) {
    CpuConv.forward(this, g, x, w, bias, y);
  }

  @Override
  public void conv2dBackward(
      ConvGeometry g, float[] x, float[] w, float[] dY, float[] dX, float[] dW, float[] dB) {
    CpuConv.backward(this, g, x, w, dY, dX, dW, dB);
  }
}
