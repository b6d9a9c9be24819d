package io.hindsight.cuda;

import io.hindsight.backend.Backend;
import io.hindsight.backend.ConvGeometry;
import io.hindsight.backend.CpuBackend;
import io.hindsight.device.Device;
import io.hindsight.device.DeviceBuffer;
import io.hindsight.device.DeviceScope;
import io.hindsight.device.Intermediates;
import io.hindsight.device.sim.SoftwareDevice;

/**
 * The {@link Backend} SPI on a {@link Device}: GEMMs and convolutions run as CUDA kernels
 * ({@code sgemm_tiled}, im2col/col2im, the depthwise kernels: {@link ConvOnDevice}), host loops
 * ({@link #parallelChunks}) on a {@link CpuBackend}. On a GPU ({@code cuda}) or on the software
 * device ({@code cuda-sim}), which runs the same host path with every kernel as its Java reference.
 *
 * <p>Cost model of this host-array path: each call copies its operands to the device and its
 * results back over PCIe, in a per-call scope. Model training on a CUDA backend uses the
 * device-resident path instead ({@code train.DeviceStepEngine}), which keeps parameters and
 * activations on the device; this SPI remains for everything that computes on host arrays.
 * Calls are serialised (one device, one stream).
 *
 * <p>Results equal {@code CpuBackend}'s within float tolerance (other summation order, FMAs);
 * {@code BackendContractTest} checks it.
 */
public final class CudaBackend implements Backend, AutoCloseable {
  private final Device device;
  private final CudaKernels kernels;
  private final CpuBackend host;
  private final boolean owns;

  /** A backend on a new context of GPU 0; throws {@link CudaException} with the reason when unavailable. */
  public static CudaBackend create() {
    return create(CudaDevice.open(), CpuBackend.defaultThreads());
  }

  /** A backend on the software device ({@code cuda-sim}), with {@code threads} host threads. */
  public static CudaBackend simulated(int threads) {
    return create(new SoftwareDevice(), threads);
  }

  private static CudaBackend create(Device device, int threads) {
    try {
      return new CudaBackend(device, new CudaKernels(device), new CpuBackend(threads), true);
    } catch (RuntimeException e) {
      device.close();
      throw e;
    }
  }

  /** A backend on an existing device and host pool (neither closed by {@link #close()}). */
  public CudaBackend(CudaKernels kernels, CpuBackend host) {
    this(kernels.device(), kernels, host, false);
  }

  private CudaBackend(Device device, CudaKernels kernels, CpuBackend host, boolean owns) {
    this.device = device;
    this.kernels = kernels;
    this.host = host;
    this.owns = owns;
  }

  public CudaKernels kernels() {
    return kernels;
  }

  /** The device the kernels run on. */
  public Device deviceHandle() {
    return device;
  }

  @Override
  public java.util.Optional<Device> accelerator() {
    return java.util.Optional.of(device);
  }

  /** {@code cuda} on a GPU, {@code cuda-sim} on the software device. */
  @Override
  public String name() {
    return "software".equals(device.kind()) ? "cuda-sim" : "cuda";
  }

  @Override
  public String device() {
    return device.name();
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
    try (DeviceScope scope = device.scope("gemm")) {
      DeviceBuffer da = scope.floats(Math.max(1, aSpan), "A");
      DeviceBuffer db = scope.floats(Math.max(1, bSpan), "B");
      DeviceBuffer dc = scope.floats(cSpan, "C");
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
    try (DeviceScope scope = device.scope("conv2dForward")) {
      DeviceBuffer dx = scope.floats(g.inputSize(), "x");
      dx.upload(x, 0, g.inputSize());
      DeviceBuffer dw = scope.upload(w, "w");
      DeviceBuffer dbias = bias == null ? null : scope.upload(bias, "bias");
      DeviceBuffer dy = scope.floats(g.outputSize(), "y");
      ConvOnDevice.forward(kernels, Intermediates.of(scope), g, dx, dw, dbias, dy);
      dy.download(y, 0, g.outputSize());
    }
  }

  @Override
  public synchronized void conv2dBackward(
      ConvGeometry g, float[] x, float[] w, float[] dY, float[] dX, float[] dW, float[] dB) {
    g.checkArrays(x, w, dY);
    try (DeviceScope scope = device.scope("conv2dBackward")) {
      DeviceBuffer dx = scope.floats(g.inputSize(), "x");
      dx.upload(x, 0, g.inputSize());
      DeviceBuffer dw = scope.upload(w, "w");
      DeviceBuffer ddy = scope.floats(g.outputSize(), "dY");
      ddy.upload(dY, 0, g.outputSize());
      DeviceBuffer gradX = dX == null ? null : scope.floats(g.inputSize(), "dX");
      DeviceBuffer gradW = dW == null ? null : scope.floats(g.weightSize(), "dW");
      DeviceBuffer gradB = dB == null ? null : scope.floats(g.outC(), "dB");
      ConvOnDevice.backward(kernels, Intermediates.of(scope), g, dx, dw, ddy, gradX, gradW, gradB);
      if (gradB != null) {
        gradB.download(dB, 0, g.outC());
      }
      if (gradX != null) {
        gradX.download(dX, 0, g.inputSize());
      }
      if (gradW != null) {
        gradW.download(dW, 0, g.weightSize());
      }
    }
  }

  /** Closes the device and the host thread pool when {@link #create()} or {@link #simulated} opened them. */
  @Override
  public void close() {
    if (owns) {
      try {
        host.close();
      } finally {
        device.close();
      }
    }
  }
}
