package io.hindsight.cuda;

import io.hindsight.device.Device;
import io.hindsight.device.DeviceBuffer;
import io.hindsight.device.DeviceScope;
import io.hindsight.device.KernelArgs;
import io.hindsight.device.KernelLaunch;
import io.hindsight.quant.math.QuantGrid;
import io.hindsight.quant.math.QuantParams;
import io.hindsight.quant.math.Rounding;
import io.hindsight.quant.math.SteMaskBits;
import io.hindsight.quant.traffic.TrafficModel;

/**
 * Java wrappers of the CUDA kernels: argument checks, launch configuration, one launch each on a
 * {@link Device} (the GPU or the software device), and the launch's compulsory traffic recorded in
 * the {@link TrafficCounter} (formulas in {@link Traffic}). Launches are asynchronous on one
 * stream; host copies and {@link Device#synchronize()} wait for them. Arguments are passed with
 * the names the CUDA sources declare, and every device checks them against the kernel's signature.
 *
 * <p>Shapes follow the kernels' comments in src/main/cuda; their references (bit-exact or within a
 * stated bound) are in {@code io.hindsight.device.sim}.
 */
public final class CudaKernels {
  /** Threads per block of the 1-D kernels. */
  public static final int BLOCK = 256;

  private final Device device;
  private final TrafficCounter traffic;

  public CudaKernels(Device device) {
    this(device, new TrafficCounter());
  }

  public CudaKernels(Device device, TrafficCounter traffic) {
    this.device = device;
    this.traffic = traffic;
  }

  public Device device() {
    return device;
  }

  public TrafficCounter traffic() {
    return traffic;
  }

  /** Launches; {@code rw} = bytes read, bytes written, and optionally the quantized output's share of them. */
  private void launch(String kernel, int gx, int gy, int gz, int bx, int by, KernelArgs args, long[] rw) {
    device.launch(new KernelLaunch(kernel, gx, gy, gz, bx, by, 1, 0, args));
    traffic.record(kernel, rw[0], rw[1], rw.length > 2 ? rw[2] : 0);
  }

  private void launch1d(String kernel, int blocks, KernelArgs args, long[] rw) {
    launch(kernel, blocks, 1, 1, BLOCK, 1, args, rw);
  }

  /** Blocks for a grid-stride loop over {@code work} items: enough to fill the GPU, at most 16 per SM. */
  private int gridFor(long work) {
    long blocks = (work + BLOCK - 1) / BLOCK;
    return (int) Math.max(1, Math.min(blocks, 16L * device.multiprocessors()));
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
      throw new IllegalArgumentException(what + " " + b.describe() + " holds " + b.bytes() + " bytes, needs " + bytes);
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
    launch1d("hs_stats_init", ceilDiv(count, BLOCK), new KernelArgs().ptr("stats", stats).i32("count", count), new long[] {0, 24L * count});
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
    launch1d("quantize_static_stats", gridFor((n + 3) / 4), new KernelArgs().ptr("x", x).ptr("q", q).i64("n", n)
        .f32("scale", p.scale(0)).i32("zeroPoint", p.zeroPoint(0)).i32("lo", p.lo(0)).i32("hi", p.hi(0))
        .i32("outBytes", levelBytes).i32("stochastic", r.flag()).i64("key", key).ptr("stats", stats),
        Traffic.quantize(n, levelBytes));
  }

  /** Dynamic pass 1: min/max/non-finite of x (n) into {@code stats} (initialised by the caller). */
  public void minmaxReduce(DeviceBuffer x, long n, DeviceBuffer stats) {
    need(x, 4L * n, "x");
    need(stats, QuantStats.BYTES, "stats");
    launch1d("minmax_reduce", gridFor((n + 3) / 4), new KernelArgs().ptr("x", x).i64("n", n).ptr("stats", stats), Traffic.minmax(n));
  }

  /**
   * Dynamic pass 2: parameters derived on the device from {@code range} ({@link QuantizeRef#paramsFromStats}),
   * then {@code q = quantize(x)}. {@code paramsOut} (4 ints: scale bits, zero point, lo, hi) and
   * {@code stats} may be null.
   */
  public void quantizeWithRange(DeviceBuffer x, DeviceBuffer q, long n, DeviceBuffer range, int bits, boolean symmetric,
      Rounding r, long key, DeviceBuffer paramsOut, DeviceBuffer stats) {
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
    launch1d("quantize_with_range", gridFor((n + 3) / 4), new KernelArgs().ptr("x", x).ptr("q", q).i64("n", n)
        .ptr("range", range).i32("bits", bits).flag("symmetric", symmetric).i32("stochastic", r.flag()).i64("key", key)
        .ptr("paramsOut", paramsOut).ptr("stats", stats), Traffic.quantize(n, levelBytes));
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
    launch1d("dequantize", gridFor(n), new KernelArgs().ptr("q", q).ptr("y", y).i64("n", n).f32("scale", scale)
        .i32("zeroPoint", zeroPoint).i32("inBytes", levelBytes), Traffic.dequantize(n, levelBytes));
  }

  // ---------------------------------------------------------------------------------------------
  // INT8 GEMMs (gemm_s8.cu)

  /** The algorithm AUTO picks for these operands. */
  public GemmAlgo resolve(GemmAlgo algo, DeviceBuffer a, DeviceBuffer b, int k) {
    boolean mmaOk = k % 16 == 0 && a.alignmentOffset() % 16 == 0 && b.alignmentOffset() % 16 == 0
        && device.computeCapabilityMajor() >= 8;
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
    gemmS8Nt(algo, a, b, m, n, k, 0, e, outS8, outF32, stats);
  }

  /**
   * As {@link #gemmS8Nt(GemmAlgo, DeviceBuffer, DeviceBuffer, int, int, int, NtEpilogue, DeviceBuffer,
   * DeviceBuffer, DeviceBuffer)}; with {@code rowsPerSample > 0} the output (m, n) is stored NCHW: the
   * m rows are the pixels of every sample ({@code rowsPerSample} each) and n the channels (an im2col
   * convolution with pixel-major columns).
   */
  public void gemmS8Nt(GemmAlgo algo, DeviceBuffer a, DeviceBuffer b, int m, int n, int k, int rowsPerSample,
      NtEpilogue e, DeviceBuffer outS8, DeviceBuffer outF32, DeviceBuffer stats) {
    if (rowsPerSample < 0 || (rowsPerSample > 0 && m % rowsPerSample != 0)) {
      throw new IllegalArgumentException("rowsPerSample " + rowsPerSample + " does not divide M = " + m);
    }
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
    KernelArgs args = new KernelArgs().ptr("A", a).ptr("B", b).i32("M", m).i32("N", n).i32("K", k)
        .i32("rowsPerSample", rowsPerSample).f32("scaleA", e.scaleA()).ptr("scaleB", e.scaleB()).flag("scaleBPerChannel", e.scaleBPerChannel())
        .i32("zeroPointA", e.zeroPointA()).ptr("colSumB", e.colSumB()).ptr("bias", e.bias())
        .i32("activation", e.activation().code()).ptr("outF32", f32 ? outF32 : null).ptr("outS8", f32 ? null : outS8)
        .f32("outScale", q.scale(0)).i32("zeroPoint", q.zeroPoint(0)).i32("lo", q.lo(0)).i32("hi", q.hi(0))
        .i32("stochastic", e.rounding().flag()).i64("key", e.seed()).ptr("stats", stats);
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
   * G (m, n) and X (m, k) int8 row-major, dW floats. Two launches: {@code gemm_s8_tn_wgrad} adds
   * slices of rows into exact per-chunk int32 sums (a scratch buffer, zeroed first) from enough
   * blocks to fill the GPU, {@code wgrad_finish} converts and scales them ({@link GemmRef#wgrad}).
   */
  public void wgrad(DeviceBuffer g, DeviceBuffer x, int m, int n, int k, float scaleG, float scaleX, int zeroPointX,
      float beta, DeviceBuffer dW) {
    need(g, (long) m * n, "G");
    need(x, (long) m * k, "X");
    need(dW, 4L * n * k, "dW");
    aligned(g, 4, "G");
    aligned(x, 4, "X");
    if (n == 0 || k == 0) {
      return;
    }
    int chunks = GemmRef.wgradChunks(m);
    long sumsLength = (long) chunks * n * k;
    try (DeviceScope scope = device.scope("wgrad")) {
      DeviceBuffer sums = scope.allocate(4L * Math.max(1, sumsLength), "wgrad chunk sums");
      if (m > 0) {
        fill(sums, sumsLength, 0);
        int kTiles = ceilDiv(k, 64);
        int nTiles = ceilDiv(n, 64);
        int rowsPerSlice = wgradRowsPerSlice(m, (long) kTiles * nTiles, device.multiprocessors());
        int slices = ceilDiv(m, rowsPerSlice);
        if (slices > 65_535) {
          throw new IllegalArgumentException("weight gradient over " + m + " rows needs " + slices
              + " slices of " + rowsPerSlice + ", more than a grid's 65535");
        }
        launch("gemm_s8_tn_wgrad", kTiles, nTiles, slices, 256, 1, new KernelArgs().ptr("G", g)
            .ptr("X", x).i32("M", m).i32("N", n).i32("K", k).i32("zeroPointX", zeroPointX)
            .i32("rowsPerSlice", rowsPerSlice).ptr("chunkSums", sums),
            Traffic.wgrad(m, n, k, chunks));
      }
      launch1d("wgrad_finish", gridFor((long) n * k), new KernelArgs().ptr("chunkSums", sums).i32("chunks", chunks)
          .i32("N", n).i32("K", k).f32("scaleG", scaleG).f32("scaleX", scaleX).f32("beta", beta).ptr("dW", dW),
          Traffic.wgradFinish(n, k, chunks, beta != 0f));
    }
  }

  /**
   * Rows per block of {@code gemm_s8_tn_wgrad}: a power of two from 32 to {@link GemmRef#WGRAD_FLUSH}
   * (so a slice never straddles two chunks), the largest that still gives the grid at least four
   * blocks per multiprocessor where the rows allow it.
   */
  static int wgradRowsPerSlice(int m, long tiles, int multiprocessors) {
    long rows = Math.max(1, m / slicesWanted(tiles, multiprocessors));
    int r = 32;
    while (r < GemmRef.WGRAD_FLUSH && 2L * r <= rows) {
      r <<= 1;
    }
    return r;
  }

  /** {@code out (cols, rows) = in (rows, cols)^T}, int8. */
  public void transposeS8(DeviceBuffer in, int rows, int cols, DeviceBuffer out) {
    need(in, (long) rows * cols, "in");
    need(out, (long) rows * cols, "out");
    launch("transpose_s8", ceilDiv(cols, 32), ceilDiv(rows, 32), 1, 32, 8,
        new KernelArgs().ptr("in", in).i32("rows", rows).i32("cols", cols).ptr("out", out), Traffic.transposeS8(rows, cols));
  }

  /** {@code out[r] = sum_c in[r, c]}, in (rows, cols) int8, out (rows) ints. */
  public void rowSumS8(DeviceBuffer in, int rows, int cols, DeviceBuffer out) {
    need(in, (long) rows * cols, "in");
    need(out, 4L * rows, "out");
    launch1d("rowsum_s8", Math.max(1, Math.min(ceilDiv(rows, BLOCK / 32), 16 * device.multiprocessors())),
        new KernelArgs().ptr("in", in).i32("rows", rows).i32("cols", cols).ptr("out", out), Traffic.rowSumS8(rows, cols));
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
    int gx = ceilDiv(n, 64);
    int gy = ceilDiv(m, 64);
    int zPerSlice = reduceBatch ? sgemmBatchPerSlice(batch, (long) gx * gy, device.multiprocessors()) : 1;
    int slices = reduceBatch ? ceilDiv(batch, zPerSlice) : batch;
    if (slices > 65_535) {
      throw new IllegalArgumentException("sgemm over a batch of " + batch + " needs more than a grid's 65535 slices");
    }
    boolean sliced = reduceBatch && slices > 1;
    try (DeviceScope scope = device.scope("sgemm slices")) {
      DeviceBuffer partial = sliced ? scope.floats((long) slices * m * n, "sgemm slice partials") : null;
      long[] traffic = Traffic.sgemm(m, n, k, batch, strideA == 0, strideB == 0, beta != 0f && !sliced, reduceBatch);
      if (sliced) {
        traffic = new long[] {traffic[0], 4L * slices * m * n};
      }
      launch("sgemm_tiled", gx, gy, slices, 256, 1,
          new KernelArgs().flag("transA", transA).flag("transB", transB).i32("M", m).i32("N", n).i32("K", k)
              .f32("alpha", alpha).ptr("A", a).i32("lda", lda).i64("strideA", strideA).ptr("B", b).i32("ldb", ldb)
              .i64("strideB", strideB).f32("beta", beta).ptr("C", c).i32("ldc", ldc).i64("strideC", strideC)
              .i32("batch", batch).flag("reduceBatch", reduceBatch).i32("zPerSlice", zPerSlice).ptr("partial", partial),
          traffic);
      if (sliced) {
        long outputs = (long) m * n;
        launch1d("sgemm_slices_finish", gridFor(outputs), new KernelArgs().ptr("partial", partial).i32("slices", slices)
            .i32("M", m).i32("N", n).f32("alpha", alpha).f32("beta", beta).ptr("C", c).i32("ldc", ldc),
            Traffic.elementwise(slices * outputs + (beta != 0f ? outputs : 0), outputs));
      }
    }
  }

  /**
   * Batch entries per block of a batch-reduced {@code sgemm_tiled}: all of them when the tiles alone
   * give four blocks per multiprocessor, else as few as keep about that many blocks (each slice's
   * partial product is then added in slice order by {@code sgemm_slices_finish}).
   */
  static int sgemmBatchPerSlice(int batch, long tiles, int multiprocessors) {
    long slices = slicesWanted(tiles, multiprocessors);
    return (int) Math.max(1, (batch + slices - 1) / slices);
  }

  /** Slices per output tile that give a grid of {@code tiles} tiles about four blocks per multiprocessor (at least 1). */
  private static long slicesWanted(long tiles, int multiprocessors) {
    return Math.max(1, (4L * multiprocessors + tiles - 1) / tiles);
  }

  /** im2col of one group over the batch into col (n, c*kH*kW, outH*outW). */
  public void im2col(DeviceBuffer x, int n, int c, int h, int w, long xSampleStride, int kH, int kW, int stride,
      int pad, int outH, int outW, DeviceBuffer col) {
    long total = (long) n * c * kH * kW * outH * outW;
    need(col, 4L * total, "col");
    launch1d("im2col_batched", gridFor(total), new KernelArgs().ptr("x", x).i32("N", n).i32("C", c).i32("H", h).i32("W", w)
        .i64("xSampleStride", xSampleStride).i32("kH", kH).i32("kW", kW).i32("stride", stride).i32("pad", pad)
        .i32("outH", outH).i32("outW", outW).ptr("col", col),
        Traffic.elementwise((long) n * c * h * w, total));
  }

  /** col2im (gather) of one group over the batch, overwriting that group's channels of dx. */
  public void col2im(DeviceBuffer col, int n, int c, int h, int w, long xSampleStride, int kH, int kW, int stride,
      int pad, int outH, int outW, DeviceBuffer dx) {
    long total = (long) n * c * h * w;
    launch1d("col2im_batched", gridFor(total), new KernelArgs().ptr("col", col).i32("N", n).i32("C", c).i32("H", h).i32("W", w)
        .i64("xSampleStride", xSampleStride).i32("kH", kH).i32("kW", kW).i32("stride", stride).i32("pad", pad)
        .i32("outH", outH).i32("outW", outW).ptr("dx", dx),
        Traffic.elementwise((long) n * c * kH * kW * outH * outW, total));
  }

  /** y (n, c, hw) += bias (c). */
  public void addBiasNchw(DeviceBuffer y, DeviceBuffer bias, int n, int c, long hw) {
    long total = (long) n * c * hw;
    launch1d("add_bias_nchw", gridFor(total), new KernelArgs().ptr("y", y).ptr("bias", bias).i32("N", n).i32("C", c).i64("HW", hw),
        Traffic.elementwise(total + c, total));
  }

  /** db (c) = sum of dy (n, c, hw) over n and hw. */
  public void biasGradNchw(DeviceBuffer dy, int n, int c, long hw, DeviceBuffer db) {
    launch1d("bias_grad_nchw", c, new KernelArgs().ptr("dy", dy).i32("N", n).i32("C", c).i64("HW", hw).ptr("db", db),
        Traffic.elementwise((long) n * c * hw, c));
  }

  /** Depthwise forward (groups = inC, outC = inC * mult); bias nullable. */
  public void depthwiseForward(DeviceBuffer x, DeviceBuffer w, DeviceBuffer bias, DeviceBuffer y, int n, int inC,
      int h, int wd, int mult, int kH, int kW, int stride, int pad, int outH, int outW) {
    long total = (long) n * inC * mult * outH * outW;
    launch1d("depthwise_conv_fwd", gridFor(total), new KernelArgs().ptr("x", x).ptr("w", w).ptr("bias", bias).ptr("y", y)
        .i32("N", n).i32("inC", inC).i32("H", h).i32("W", wd).i32("mult", mult).i32("kH", kH).i32("kW", kW)
        .i32("stride", stride).i32("pad", pad).i32("outH", outH).i32("outW", outW),
        Traffic.elementwise((long) n * inC * h * wd + (long) inC * mult * kH * kW, total));
  }

  /** Depthwise backward to the input (gather, overwrites dx). */
  public void depthwiseBackwardInput(DeviceBuffer dy, DeviceBuffer w, DeviceBuffer dx, int n, int inC, int h, int wd,
      int mult, int kH, int kW, int stride, int pad, int outH, int outW) {
    long total = (long) n * inC * h * wd;
    launch1d("depthwise_conv_bwd_input", gridFor(total), new KernelArgs().ptr("dy", dy).ptr("w", w).ptr("dx", dx)
        .i32("N", n).i32("inC", inC).i32("H", h).i32("W", wd).i32("mult", mult).i32("kH", kH).i32("kW", kW)
        .i32("stride", stride).i32("pad", pad).i32("outH", outH).i32("outW", outW),
        Traffic.elementwise((long) n * inC * mult * outH * outW, total));
  }

  /** Depthwise backward to the weights (one block per weight, overwrites dw). */
  public void depthwiseBackwardWeight(DeviceBuffer x, DeviceBuffer dy, DeviceBuffer dw, int n, int inC, int h, int wd,
      int mult, int kH, int kW, int stride, int pad, int outH, int outW) {
    int weights = inC * mult * kH * kW;
    launch1d("depthwise_conv_bwd_weight", weights, new KernelArgs().ptr("x", x).ptr("dy", dy).ptr("dw", dw)
        .i32("N", n).i32("inC", inC).i32("H", h).i32("W", wd).i32("mult", mult).i32("kH", kH).i32("kW", kW)
        .i32("stride", stride).i32("pad", pad).i32("outH", outH).i32("outW", outW),
        Traffic.elementwise((long) n * inC * h * wd + (long) n * inC * mult * outH * outW, weights));
  }

  /** Batch-norm forward over x (n, c, hw) (see norm_pool.cu); updates the running statistics when training. */
  public void batchnormForward(DeviceBuffer x, int n, int c, int hw, DeviceBuffer gamma, DeviceBuffer beta,
      DeviceBuffer runningMean, DeviceBuffer runningVar, float momentum, float eps, boolean training,
      DeviceBuffer xhat, DeviceBuffer y, DeviceBuffer invStd) {
    long total = (long) n * c * hw;
    need(x, 4L * total, "x");
    int segments = bnSegments((long) n * hw);
    try (DeviceScope scope = device.scope("batchnorm statistics")) {
      DeviceBuffer[] stats = training ? bnStatistics(scope, x, n, c, hw, segments) : new DeviceBuffer[2];
      launch("batchnorm_fwd", c, segments, 1, BLOCK, 1, new KernelArgs().ptr("x", x).i32("N", n).i32("C", c)
          .i32("HW", hw).ptr("sums", stats[0]).ptr("squares", stats[1]).ptr("gamma", gamma).ptr("beta", beta)
          .ptr("runningMean", runningMean).ptr("runningVar", runningVar).f32("momentum", momentum).f32("eps", eps)
          .flag("training", training).ptr("xhat", xhat).ptr("y", y).ptr("invStd", invStd),
          new long[] {4L * total + (training ? 16L * c * segments : 0), 8L * total});
    }
  }

  /**
   * Segments per channel of the batch-norm kernels (grid (C, S)): enough blocks that a channel of
   * many values does not sit on one multiprocessor, each thread still summing about eight values.
   */
  static int bnSegments(long count) {
    return (int) Math.max(1, Math.min(64, count / (8L * BLOCK)));
  }

  /** The two {@code bn_sums} passes of training: partial sums, then squared deviations about the mean. */
  private DeviceBuffer[] bnStatistics(DeviceScope scope, DeviceBuffer x, int n, int c, int hw, int segments) {
    long total = (long) n * c * hw;
    long partials = (long) c * segments;
    DeviceBuffer sums = scope.allocate(8L * partials, "batchnorm sums");
    DeviceBuffer squares = scope.allocate(8L * partials, "batchnorm squares");
    launch("bn_sums", c, segments, 1, BLOCK, 1, new KernelArgs().ptr("x", x).i32("N", n).i32("C", c).i32("HW", hw)
        .ptr("centre", null).ptr("partial", sums), new long[] {4L * total, 8L * partials});
    launch("bn_sums", c, segments, 1, BLOCK, 1, new KernelArgs().ptr("x", x).i32("N", n).i32("C", c).i32("HW", hw)
        .ptr("centre", sums).ptr("partial", squares), new long[] {4L * total + 8L * partials, 8L * partials});
    return new DeviceBuffer[] {sums, squares};
  }

  /** {@code bn_bwd_sums}: partial sums of dy (masked by actMask when set) and of dy * xhat. */
  private DeviceBuffer[] bnBackwardSums(DeviceScope scope, DeviceBuffer dy, DeviceBuffer actMask, DeviceBuffer xhat,
      int n, int c, int hw, int segments) {
    long total = (long) n * c * hw;
    long partials = (long) c * segments;
    DeviceBuffer sumDy = scope.allocate(8L * partials, "batchnorm dy sums");
    DeviceBuffer sumDyXhat = scope.allocate(8L * partials, "batchnorm dy*xhat sums");
    launch("bn_bwd_sums", c, segments, 1, BLOCK, 1, new KernelArgs().ptr("dy", dy).ptr("actMask", actMask)
        .ptr("xhat", xhat).i32("N", n).i32("C", c).i32("HW", hw).ptr("partialDy", sumDy)
        .ptr("partialDyXhat", sumDyXhat), new long[] {8L * total + (actMask == null ? 0 : total), 16L * partials});
    return new DeviceBuffer[] {sumDy, sumDyXhat};
  }

  /** Batch-norm backward: dx, dgamma, dbeta (overwritten). */
  public void batchnormBackward(DeviceBuffer dy, DeviceBuffer xhat, int n, int c, int hw, DeviceBuffer gamma,
      DeviceBuffer invStd, boolean training, DeviceBuffer dx, DeviceBuffer dgamma, DeviceBuffer dbeta) {
    long total = (long) n * c * hw;
    need(dy, 4L * total, "dy");
    need(xhat, 4L * total, "xhat");
    int segments = bnSegments((long) n * hw);
    try (DeviceScope scope = device.scope("batchnorm backward sums")) {
      DeviceBuffer[] sums = bnBackwardSums(scope, dy, null, xhat, n, c, hw, segments);
      launch("batchnorm_bwd", c, segments, 1, BLOCK, 1, new KernelArgs().ptr("dy", dy).ptr("xhat", xhat).i32("N", n)
          .i32("C", c).i32("HW", hw).ptr("sumDy", sums[0]).ptr("sumDyXhat", sums[1]).ptr("gamma", gamma)
          .ptr("invStd", invStd).flag("training", training).ptr("dx", dx).ptr("dgamma", dgamma).ptr("dbeta", dbeta),
          new long[] {8L * total + 16L * c * segments, 4L * total});
    }
  }

  /** Max ({@code max = true}, writes argmax) or average pooling forward over planes of h x w. */
  public void pool2dForward(DeviceBuffer x, DeviceBuffer y, DeviceBuffer argmax, int planes, int h, int w, int k,
      int stride, int pad, int outH, int outW, boolean max) {
    long total = (long) planes * outH * outW;
    launch1d("pool2d_fwd", gridFor(total), new KernelArgs().ptr("x", x).ptr("y", y).ptr("argmax", max ? argmax : null)
        .i32("planes", planes).i32("H", h).i32("W", w).i32("k", k).i32("stride", stride).i32("pad", pad)
        .i32("outH", outH).i32("outW", outW).i32("kind", max ? 0 : 1),
        Traffic.elementwise((long) planes * h * w, total * (max ? 2 : 1)));
  }

  /** Pooling backward (gather, overwrites dx). */
  public void pool2dBackward(DeviceBuffer dy, DeviceBuffer argmax, DeviceBuffer dx, int planes, int h, int w, int k,
      int stride, int pad, int outH, int outW, boolean max) {
    long total = (long) planes * h * w;
    launch1d("pool2d_bwd", gridFor(total), new KernelArgs().ptr("dy", dy).ptr("argmax", max ? argmax : null).ptr("dx", dx)
        .i32("planes", planes).i32("H", h).i32("W", w).i32("k", k).i32("stride", stride).i32("pad", pad)
        .i32("outH", outH).i32("outW", outW).i32("kind", max ? 0 : 1),
        Traffic.elementwise((long) planes * outH * outW * (max ? 2 : 1), total));
  }

  /** Softmax cross-entropy forward: probs (n, k), per-row loss (doubles) and correct flags (ints). */
  public void softmaxXentForward(DeviceBuffer logits, DeviceBuffer labels, int n, int k, DeviceBuffer probs,
      DeviceBuffer loss, DeviceBuffer correct) {
    launch1d("softmax_xent_fwd", ceilDiv(n, BLOCK / 32), new KernelArgs().ptr("z", logits).ptr("labels", labels).i32("N", n)
        .i32("K", k).ptr("probs", probs).ptr("loss", loss).ptr("correct", correct), Traffic.elementwise((long) n * k + n, (long) n * k + 3L * n));
  }

  /** dlogits (n, k) = (probs - onehot) / n. */
  public void softmaxXentBackward(DeviceBuffer probs, DeviceBuffer labels, int n, int k, DeviceBuffer dz) {
    long total = (long) n * k;
    launch1d("softmax_xent_bwd", gridFor(total), new KernelArgs().ptr("probs", probs).ptr("labels", labels).i32("N", n)
        .i32("K", k).ptr("dz", dz),
        Traffic.elementwise(total + n, total));
  }

  /**
   * One SGD step on n parameters (velocity nullable when momentum is 0); skipped entirely when
   * {@code skip} (nullable) holds a non-zero int on the device (the step's loss or gradients were
   * not finite).
   */
  public void sgdUpdate(DeviceBuffer w, DeviceBuffer grad, DeviceBuffer velocity, long n, float lr, float momentum,
      boolean nesterov, float weightDecay, boolean first, DeviceBuffer skip) {
    need(w, 4L * n, "w");
    need(grad, 4L * n, "grad");
    if (velocity != null) {
      need(velocity, 4L * n, "velocity");
    }
    launch1d("sgd_update", gridFor(n), new KernelArgs().ptr("w", w).ptr("grad", grad).ptr("v", velocity).i64("n", n)
        .f32("lr", lr).f32("momentum", momentum).flag("nesterov", nesterov).f32("weightDecay", weightDecay)
        .flag("first", first).ptr("skip", skip), sgdTraffic(n, velocity != null, first));
  }

  /** The update's bytes: w and grad read, and v unless it starts this step; w written, and v. */
  private static long[] sgdTraffic(long n, boolean velocity, boolean first) {
    return Traffic.elementwise(n * (!velocity ? 2 : (first ? 2 : 3)), n * (!velocity ? 1 : 2));
  }

  /**
   * {@link #sgdUpdate} over {@code segments}, each segment with a statistics slot then recording the
   * statistics of its new values into {@code stats} (its slot's record: min, max, non-finite count),
   * also when {@code skip} stops the update. Its traffic is the update's plus the segment table read
   * and the records written; the records are quantization traffic only when a quantizer uses them
   * (counted then, {@link TrafficCounter#addQuantization}).
   */
  public void sgdUpdateStats(DeviceBuffer w, DeviceBuffer grad, DeviceBuffer velocity, float lr, float momentum,
      boolean nesterov, float weightDecay, boolean first, DeviceBuffer skip, SgdSegments segments, DeviceBuffer stats) {
    long n = segments.elements();
    need(w, 4L * n, "w");
    need(grad, 4L * n, "grad");
    if (velocity != null) {
      need(velocity, 4L * n, "velocity");
    }
    need(segments.start(), 8L * (segments.segments() + 1), "segment starts");
    need(segments.slot(), 4L * segments.segments(), "segment slots");
    long[] update = sgdTraffic(n, velocity != null, first);
    launch1d("sgd_update_stats", segments.segments(), new KernelArgs().ptr("w", w).ptr("grad", grad)
        .ptr("v", velocity).f32("lr", lr).f32("momentum", momentum).flag("nesterov", nesterov)
        .f32("weightDecay", weightDecay).flag("first", first).ptr("skip", skip).ptr("segStart", segments.start())
        .ptr("segSlot", segments.slot()).i32("segments", segments.segments()).ptr("stats", stats),
        new long[] {update[0] + 12L * segments.segments() + 8, update[1] + (long) Traffic.STATS_BYTES
            * segments.recorded()});
  }

  // ---------------------------------------------------------------------------------------------
  // Elementwise kernels of device-resident training (elementwise.cu)

  /** y = min(max(x, 0), upper) (ReLU: upper +Inf, ReLU6: 6) over n floats. */
  public void reluForward(DeviceBuffer x, DeviceBuffer y, long n, float upper) {
    need(x, 4L * n, "x");
    need(y, 4L * n, "y");
    launch1d("relu_fwd", gridFor(n), new KernelArgs().ptr("x", x).ptr("y", y).i64("n", n).f32("upper", upper),
        Traffic.elementwise(n, n));
  }

  /** dx = dy where 0 < x < upper, else 0. */
  public void reluBackward(DeviceBuffer x, DeviceBuffer dy, DeviceBuffer dx, long n, float upper) {
    need(x, 4L * n, "x");
    need(dy, 4L * n, "dy");
    need(dx, 4L * n, "dx");
    launch1d("relu_bwd", gridFor(n), new KernelArgs().ptr("x", x).ptr("dy", dy).ptr("dx", dx).i64("n", n)
        .f32("upper", upper), Traffic.elementwise(2 * n, n));
  }

  /** y = a + b over n floats. */
  public void add(DeviceBuffer a, DeviceBuffer b, DeviceBuffer y, long n) {
    need(a, 4L * n, "a");
    need(b, 4L * n, "b");
    need(y, 4L * n, "y");
    launch1d("add_tensors", gridFor(n), new KernelArgs().ptr("a", a).ptr("b", b).ptr("y", y).i64("n", n),
        Traffic.elementwise(2 * n, n));
  }

  /** y = a * b over n floats. */
  public void multiply(DeviceBuffer a, DeviceBuffer b, DeviceBuffer y, long n) {
    need(a, 4L * n, "a");
    need(b, 4L * n, "b");
    need(y, 4L * n, "y");
    launch1d("mul_tensors", gridFor(n), new KernelArgs().ptr("a", a).ptr("b", b).ptr("y", y).i64("n", n),
        Traffic.elementwise(2 * n, n));
  }

  /** y (planes) = mean of each plane of x (planes, hw). */
  public void globalAvgPoolForward(DeviceBuffer x, DeviceBuffer y, int planes, int hw) {
    need(x, 4L * planes * hw, "x");
    need(y, 4L * planes, "y");
    launch1d("global_avg_pool_fwd", gridFor(planes), new KernelArgs().ptr("x", x).ptr("y", y).i32("planes", planes)
        .i32("hw", hw), Traffic.elementwise((long) planes * hw, planes));
  }

  /** dx (planes, hw) = dy (planes) / hw. */
  public void globalAvgPoolBackward(DeviceBuffer dy, DeviceBuffer dx, int planes, int hw) {
    need(dy, 4L * planes, "dy");
    need(dx, 4L * planes * hw, "dx");
    launch1d("global_avg_pool_bwd", gridFor((long) planes * hw), new KernelArgs().ptr("dy", dy).ptr("dx", dx)
        .i32("planes", planes).i32("hw", hw), Traffic.elementwise(planes, (long) planes * hw));
  }

  /** Inverted dropout with the counter-based mask of {@code key}: writes y and the scaled mask. */
  public void dropoutForward(DeviceBuffer x, DeviceBuffer y, DeviceBuffer mask, long n, float p, long key) {
    need(x, 4L * n, "x");
    need(y, 4L * n, "y");
    need(mask, 4L * n, "mask");
    launch1d("dropout_fwd", gridFor(n), new KernelArgs().ptr("x", x).ptr("y", y).ptr("mask", mask).i64("n", n)
        .f32("p", p).f32("scale", 1f / (1f - p)).i64("key", key), Traffic.elementwise(n, 2 * n));
  }

  /** x[i] = value for n ints. */
  public void fill(DeviceBuffer x, long n, int value) {
    need(x, 4L * n, "x");
    launch1d("fill_i32", gridFor(n), new KernelArgs().ptr("x", x).i64("n", n).i32("value", value),
        Traffic.elementwise(0, n));
  }

  /** out (1 double) = sum of the rows' losses, correctOut (1 int) = sum of correct flags; status += not finite. */
  public void reduceLoss(DeviceBuffer rowLoss, DeviceBuffer correct, int n, DeviceBuffer out, DeviceBuffer correctOut,
      DeviceBuffer status) {
    need(rowLoss, 8L * n, "rowLoss");
    need(correct, 4L * n, "correct");
    launch("reduce_loss", 1, 1, 1, 32, 1, new KernelArgs().ptr("rowLoss", rowLoss).ptr("correct", correct).i32("n", n)
        .ptr("out", out).ptr("correctOut", correctOut).ptr("status", status), new long[] {12L * n + 4, 16});
  }

  /** status[0] += the number of NaN/Inf among n floats of x. */
  public void countNonFinite(DeviceBuffer x, long n, DeviceBuffer status) {
    need(x, 4L * n, "x");
    launch1d("count_nonfinite", gridFor(n), new KernelArgs().ptr("x", x).i64("n", n).ptr("status", status),
        Traffic.elementwise(n, 0));
  }

  // ---------------------------------------------------------------------------------------------
  // Fully quantized training (qtrain.cu)

  private static long q(QuantOut o, long n) {
    return o.bytesPerElement() * n + (o.present() && o.stats() != null ? Traffic.STATS_BYTES : 0);
  }

  /**
   * Per-channel int8 codes of x with channel c's parameters (scale[c]; levels[3c..3c+2] = zero
   * point, lo, hi); statistics per channel into stats (nullable).
   */
  public void quantizeChannels(DeviceBuffer x, DeviceBuffer q, long n, int channels, DeviceBuffer scale,
      DeviceBuffer levels, Rounding rounding, long key, DeviceBuffer stats) {
    need(x, 4L * n, "x");
    need(q, n, "q");
    need(scale, 4L * channels, "scale");
    need(levels, 12L * channels, "levels");
    launch1d("quantize_channels", channels, new KernelArgs().ptr("x", x).ptr("q", q).i64("n", n)
        .i32("channels", channels).ptr("scale", scale).ptr("levels", levels).flag("stochastic",
            rounding == Rounding.STOCHASTIC).i64("key", key).ptr("stats", stats),
        new long[] {4L * n + 16L * channels, n + (stats == null ? 0 : 16L * channels)});
  }

  /**
   * A dense layer's weights x (out, inner) quantized in one pass for both of its products: the
   * forward codes q (out, inner) and the input gradient's per-tensor codes transposed, qT (inner,
   * out). Per-channel weights ({@code channels == out}): q as {@link #quantizeChannels} writes it
   * with channel o's parameters (scale[o]; levels[3o..3o+2] = zero point, lo, hi) and statistics
   * into stats[o]; qT with {@code perTensor} and nearest rounding, as {@link #quantizeStatic} writes
   * it. Per-tensor weights ({@code channels == 1}): q with {@code perTensor} as {@link #quantizeStatic}
   * writes it, statistics into stats[0], and qT its codes transposed (scale and levels unused, may be
   * null). Stochastic rounding draws for the flat index of q. Stats nullable.
   */
  public void quantizeWeightsTransposed(DeviceBuffer x, DeviceBuffer q, DeviceBuffer qT, int out, int inner,
      int channels, DeviceBuffer scale, DeviceBuffer levels, QuantParams perTensor, Rounding rounding, long key,
      DeviceBuffer stats) {
    if (out < 1 || inner < 1) {
      throw new IllegalArgumentException("quantize_weights_t needs weights of at least one element, got (" + out
          + ", " + inner + ")");
    }
    if (channels != 1 && channels != out) {
      throw new IllegalArgumentException("quantize_weights_t takes per-tensor (1) or per-output-channel (" + out
          + ") weights, got " + channels + " channels");
    }
    if (perTensor == null || perTensor.channels() != 1 || perTensor.grid().bits() > 8) {
      throw new IllegalArgumentException("quantize_weights_t needs per-tensor parameters of at most 8 bits, got "
          + perTensor);
    }
    long n = (long) out * inner;
    need(x, 4L * n, "x");
    need(q, n, "q");
    need(qT, n, "qT");
    boolean perChannel = channels > 1;
    if (perChannel) {
      need(scale, 4L * channels, "scale");
      need(levels, 12L * channels, "levels");
    }
    if (stats != null) {
      need(stats, (long) QuantStats.BYTES * channels, "stats");
    }
    launch1d("quantize_weights_t", out, new KernelArgs().ptr("x", x).ptr("q", q).ptr("qT", qT).i32("out", out)
        .i32("inner", inner).i32("channels", channels).ptr("scale", perChannel ? scale : null)
        .ptr("levels", perChannel ? levels : null).flag("stochastic", rounding == Rounding.STOCHASTIC).i64("key", key)
        .ptr("stats", stats).f32("tScale", perTensor.scale(0)).i32("tZeroPoint", perTensor.zeroPoint(0))
        .i32("tLo", perTensor.lo(0)).i32("tHi", perTensor.hi(0)), Traffic.quantizeWeightsTransposed(n, channels,
            stats != null));
  }

  /** Activation of x (act: clamp to [0, upper]) as fp32 y (nullable) and/or quantized. */
  public void actQuantForward(DeviceBuffer x, DeviceBuffer y, long n, boolean act, float upper, QuantOut out) {
    need(x, 4L * n, "x");
    launch1d("act_quant_fwd", gridFor(n), out.append(new KernelArgs().ptr("x", x).ptr("y", y).i64("n", n)
        .flag("act", act).f32("upper", upper)), new long[] {4L * n, (y == null ? 0 : 4L * n) + q(out, n), q(out, n)});
  }

  /** Batch norm forward plus activation, outputs fp32 y (nullable), actMask (nullable) and/or quantized. */
  public void bnActQuantForward(DeviceBuffer x, int n, int c, int hw, DeviceBuffer gamma, DeviceBuffer beta,
      DeviceBuffer runningMean, DeviceBuffer runningVar, float momentum, float eps, boolean training, boolean act,
      float upper, DeviceBuffer xhat, DeviceBuffer y, DeviceBuffer actMask, DeviceBuffer invStd, QuantOut out) {
    long total = (long) n * c * hw;
    need(x, 4L * total, "x");
    int segments = bnSegments((long) n * hw);
    try (DeviceScope scope = device.scope("batchnorm statistics")) {
      DeviceBuffer[] stats = training ? bnStatistics(scope, x, n, c, hw, segments) : new DeviceBuffer[2];
      launch("bn_act_quant_fwd", c, segments, 1, BLOCK, 1, out.append(new KernelArgs().ptr("x", x).i32("N", n)
          .i32("C", c).i32("HW", hw).ptr("sums", stats[0]).ptr("squares", stats[1]).ptr("gamma", gamma)
          .ptr("beta", beta).ptr("runningMean", runningMean).ptr("runningVar", runningVar).f32("momentum", momentum)
          .f32("eps", eps).flag("training", training).flag("act", act).f32("upper", upper).ptr("xhat", xhat).ptr("y", y)
          .ptr("actMask", actMask).ptr("invStd", invStd)),
          new long[] {4L * total + (training ? 16L * c * segments : 0), (xhat == null ? 0 : 4L * total)
              + (y == null ? 0 : 4L * total) + (actMask == null ? 0 : total) + q(out, total), q(out, total)});
    }
  }

  /** Max pooling forward as fp32 y (nullable) and/or quantized, with the argmax. */
  public void maxpoolQuantForward(DeviceBuffer x, DeviceBuffer y, DeviceBuffer argmax, int planes, int h, int w,
      int k, int stride, int pad, int outH, int outW, QuantOut out) {
    long total = (long) planes * outH * outW;
    need(argmax, 4L * total, "argmax");
    launch1d("maxpool_quant_fwd", gridFor(total), out.append(new KernelArgs().ptr("x", x).ptr("y", y)
        .ptr("argmax", argmax).i32("planes", planes).i32("H", h).i32("W", w).i32("k", k).i32("stride", stride)
        .i32("pad", pad).i32("outH", outH).i32("outW", outW)),
        new long[] {4L * planes * h * w, 4L * total + (y == null ? 0 : 4L * total) + q(out, total), q(out, total)});
  }

  /** Global average pooling as fp32 y (nullable) and/or quantized. */
  public void gapQuantForward(DeviceBuffer x, DeviceBuffer y, int planes, int hw, QuantOut out) {
    need(x, 4L * planes * hw, "x");
    launch1d("gap_quant_fwd", gridFor(planes), out.append(new KernelArgs().ptr("x", x).ptr("y", y)
        .i32("planes", planes).i32("hw", hw)), new long[] {4L * planes * hw, (y == null ? 0 : 4L * planes) + q(out, planes), q(out, planes)});
  }

  /**
   * Residual sum a + b with an optional activation, as fp32 y (nullable), actMask (nullable) and/or
   * quantized for one or two quantizers ({@code out2}: {@link QuantOut#NONE} or a second set of codes).
   */
  public void addActQuantForward(DeviceBuffer a, DeviceBuffer b, DeviceBuffer y, DeviceBuffer actMask, long n,
      boolean act, float upper, QuantOut out, QuantOut out2) {
    need(a, 4L * n, "a");
    need(b, 4L * n, "b");
    long quantized = q(out, n) + q(out2, n);
    launch1d("add_act_quant_fwd", gridFor(n), out2.append(out.append(new KernelArgs().ptr("a", a).ptr("b", b)
        .ptr("y", y).ptr("actMask", actMask).i64("n", n).flag("act", act).f32("upper", upper)), "q2"),
        new long[] {8L * n, (y == null ? 0 : 4L * n) + (actMask == null ? 0 : n) + quantized, quantized});
  }

  /** The loss gradient as fp32 dz (nullable) and/or quantized. */
  public void softmaxBackwardQuant(DeviceBuffer probs, DeviceBuffer labels, int n, int k, DeviceBuffer dz,
      QuantOut out) {
    long total = (long) n * k;
    launch1d("softmax_bwd_quant", gridFor(total), out.append(new KernelArgs().ptr("probs", probs)
        .ptr("labels", labels).i32("N", n).i32("K", k).ptr("dz", dz)),
        new long[] {4L * total + 4L * n, (dz == null ? 0 : 4L * total) + q(out, total), q(out, total)});
  }

  /** Activation backward (from x, or from mask when non-null) as fp32 dx (nullable) and/or quantized. */
  public void actBackwardQuant(DeviceBuffer x, DeviceBuffer mask, DeviceBuffer dy, DeviceBuffer dx, long n, float upper,
      QuantOut out) {
    need(dy, 4L * n, "dy");
    launch1d("act_bwd_quant", gridFor(n), out.append(new KernelArgs().ptr("x", mask == null ? x : null)
        .ptr("mask", mask).ptr("dy", dy).ptr("dx", dx).i64("n", n).f32("upper", upper)),
        new long[] {4L * n + (mask == null ? 4L * n : n), (dx == null ? 0 : 4L * n) + q(out, n), q(out, n)});
  }

  /** Batch norm backward of dy masked by actMask (nullable), as fp32 dx (nullable) and/or quantized. */
  public void bnActBackwardQuant(DeviceBuffer dy, DeviceBuffer actMask, DeviceBuffer xhat, int n, int c, int hw,
      DeviceBuffer gamma, DeviceBuffer invStd, boolean training, DeviceBuffer dx, DeviceBuffer dgamma,
      DeviceBuffer dbeta, QuantOut out) {
    long total = (long) n * c * hw;
    need(dy, 4L * total, "dy");
    need(xhat, 4L * total, "xhat");
    int segments = bnSegments((long) n * hw);
    try (DeviceScope scope = device.scope("batchnorm backward sums")) {
      DeviceBuffer[] sums = bnBackwardSums(scope, dy, actMask, xhat, n, c, hw, segments);
      launch("bn_act_bwd_quant", c, segments, 1, BLOCK, 1, out.append(new KernelArgs().ptr("dy", dy)
          .ptr("actMask", actMask).ptr("xhat", xhat).i32("N", n).i32("C", c).i32("HW", hw).ptr("sumDy", sums[0])
          .ptr("sumDyXhat", sums[1]).ptr("gamma", gamma).ptr("invStd", invStd).flag("training", training)
          .ptr("dx", dx).ptr("dgamma", dgamma).ptr("dbeta", dbeta)),
          new long[] {8L * total + (actMask == null ? 0 : total) + 16L * c * segments,
              (dx == null ? 0 : 4L * total) + q(out, total), q(out, total)});
    }
  }

  /** Pixel-major int8 columns colT (N * outH * outW, C * kH * kW) of int8 codes x; padding gets padCode. */
  public void im2colS8T(DeviceBuffer x, int n, int c, int h, int w, int kH, int kW, int stride, int pad, int outH,
      int outW, int padCode, DeviceBuffer colT) {
    long total = (long) n * outH * outW * c * kH * kW;
    need(x, (long) n * c * h * w, "x");
    need(colT, total, "colT");
    launch1d("im2col_s8_t", gridFor(total), new KernelArgs().ptr("x", x).i32("N", n).i32("C", c).i32("H", h)
        .i32("W", w).i32("kH", kH).i32("kW", kW).i32("stride", stride).i32("pad", pad).i32("outH", outH)
        .i32("outW", outW).i32("padCode", padCode).ptr("colT", colT), new long[] {(long) n * c * h * w, total});
  }

  /** dx (N, C, H, W) from pixel-major column gradients dcolT (gather, overwrites dx). */
  public void col2imT(DeviceBuffer dcolT, int n, int c, int h, int w, int kH, int kW, int stride, int pad, int outH,
      int outW, DeviceBuffer dx) {
    long cols = (long) n * outH * outW * c * kH * kW;
    long total = (long) n * c * h * w;
    need(dcolT, 4L * cols, "dcolT");
    need(dx, 4L * total, "dx");
    launch1d("col2im_t", gridFor(total), new KernelArgs().ptr("dcolT", dcolT).i32("N", n).i32("C", c).i32("H", h)
        .i32("W", w).i32("kH", kH).i32("kW", kW).i32("stride", stride).i32("pad", pad).i32("outH", outH)
        .i32("outW", outW).ptr("dx", dx), Traffic.elementwise(cols, total));
  }

  /** out (N, HW, C) = in (N, C, HW), int8. */
  public void nchwToNhwcS8(DeviceBuffer in, int n, int c, long hw, DeviceBuffer out) {
    long total = n * c * hw;
    need(in, total, "in");
    need(out, total, "out");
    launch1d("nchw_to_nhwc_s8", gridFor(total), new KernelArgs().ptr("in", in).i32("N", n).i32("C", c).i64("HW", hw)
        .ptr("out", out), new long[] {total, total});
  }

  /** db[c] = scale * sum of (dy - zeroPoint) over samples and pixels, dy int8 codes (N, C, HW). */
  public void biasGradS8(DeviceBuffer dy, int n, int c, long hw, int zeroPoint, float scale, DeviceBuffer db) {
    need(dy, n * c * hw, "dy");
    need(db, 4L * c, "db");
    launch1d("bias_grad_s8", c, new KernelArgs().ptr("dy", dy).i32("N", n).i32("C", c).i64("HW", hw)
        .i32("zeroPoint", zeroPoint).f32("scale", scale).ptr("db", db), new long[] {n * c * hw, 4L * c});
  }

  /**
   * x[i] = 0 where bit i of the STE mask ({@link SteMaskBits}) is set (in place), and the mask's
   * words and summary cleared (zero again for the next step). {@code mask} is the whole buffer
   * (words, then summary) of a capacity of at least {@code n} elements.
   */
  public void applyMask(DeviceBuffer x, DeviceBuffer mask, long n) {
    need(x, 4L * n, "x");
    long words = SteMaskBits.wordsOfBuffer(mask.bytes());
    if (words < SteMaskBits.words(n)) {
      throw new IllegalArgumentException("the STE mask holds " + words + " words, " + n + " elements need "
          + SteMaskBits.words(n));
    }
    // reads the summary; the words it marks are read, a zero is written where they stop the
    // gradient and both are cleared: counts known from the quantizer's statistics after the step
    // (TrafficCounter.addLate)
    launch1d("apply_mask", gridFor(SteMaskBits.summaryWords(n)), new KernelArgs().ptr("x", x).ptr("mask", mask)
        .ptr("maskSummary", QuantOut.summary(mask)).i64("n", n),
        new long[] {TrafficModel.maskSummaryBytes(n), 0});
  }

  /** Depthwise forward on int8 codes: y fp32 (N, inC * mult, outH, outW); bias nullable. */
  public void dwconvS8Forward(DeviceBuffer x, DeviceBuffer w, DeviceBuffer scaleW, DeviceBuffer bias, DeviceBuffer y,
      int n, int inC, int h, int wd, int mult, int kH, int kW, int stride, int pad, int outH, int outW, float scaleX,
      int zeroPointX) {
    long total = (long) n * inC * mult * outH * outW;
    need(y, 4L * total, "y");
    launch1d("dwconv_s8_fwd", gridFor(total), new KernelArgs().ptr("x", x).ptr("w", w).ptr("scaleW", scaleW)
        .ptr("bias", bias).ptr("y", y).i32("N", n).i32("inC", inC).i32("H", h).i32("W", wd).i32("mult", mult)
        .i32("kH", kH).i32("kW", kW).i32("stride", stride).i32("pad", pad).i32("outH", outH).i32("outW", outW)
        .f32("scaleX", scaleX).i32("zeroPointX", zeroPointX),
        new long[] {(long) n * inC * h * wd + (long) inC * mult * kH * kW, 4L * total});
  }

  /** Depthwise input gradient on int8 codes dy: dx fp32 (N, inC, H, W). */
  public void dwconvS8BackwardInput(DeviceBuffer dy, DeviceBuffer w, DeviceBuffer scaleW, DeviceBuffer dx, int n,
      int inC, int h, int wd, int mult, int kH, int kW, int stride, int pad, int outH, int outW, float scaleDy,
      int zeroPointDy) {
    long total = (long) n * inC * h * wd;
    need(dx, 4L * total, "dx");
    launch1d("dwconv_s8_bwd_input", gridFor(total), new KernelArgs().ptr("dy", dy).ptr("w", w).ptr("scaleW", scaleW)
        .ptr("dx", dx).i32("N", n).i32("inC", inC).i32("H", h).i32("W", wd).i32("mult", mult).i32("kH", kH)
        .i32("kW", kW).i32("stride", stride).i32("pad", pad).i32("outH", outH).i32("outW", outW)
        .f32("scaleDy", scaleDy).i32("zeroPointDy", zeroPointDy),
        new long[] {(long) n * inC * mult * outH * outW, 4L * total});
  }

  /** Depthwise weight gradient on int8 codes x and dy: dw fp32 (outC, kH, kW), overwritten. */
  public void dwconvS8BackwardWeight(DeviceBuffer x, DeviceBuffer dy, DeviceBuffer dw, int n, int inC, int h, int wd,
      int mult, int kH, int kW, int stride, int pad, int outH, int outW, float scaleX, int zeroPointX, float scaleDy,
      int zeroPointDy) {
    int weights = inC * mult * kH * kW;
    need(dw, 4L * weights, "dw");
    launch1d("dwconv_s8_bwd_weight", weights, new KernelArgs().ptr("x", x).ptr("dy", dy).ptr("dw", dw).i32("N", n)
        .i32("inC", inC).i32("H", h).i32("W", wd).i32("mult", mult).i32("kH", kH).i32("kW", kW)
        .i32("stride", stride).i32("pad", pad).i32("outH", outH).i32("outW", outW).f32("scaleX", scaleX)
        .i32("zeroPointX", zeroPointX).f32("scaleDy", scaleDy).i32("zeroPointDy", zeroPointDy),
        new long[] {(long) n * inC * h * wd + (long) n * inC * mult * outH * outW, 4L * weights});
  }

  /** Device-to-device copy of {@code bytes} bytes ({@code cuMemcpyDtoD}). */
  public void copy(DeviceBuffer src, DeviceBuffer dst, long bytes) {
    need(src, bytes, "src");
    need(dst, bytes, "dst");
    device.copy(src, 0, dst, 0, bytes);
    long[] rw = Traffic.copy(bytes);
    traffic.record("memcpy_dtod", rw[0], rw[1]);
  }
}
