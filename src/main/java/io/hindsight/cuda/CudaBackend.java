package io.hindsight.cuda;

import io.hindsight.backend.Backend;
import io.hindsight.backend.ConvGeometry;
import io.hindsight.backend.CpuBackend;

/**
 * The {@link Backend} SPI on an NVIDIA GPU: GEMMs and convolutions run as CUDA kernels
 * ({@code sgemm_tiled}, {@code im2col_batched}/{@code col2im_batched}, the depthwise kernels),
 * host loops ({@link #parallelChunks}) on a {@link CpuBackend}.
 *
 * <p>Cost model, for now: the SPI works on host arrays, so each call copies its operands to the
 * device and its results back ({@code cuMemcpyHtoD}/{@code DtoH}, about 4 bytes per element each
 * way over PCIe at roughly 20-50 GB/s) and allocates its device buffers in a per-call
 * {@link DeviceArena}. For small layers the copies dominate the kernels; a device-resident
 * tensor type is what removes them. Calls are serialised (one context, default stream).
 *
 * <p>Results equal {@code CpuBackend}'s within float tolerance (different summation order and
 * FMAs); {@code GpuSelfTest} checks this.
 */
public final class CudaBackend implements Backend, AutoCloseable {
  private final CudaContext ctx;
  private final CudaKernels kernels;
  private final CpuBackend host;
  private final boolean ownsContext;

  /** A backend on a new context of device 0; throws {@link CudaException} with the reason when unavailable. */
  public static CudaBackend create() {
    CudaContext ctx = CudaContext.create();
    return new CudaBackend(ctx, new CudaKernels(ctx), CpuBackend.withDefaultThreads(), true);
  }

  /** A backend on an existing context and host pool (neither closed by {@link #close()}). */
  public CudaBackend(CudaKernels kernels, CpuBackend host) {
    this(kernels.context(), kernels, host, false);
  }

  private CudaBackend(CudaContext ctx, CudaKernels kernels, CpuBackend host, boolean ownsContext) {
    this.ctx = ctx;
    this.kernels = kernels;
    this.host = host;
    this.ownsContext = ownsContext;
  }

  public CudaKernels kernels() {
    return kernels;
  }

  @Override
  public String name() {
    return "cuda";
  }

  @Override
  public String device() {
    return ctx.describe();
  }

  @Override
  public int threads() {
    return host.threads();
  }

  @Override
  public void parallelChunks(int n, int chunks, ChunkBody body) {
    host.parallelChunks(n, chunks, body);
  }

  @Override
  public synchronized void gemm(
      boolean transA, boolean transB, int m, int n, int k, float alpha,
      float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
      float beta, float[] c, int cOff, int ldc) {
    if (m < 0 || n < 0 || k < 0) {
      throw new IllegalArgumentException("negative GEMM dimension m=" + m + " n=" + n + " k=" + k);
    }
    if (m == 0 || n == 0) {
      return;
    }
    // Each operand is copied as the contiguous span from its first to its last element.
    long aSpan = k == 0 ? 0 : transA ? (long) (k - 1) * lda + m : (long) (m - 1) * lda + k;
    long bSpan = k == 0 ? 0 : transB ? (long) (n - 1) * ldb + k : (long) (k - 1) * ldb + n;
    long cSpan = (long) (m - 1) * ldc + n;
    checkSpan(a, aOff, aSpan, "A");
    checkSpan(b, bOff, bSpan, "B");
    checkSpan(c, cOff, cSpan, "C");
    try (DeviceArena arena = ctx.arena()) {
      DeviceBuffer da = arena.floats(Math.max(1, aSpan));
      DeviceBuffer db = arena.floats(Math.max(1, bSpan));
      DeviceBuffer dc = arena.floats(cSpan);
      da.upload(a, aOff, (int) aSpan);
      db.upload(b, bOff, (int) bSpan);
      if (beta != 0f) {
        dc.upload(c, cOff, (int) cSpan);
      }
      float effAlpha = k == 0 ? 0f : alpha;
      kernels.sgemm(transA, transB, m, n, k, effAlpha, da, lda, 0, db, ldb, 0, beta, dc, ldc, 0, 1, false);
      // Only the m rows of n values are written back: the gaps between rows may belong to others.
      float[] out = new float[(int) cSpan];
      dc.download(out);
      for (int i = 0; i < m; i++) {
        System.arraycopy(out, i * ldc, c, cOff + i * ldc, n);
      }
    }
  }

  private static void checkSpan(float[] arr, int off, long span, String what) {
    if (off < 0 || off + span > arr.length) {
      throw new IllegalArgumentException("GEMM operand " + what + " needs " + span + " values from offset " + off
          + " but holds " + arr.length);
    }
  }

  @Override
  public synchronized void conv2dForward(ConvGeometry g, float[] x, float[] w, float[] bias, float[] y) {
    g.checkArrays(x, w, y);
    int outHW = g.outH() * g.outW();
    int inHW = g.inH() * g.inW();
    try (DeviceArena arena = ctx.arena()) {
      DeviceBuffer dx = arena.floats(g.inputSize());
      dx.upload(x, 0, g.inputSize());
      DeviceBuffer dw = arena.upload(w);
      DeviceBuffer dbias = bias == null ? null : arena.upload(bias);
      DeviceBuffer dy = arena.floats(g.outputSize());
      if (g.inPerGroup() == 1) {
        kernels.depthwiseForward(dx, dw, dbias, dy, g.n(), g.inC(), g.inH(), g.inW(), g.outPerGroup(),
            g.kH(), g.kW(), g.stride(), g.padding(), g.outH(), g.outW());
      } else {
        boolean pointwise = isPointwise(g);
        DeviceBuffer col = pointwise ? null : arena.floats((long) g.n() * g.colRows() * outHW);
        for (int grp = 0; grp < g.groups(); grp++) {
          DeviceBuffer src;
          long srcStride;
          int ldb = outHW;
          if (pointwise) {
            src = dx.slice(4L * grp * g.inPerGroup() * inHW, 4L * (g.inputSize() - (long) grp * g.inPerGroup() * inHW));
            srcStride = (long) g.inC() * inHW;
          } else {
            kernels.im2col(dx.slice(4L * grp * g.inPerGroup() * inHW, 4L * (g.inputSize() - (long) grp * g.inPerGroup() * inHW)),
                g.n(), g.inPerGroup(), g.inH(), g.inW(), (long) g.inC() * inHW, g.kH(), g.kW(), g.stride(),
                g.padding(), g.outH(), g.outW(), col);
            src = col;
            srcStride = (long) g.colRows() * outHW;
          }
          // y_s,g (outPerGroup, outHW) = W_g (outPerGroup, colRows) * col_s (colRows, outHW), for every sample s
          kernels.sgemm(false, false, g.outPerGroup(), outHW, g.colRows(), 1f,
              weightSlice(dw, g, grp), g.colRows(), 0, src, ldb, srcStride, 0f,
              outputSlice(dy, g, grp), outHW, (long) g.outC() * outHW, g.n(), false);
        }
        if (dbias != null) {
          kernels.addBiasNchw(dy, dbias, g.n(), g.outC(), outHW);
        }
      }
      dy.download(y, 0, g.outputSize());
    }
  }

  @Override
  public synchronized void conv2dBackward(
      ConvGeometry g, float[] x, float[] w, float[] dY, float[] dX, float[] dW, float[] dB) {
    g.checkArrays(x, w, dY);
    int outHW = g.outH() * g.outW();
    int inHW = g.inH() * g.inW();
    try (DeviceArena arena = ctx.arena()) {
      DeviceBuffer dx = arena.floats(g.inputSize());
      dx.upload(x, 0, g.inputSize());
      DeviceBuffer dw = arena.upload(w);
      DeviceBuffer ddy = arena.floats(g.outputSize());
      ddy.upload(dY, 0, g.outputSize());
      DeviceBuffer gradX = dX == null ? null : arena.floats(g.inputSize());
      DeviceBuffer gradW = dW == null ? null : arena.floats(g.weightSize());
      if (dB != null) {
        DeviceBuffer gradB = arena.floats(g.outC());
        kernels.biasGradNchw(ddy, g.n(), g.outC(), outHW, gradB);
        gradB.download(dB, 0, g.outC());
      }
      if (g.inPerGroup() == 1) {
        if (gradX != null) {
          kernels.depthwiseBackwardInput(ddy, dw, gradX, g.n(), g.inC(), g.inH(), g.inW(), g.outPerGroup(),
              g.kH(), g.kW(), g.stride(), g.padding(), g.outH(), g.outW());
        }
        if (gradW != null) {
          kernels.depthwiseBackwardWeight(dx, ddy, gradW, g.n(), g.inC(), g.inH(), g.inW(), g.outPerGroup(),
              g.kH(), g.kW(), g.stride(), g.padding(), g.outH(), g.outW());
        }
      } else {
        boolean pointwise = isPointwise(g);
        long colSize = (long) g.n() * g.colRows() * outHW;
        DeviceBuffer col = pointwise || gradW == null ? null : arena.floats(colSize);
        DeviceBuffer dcol = pointwise || gradX == null ? null : arena.floats(colSize);
        for (int grp = 0; grp < g.groups(); grp++) {
          long xOff = 4L * grp * g.inPerGroup() * inHW;
          DeviceBuffer xg = dx.slice(xOff, dx.bytes() - xOff);
          DeviceBuffer dyg = outputSlice(ddy, g, grp);
          if (gradW != null) {
            DeviceBuffer src = xg;
            long srcStride = (long) g.inC() * inHW;
            if (!pointwise) {
              kernels.im2col(xg, g.n(), g.inPerGroup(), g.inH(), g.inW(), (long) g.inC() * inHW, g.kH(), g.kW(),
                  g.stride(), g.padding(), g.outH(), g.outW(), col);
              src = col;
              srcStride = (long) g.colRows() * outHW;
            }
            // dW_g (outPerGroup, colRows) = sum_s dY_s,g (outPerGroup, outHW) * col_s^T (outHW, colRows)
            kernels.sgemm(false, true, g.outPerGroup(), g.colRows(), outHW, 1f,
                dyg, outHW, (long) g.outC() * outHW, src, outHW, srcStride, 0f,
                weightSlice(gradW, g, grp), g.colRows(), 0, g.n(), true);
          }
          if (gradX != null) {
            DeviceBuffer gxg = gradX.slice(xOff, gradX.bytes() - xOff);
            // dcol_s (colRows, outHW) = W_g^T (colRows, outPerGroup) * dY_s,g (outPerGroup, outHW)
            DeviceBuffer target = pointwise ? gxg : dcol;
            long targetStride = pointwise ? (long) g.inC() * inHW : (long) g.colRows() * outHW;
            kernels.sgemm(true, false, g.colRows(), outHW, g.outPerGroup(), 1f,
                weightSlice(dw, g, grp), g.colRows(), 0, dyg, outHW, (long) g.outC() * outHW, 0f,
                target, outHW, targetStride, g.n(), false);
            if (!pointwise) {
              kernels.col2im(dcol, g.n(), g.inPerGroup(), g.inH(), g.inW(), (long) g.inC() * inHW, g.kH(), g.kW(),
                  g.stride(), g.padding(), g.outH(), g.outW(), gxg);
            }
          }
        }
      }
      if (gradX != null) {
        gradX.download(dX, 0, g.inputSize());
      }
      if (gradW != null) {
        gradW.download(dW, 0, g.weightSize());
      }
    }
  }

  private static boolean isPointwise(ConvGeometry g) {
    return g.kH() == 1 && g.kW() == 1 && g.stride() == 1 && g.padding() == 0;
  }

  private static DeviceBuffer weightSlice(DeviceBuffer w, ConvGeometry g, int grp) {
    long off = 4L * grp * g.outPerGroup() * g.colRows();
    return w.slice(off, w.bytes() - off);
  }

  private static DeviceBuffer outputSlice(DeviceBuffer y, ConvGeometry g, int grp) {
    long off = 4L * grp * g.outPerGroup() * g.outH() * g.outW();
    return y.slice(off, y.bytes() - off);
  }


  /** Closes the context and the host thread pool when {@link #create()} opened them. */
  @Override
  public void close() {
    if (ownsContext) {
      try {
        host.close();
      } finally {
        ctx.close();
      }
    }
  }
}
