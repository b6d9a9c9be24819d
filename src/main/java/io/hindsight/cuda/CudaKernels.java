package io.hindsight.cuda;

import static io.hindsight.cuda.CudaException.check;
import static jcuda.driver.JCudaDriver.cuLaunchKernel;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoD;

import io.hindsight.quant.math.QuantGrid;
import io.hindsight.quant.math.QuantParams;
import io.hindsight.quant.math.Rounding;
import java.util.List;

/**
 * Java wrappers of the CUDA kernels: argument checks, launch configuration, one
 * {@code cuLaunchKernel} each, and the launch's compulsory traffic recorded in the
 * {@link TrafficCounter} (formulas in {@link Traffic}). Launches are asynchronous on the default
 * stream; host copies and {@link CudaContext#synchronize()} wait for them.
 *
 * <p>Shapes follow the kernels' comments in src/main/cuda; CPU references: {@link QuantRef},
 * {@link GemmRef}, {@code CpuGemm}/{@code CpuConv}, and the layers of {@code io.hindsight.nn}.
 */
public final class CudaKernels {
  /** Threads per block of the 1-D kernels. */
  public static final int BLOCK = 256;

  /** Every kernel the wrappers launch (the build test checks each is in the compiled PTX). */
  public static final List<String> KERNELS = List.of(
      "hs_stats_init", "quantize_static_stats", "minmax_reduce", "quantize_with_range", "dequantize",
      "gemm_s8_nt_dp4a", "gemm_s8_nt_mma", "gemm_s8_nt_mma_ldm", "gemm_s8_tn_wgrad", "transpose_s8", "rowsum_s8",
      "sgemm_tiled", "im2col_batched", "col2im_batched", "add_bias_nchw", "bias_grad_nchw",
      "depthwise_conv_fwd", "depthwise_conv_bwd_input", "depthwise_conv_bwd_weight",
      "batchnorm_fwd", "batchnorm_bwd", "pool2d_fwd", "pool2d_bwd",
      "softmax_xent_fwd", "softmax_xent_bwd", "sgd_update");

  /** Where launches go: the driver, or a recorder in the tests that check the arguments. */
  interface Launcher {
    void launch(String kernel, int gx, int gy, int gz, int bx, int by, KernelArgs args);

    void copy(DeviceBuffer src, DeviceBuffer dst, long bytes);

    int multiprocessors();

    int computeCapabilityMajor();
  }

  private final CudaContext ctx;
  private final Launcher launcher;
  private final TrafficCounter traffic;

  public CudaKernels(CudaContext ctx) {
    this(ctx, new TrafficCounter());
  }

  public CudaKernels(CudaContext ctx, TrafficCounter traffic) {
    this(ctx, new DriverLauncher(ctx), traffic);
  }

  CudaKernels(CudaContext ctx, Launcher launcher, TrafficCounter traffic) {
    this.ctx = ctx;
    this.launcher = launcher;
    this.traffic = traffic;
  }

  /** Launches through the CUDA driver on the context's default stream. */
  private record DriverLauncher(CudaContext ctx) implements Launcher {
    @Override
    public void launch(String kernel, int gx, int gy, int gz, int bx, int by, KernelArgs args) {
      ctx.bind();
      check("cuLaunchKernel(" + kernel + ", grid " + gx + "x" + gy + "x" + gz + ")",
          cuLaunchKernel(ctx.function(kernel), gx, gy, gz, bx, by, 1, 0, null, args.build(), null));
    }

    @Override
    public void copy(DeviceBuffer src, DeviceBuffer dst, long bytes) {
      ctx.bind();
      check("cuMemcpyDtoD(" + bytes + " bytes)", cuMemcpyDtoD(dst.pointer(), src.pointer(), bytes));
    }

    @Override
    public int multiprocessors() {
      return ctx.multiprocessors();
    }

    @Override
    public int computeCapabilityMajor() {
      return ctx.computeCapabilityMajor();
    }
  }

  public CudaContext context() {
    return ctx;
  }

  public TrafficCounter traffic() {
    return traffic;
  }

  private void launch(String kernel, int gx, int gy, int gz, int bx, int by, KernelArgs args, long[] rw) {
    if (gx < 1 || gy < 1 || gz < 1 || gy > 65535 || gz > 65535) {
      throw new IllegalArgumentException(kernel + ": invalid grid " + gx + "x" + gy + "x" + gz);
    }
    launcher.launch(kernel, gx, gy, gz, bx, by, args);
    traffic.record(kernel, rw[0], rw[1]);
  }

  private void launch1d(String kernel, int blocks, KernelArgs args, long[] rw) {
    launch(kernel, blocks, 1, 1, BLOCK, 1, args, rw);
  }

  /** Blocks for a grid-stride loop over {@code work} items: enough to fill the GPU, at most 16 per SM. */
  private int gridFor(long work) {
    long blocks = (work + BLOCK - 1) / BLOCK;
    return (int) Math.max(1, Math.min(blocks, 16L * launcher.multiprocessors()));
  }

  private static int ceilDiv(long a, int b) {
    long r = (a + b - 1) / b;
    if (r > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("grid too large: " + r);
    }
    return (int) r;
  }

  private static void need(DeviceBuffer b, long bytes, String what) {
    if (b == null) {
      throw new IllegalArgumentException(what + " is required");
    }
    if (b.bytes() < bytes) {
      throw new IllegalArgumentException(what + " holds " + b.bytes() + " bytes, needs " + bytes);
    }
  }

  private static void aligned(DeviceBuffer b, int alignment, String what) {
    if (b != null && b.alignmentOffset() % alignment != 0) {
      throw new IllegalArgumentException(what + " must be " + alignment + "-byte aligned (offset "
          + b.alignmentOffset() + ")");
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Statistics and quantization (quantize.cu)

  /** Resets {@code count} statistics structs to the identity. */
  public void statsInit(DeviceBuffer stats, int count) {
    need(stats, (long) QuantStats.BYTES * count, "stats");
    launch1d("hs_stats_init", ceilDiv(count, BLOCK), new KernelArgs().ptr(stats).i32(count), new long[] {0, 24L * count});
  }

  /** Reads one statistics struct (synchronous). */
  public QuantStats readStats(DeviceBuffer stats) {
    int[] w = new int[6];
    stats.slice(0, QuantStats.BYTES).download(w);
    return QuantStats.fromWords(w, 0);
  }

  /**
   * Static (in-hindsight) quantization in one pass: {@code q = quantize(x; p)} and x's statistics
   * merged into {@code stats}. x (n) floats, q (n) int8 or int16 levels.
   */
  public void quantizeStatic(DeviceBuffer x, DeviceBuffer q, long n, QuantParams p, Rounding r, long key, DeviceBuffer stats) {
    if (p.channels() != 1) {
      throw new IllegalArgumentException("quantize_static_stats takes per-tensor parameters, got " + p);
    }
    int levelBytes = p.grid().levelBytes();
    need(x, 4L * n, "x");
    need(q, (long) levelBytes * n, "q");
    need(stats, QuantStats.BYTES, "stats");
    launch1d("quantize_static_stats", gridFor((n + 3) / 4), new KernelArgs().ptr(x).ptr(q).i64(n)
        .f32(p.scale(0)).i32(p.zeroPoint(0)).i32(p.lo(0)).i32(p.hi(0)).i32(levelBytes)
        .i32(r.flag()).i64(key).ptr(stats), Traffic.quantize(n, levelBytes));
  }

  /** Dynamic pass 1: min/max/non-finite of x (n) into {@code stats} (initialised by the caller). */
  public void minmaxReduce(DeviceBuffer x, long n, DeviceBuffer stats) {
    need(x, 4L * n, "x");
    need(stats, QuantStats.BYTES, "stats");
    launch1d("minmax_reduce", gridFor((n + 3) / 4), new KernelArgs().ptr(x).i64(n).ptr(stats), Traffic.minmax(n));
  }

  /**
   * Dynamic pass 2: parameters derived on the device from {@code range} ({@link QuantizeRef#paramsFromStats}),
   * then {@code q = quantize(x)}. {@code paramsOut} (4 ints: scale bits, zero point, lo, hi) and
   * {@code stats} may be null.
   */
  public void quantizeWithRange(DeviceBuffer x, DeviceBuffer q, long n, DeviceBuffer range, int bits, boolean symmetric,
      Rounding r, long seed, DeviceBuffer paramsOut, DeviceBuffer stats) {
    int levelBytes = bits <= 8 ? 1 : 2;
    if (bits < 2 || bits > 16) {
      throw new IllegalArgumentException("bits must be in [2, 16], got " + bits);
    }
    need(x, 4L * n, "x");
    need(q, (long) levelBytes * n, "q");
    need(range, QuantStats.BYTES, "range");
    if (paramsOut != null) {
      need(paramsOut, 16, "paramsOut");
    }
    launch1d("quantize_with_range", gridFor((n + 3) / 4), new KernelArgs().ptr(x).ptr(q).i64(n).ptr(range)
        .i32(bits).flag(symmetric).i32(r.flag()).i64(seed).ptr(paramsOut).ptr(stats), Traffic.quantize(n, levelBytes));
  }

  /** The parameters that {@code quantize_with_range} wrote (synchronous): scale bits, zero point, lo, hi. */
  public int[] readParams(DeviceBuffer paramsOut) {
    int[] w = new int[4];
    paramsOut.slice(0, 16).download(w);
    return w;
  }

  /** {@code y = (q - zeroPoint) * scale}; q (n) int8 or int16 levels, y (n) floats. */
  public void dequantize(DeviceBuffer q, DeviceBuffer y, long n, float scale, int zeroPoint, int levelBytes) {
    need(q, (long) levelBytes * n, "q");
    need(y, 4L * n, "y");
    launch1d("dequantize", gridFor(n), new KernelArgs().ptr(q).ptr(y).i64(n).f32(scale).i32(zeroPoint)
        .i32(levelBytes), Traffic.dequantize(n, levelBytes));
  }

  // ---------------------------------------------------------------------------------------------
  // INT8 GEMMs (gemm_s8.cu)

  /** The algorithm AUTO picks for these operands. */
  public GemmAlgo resolve(GemmAlgo algo, DeviceBuffer a, DeviceBuffer b, int k) {
    boolean mmaOk = k % 16 == 0 && a.alignmentOffset() % 16 == 0 && b.alignmentOffset() % 16 == 0
        && launcher.computeCapabilityMajor() >= 8;
    boolean tensorCores = algo == GemmAlgo.MMA || algo == GemmAlgo.MMA_LDM;
    if (tensorCores && !mmaOk) {
      throw new IllegalArgumentException("the mma kernel needs K % 16 == 0, 16-byte aligned operands and"
          + " compute capability >= 8.0 (K = " + k + ")");
    }
    return algo == GemmAlgo.AUTO ? (mmaOk ? GemmAlgo.MMA_LDM : GemmAlgo.DP4A) : algo;
  }

  /**
   * INT8 NT GEMM with fused epilogue: A (m, k) and B (n, k) int8 row-major; writes {@code outS8}
   * (m, n) int8 when {@code e.out()} is set, else {@code outF32} (m, n) floats; merges the output
   * statistics into {@code stats} (nullable).
   */
  public void gemmS8Nt(GemmAlgo algo, DeviceBuffer a, DeviceBuffer b, int m, int n, int k, NtEpilogue e,
      DeviceBuffer outS8, DeviceBuffer outF32, DeviceBuffer stats) {
    need(a, (long) m * k, "A");
    need(b, (long) n * k, "B");
    aligned(a, 4, "A");
    aligned(b, 4, "B");
    need(e.scaleB(), 4L * (e.scaleBPerChannel() ? n : 1), "scaleB");
    if (e.zeroPointA() != 0) {
      need(e.colSumB(), 4L * n, "colSumB");
    }
    if (e.bias() != null) {
      need(e.bias(), 4L * n, "bias");
    }
    boolean f32 = e.out() == null;
    if (f32) {
      need(outF32, 4L * m * n, "outF32");
    } else {
      need(outS8, (long) m * n, "outS8");
    }
    if (stats != null) {
      need(stats, QuantStats.BYTES, "stats");
    }
    GemmAlgo use = resolve(algo, a, b, k);
    QuantParams q = e.out() == null ? QuantParams.perTensor(new QuantGrid(8, true), -1, 1) : e.out();
    KernelArgs args = new KernelArgs().ptr(a).ptr(b).i32(m).i32(n).i32(k)
        .f32(e.scaleA()).ptr(e.scaleB()).flag(e.scaleBPerChannel()).i32(e.zeroPointA()).ptr(e.colSumB())
        .ptr(e.bias()).i32(e.activation().code())
        .ptr(f32 ? outF32 : null).ptr(f32 ? null : outS8)
        .f32(q.scale(0)).i32(q.zeroPoint(0)).i32(q.lo(0)).i32(q.hi(0)).i32(e.rounding().flag()).i64(e.seed())
        .ptr(stats);
    long[] rw = Traffic.gemmS8Nt(m, n, k, e.perChannelVectors(), f32);
    if (use == GemmAlgo.MMA || use == GemmAlgo.MMA_LDM) {
      launch(use == GemmAlgo.MMA ? "gemm_s8_nt_mma" : "gemm_s8_nt_mma_ldm", ceilDiv(n, 128), ceilDiv(m, 128), 1,
          256, 1, args, rw);
    } else {
      launch("gemm_s8_nt_dp4a", ceilDiv(n, 64), ceilDiv(m, 64), 1, 256, 1, args, rw);
    }
  }

  /**
   * Weight gradient {@code dW (n, k) = beta * dW + scaleG * scaleX * sum_m G[m, n] (X[m, k] - zeroPointX)}:
   * G (m, n) and X (m, k) int8 row-major, dW floats.
   */
  public void wgrad(DeviceBuffer g, DeviceBuffer x, int m, int n, int k, float scaleG, float scaleX, int zeroPointX,
      float beta, DeviceBuffer dW) {
    need(g, (long) m * n, "G");
    need(x, (long) m * k, "X");
    need(dW, 4L * n * k, "dW");
    aligned(g, 4, "G");
    aligned(x, 4, "X");
    launch("gemm_s8_tn_wgrad", ceilDiv(k, 64), ceilDiv(n, 64), 1, 256, 1, new KernelArgs().ptr(g).ptr(x)
        .i32(m).i32(n).i32(k).f32(scaleG).f32(scaleX).i32(zeroPointX).f32(beta).ptr(dW),
        Traffic.wgrad(m, n, k, beta != 0f));
  }

  /** {@code out (cols, rows) = in (rows, cols)^T}, int8. */
  public void transposeS8(DeviceBuffer in, int rows, int cols, DeviceBuffer out) {
    need(in, (long) rows * cols, "in");
    need(out, (long) rows * cols, "out");
    launch("transpose_s8", ceilDiv(cols, 32), ceilDiv(rows, 32), 1, 32, 8,
        new KernelArgs().ptr(in).i32(rows).i32(cols).ptr(out), Traffic.transposeS8(rows, cols));
  }

  /** {@code out[r] = sum_c in[r, c]}, in (rows, cols) int8, out (rows) ints. */
  public void rowSumS8(DeviceBuffer in, int rows, int cols, DeviceBuffer out) {
    need(in, (long) rows * cols, "in");
    need(out, 4L * rows, "out");
    launch1d("rowsum_s8", Math.max(1, Math.min(ceilDiv(rows, BLOCK / 32), 16 * launcher.multiprocessors())),
        new KernelArgs().ptr(in).i32(rows).i32(cols).ptr(out), Traffic.rowSumS8(rows, cols));
  }

  // ---------------------------------------------------------------------------------------------
  // FP32 (sgemm.cu, conv.cu, norm_pool.cu, loss_optim.cu)

  /**
   * Batched FP32 GEMM {@code C_z = alpha op(A_z) op(B_z) + beta C_z} (or, with {@code reduceBatch},
   * {@code C = alpha sum_z op(A_z) op(B_z) + beta C}); operand z starts {@code z * stride} floats in.
   */
  public void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
      DeviceBuffer a, int lda, long strideA, DeviceBuffer b, int ldb, long strideB,
      float beta, DeviceBuffer c, int ldc, long strideC, int batch, boolean reduceBatch) {
    if (m < 0 || n < 0 || k < 0 || batch < 1) {
      throw new IllegalArgumentException("invalid sgemm m=" + m + " n=" + n + " k=" + k + " batch=" + batch);
    }
    if (m == 0 || n == 0) {
      return;
    }
    launch("sgemm_tiled", ceilDiv(n, 64), ceilDiv(m, 64), reduceBatch ? 1 : batch, 256, 1,
        new KernelArgs().flag(transA).flag(transB).i32(m).i32(n).i32(k).f32(alpha)
            .ptr(a).i32(lda).i64(strideA).ptr(b).i32(ldb).i64(strideB).f32(beta)
            .ptr(c).i32(ldc).i64(strideC).i32(batch).flag(reduceBatch),
        Traffic.sgemm(m, n, k, batch, strideA == 0, strideB == 0, beta != 0f, reduceBatch));
  }

  /** im2col of one group over the batch into col (n, c*kH*kW, outH*outW). */
  public void im2col(DeviceBuffer x, int n, int c, int h, int w, long xSampleStride, int kH, int kW, int stride,
      int pad, int outH, int outW, DeviceBuffer col) {
    long total = (long) n * c * kH * kW * outH * outW;
    need(col, 4L * total, "col");
    launch1d("im2col_batched", gridFor(total), new KernelArgs().ptr(x).i32(n).i32(c).i32(h).i32(w).i64(xSampleStride)
        .i32(kH).i32(kW).i32(stride).i32(pad).i32(outH).i32(outW).ptr(col),
        Traffic.elementwise((long) n * c * h * w, total));
  }

  /** col2im (gather) of one group over the batch, overwriting that group's channels of dx. */
  public void col2im(DeviceBuffer col, int n, int c, int h, int w, long xSampleStride, int kH, int kW, int stride,
      int pad, int outH, int outW, DeviceBuffer dx) {
    long total = (long) n * c * h * w;
    launch1d("col2im_batched", gridFor(total), new KernelArgs().ptr(col).i32(n).i32(c).i32(h).i32(w).i64(xSampleStride)
        .i32(kH).i32(kW).i32(stride).i32(pad).i32(outH).i32(outW).ptr(dx),
        Traffic.elementwise((long) n * c * kH * kW * outH * outW, total));
  }

  /** y (n, c, hw) += bias (c). */
  public void addBiasNchw(DeviceBuffer y, DeviceBuffer bias, int n, int c, long hw) {
    long total = (long) n * c * hw;
    launch1d("add_bias_nchw", gridFor(total), new KernelArgs().ptr(y).ptr(bias).i32(n).i32(c).i64(hw),
        Traffic.elementwise(total + c, total));
  }

  /** db (c) = sum of dy (n, c, hw) over n and hw. */
  public void biasGradNchw(DeviceBuffer dy, int n, int c, long hw, DeviceBuffer db) {
    launch1d("bias_grad_nchw", c, new KernelArgs().ptr(dy).i32(n).i32(c).i64(hw).ptr(db),
        Traffic.elementwise((long) n * c * hw, c));
  }

  /** Depthwise forward (groups = inC, outC = inC * mult); bias nullable. */
  public void depthwiseForward(DeviceBuffer x, DeviceBuffer w, DeviceBuffer bias, DeviceBuffer y, int n, int inC,
      int h, int wd, int mult, int kH, int kW, int stride, int pad, int outH, int outW) {
    long total = (long) n * inC * mult * outH * outW;
    launch1d("depthwise_conv_fwd", gridFor(total), new KernelArgs().ptr(x).ptr(w).ptr(bias).ptr(y).i32(n).i32(inC)
        .i32(h).i32(wd).i32(mult).i32(kH).i32(kW).i32(stride).i32(pad).i32(outH).i32(outW),
        Traffic.elementwise((long) n * inC * h * wd + (long) inC * mult * kH * kW, total));
  }

  /** Depthwise backward to the input (gather, overwrites dx). */
  public void depthwiseBackwardInput(DeviceBuffer dy, DeviceBuffer w, DeviceBuffer dx, int n, int inC, int h, int wd,
      int mult, int kH, int kW, int stride, int pad, int outH, int outW) {
    long total = (long) n * inC * h * wd;
    launch1d("depthwise_conv_bwd_input", gridFor(total), new KernelArgs().ptr(dy).ptr(w).ptr(dx).i32(n).i32(inC)
        .i32(h).i32(wd).i32(mult).i32(kH).i32(kW).i32(stride).i32(pad).i32(outH).i32(outW),
        Traffic.elementwise((long) n * inC * mult * outH * outW, total));
  }

  /** Depthwise backward to the weights (one block per weight, overwrites dw). */
  public void depthwiseBackwardWeight(DeviceBuffer x, DeviceBuffer dy, DeviceBuffer dw, int n, int inC, int h, int wd,
      int mult, int kH, int kW, int stride, int pad, int outH, int outW) {
    int weights = inC * mult * kH * kW;
    launch1d("depthwise_conv_bwd_weight", weights, new KernelArgs().ptr(x).ptr(dy).ptr(dw).i32(n).i32(inC)
        .i32(h).i32(wd).i32(mult).i32(kH).i32(kW).i32(stride).i32(pad).i32(outH).i32(outW),
        Traffic.elementwise((long) n * inC * h * wd + (long) n * inC * mult * outH * outW, weights));
  }

  /** Batch-norm forward over x (n, c, hw) (see norm_pool.cu); updates the running statistics when training. */
  public void batchnormForward(DeviceBuffer x, int n, int c, int hw, DeviceBuffer gamma, DeviceBuffer beta,
      DeviceBuffer runningMean, DeviceBuffer runningVar, float momentum, float eps, boolean training,
      DeviceBuffer xhat, DeviceBuffer y, DeviceBuffer invStd) {
    long total = (long) n * c * hw;
    launch1d("batchnorm_fwd", c, new KernelArgs().ptr(x).i32(n).i32(c).i32(hw).ptr(gamma).ptr(beta)
        .ptr(runningMean).ptr(runningVar).f32(momentum).f32(eps).flag(training).ptr(xhat).ptr(y).ptr(invStd),
        Traffic.elementwise(total * (training ? 3 : 1), 2 * total));
  }

  /** Batch-norm backward: dx, dgamma, dbeta (overwritten). */
  public void batchnormBackward(DeviceBuffer dy, DeviceBuffer xhat, int n, int c, int hw, DeviceBuffer gamma,
      DeviceBuffer invStd, boolean training, DeviceBuffer dx, DeviceBuffer dgamma, DeviceBuffer dbeta) {
    long total = (long) n * c * hw;
    launch1d("batchnorm_bwd", c, new KernelArgs().ptr(dy).ptr(xhat).i32(n).i32(c).i32(hw).ptr(gamma).ptr(invStd)
        .flag(training).ptr(dx).ptr(dgamma).ptr(dbeta), Traffic.elementwise(4 * total, total));
  }

  /** Max ({@code max = true}, writes argmax) or average pooling forward over planes of h x w. */
  public void pool2dForward(DeviceBuffer x, DeviceBuffer y, DeviceBuffer argmax, int planes, int h, int w, int k,
      int stride, int pad, int outH, int outW, boolean max) {
    long total = (long) planes * outH * outW;
    launch1d("pool2d_fwd", gridFor(total), new KernelArgs().ptr(x).ptr(y).ptr(max ? argmax : null).i32(planes)
        .i32(h).i32(w).i32(k).i32(stride).i32(pad).i32(outH).i32(outW).i32(max ? 0 : 1),
        Traffic.elementwise((long) planes * h * w, total * (max ? 2 : 1)));
  }

  /** Pooling backward (gather, overwrites dx). */
  public void pool2dBackward(DeviceBuffer dy, DeviceBuffer argmax, DeviceBuffer dx, int planes, int h, int w, int k,
      int stride, int pad, int outH, int outW, boolean max) {
    long total = (long) planes * h * w;
    launch1d("pool2d_bwd", gridFor(total), new KernelArgs().ptr(dy).ptr(max ? argmax : null).ptr(dx).i32(planes)
        .i32(h).i32(w).i32(k).i32(stride).i32(pad).i32(outH).i32(outW).i32(max ? 0 : 1),
        Traffic.elementwise((long) planes * outH * outW * (max ? 2 : 1), total));
  }

  /** Softmax cross-entropy forward: probs (n, k), per-row loss (doubles) and correct flags (ints). */
  public void softmaxXentForward(DeviceBuffer logits, DeviceBuffer labels, int n, int k, DeviceBuffer probs,
      DeviceBuffer loss, DeviceBuffer correct) {
    launch1d("softmax_xent_fwd", ceilDiv(n, BLOCK / 32), new KernelArgs().ptr(logits).ptr(labels).i32(n).i32(k)
        .ptr(probs).ptr(loss).ptr(correct), Traffic.elementwise((long) n * k + n, (long) n * k + 3L * n));
  }

  /** dlogits (n, k) = (probs - onehot) / n. */
  public void softmaxXentBackward(DeviceBuffer probs, DeviceBuffer labels, int n, int k, DeviceBuffer dz) {
    long total = (long) n * k;
    launch1d("softmax_xent_bwd", gridFor(total), new KernelArgs().ptr(probs).ptr(labels).i32(n).i32(k).ptr(dz),
        Traffic.elementwise(total + n, total));
  }

  /** One SGD step on n parameters (velocity nullable when momentum is 0). */
  public void sgdUpdate(DeviceBuffer w, DeviceBuffer grad, DeviceBuffer velocity, long n, float lr, float momentum,
      boolean nesterov, float weightDecay, boolean first) {
    launch1d("sgd_update", gridFor(n), new KernelArgs().ptr(w).ptr(grad).ptr(velocity).i64(n).f32(lr).f32(momentum)
        .flag(nesterov).f32(weightDecay).flag(first),
        Traffic.elementwise(n * (velocity == null ? 2 : 3), n * (velocity == null ? 1 : 2)));
  }

  /** Device-to-device copy of {@code bytes} bytes ({@code cuMemcpyDtoD}). */
  public void copy(DeviceBuffer src, DeviceBuffer dst, long bytes) {
    need(src, bytes, "src");
    need(dst, bytes, "dst");
    launcher.copy(src, dst, bytes);
    long[] rw = Traffic.copy(bytes);
    traffic.record("memcpy_dtod", rw[0], rw[1]);
  }
}
